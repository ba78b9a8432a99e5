"""The examples in every module's docstrings run and give what they show.

As in numpy's own doctests, ``np`` and ``math`` are available to every example.
"""
from __future__ import annotations

import doctest
import importlib
import math
import pkgutil

import numpy as np
import pytest

import rnnchaos

MODULES = sorted(m.name for m in pkgutil.walk_packages(rnnchaos.__path__, "rnnchaos.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"np": np, "math": math},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
