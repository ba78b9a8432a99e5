"""The curated public API: every name resolves, lives where the index says, and is listed."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import rnnchaos


@pytest.mark.parametrize("name", sorted(rnnchaos._API))
def test_every_public_name_resolves_from_its_module(name):
    module = importlib.import_module(f"rnnchaos.{rnnchaos._API[name]}")
    assert getattr(rnnchaos, name) is getattr(module, name)
    assert name in rnnchaos.__all__
    assert f"``{name}``" in rnnchaos.__doc__  # the docstring is the API index


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        rnnchaos.no_such_name  # noqa: B018


def test_import_is_light():
    """``import rnnchaos`` loads neither numba kernels nor optional dependencies."""
    code = ("import sys, rnnchaos; heavy = [m for m in ('numba', 'torch', 'scipy', 'pyarrow', "
            "'matplotlib', 'dask') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
