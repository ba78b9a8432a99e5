"""Optional heavy dependencies, imported on demand with a clear message when missing."""
from __future__ import annotations

import importlib

from ..errors import RnnchaosError

_EXTRA = {"pyarrow": "sweep", "matplotlib": "plots", "torch": "torch", "distributed": "dask",
          "dask": "dask"}


class MissingDependencyError(RnnchaosError, ImportError):
    """An optional dependency is needed for this feature but not installed."""


def require(module: str, feature: str):
    """Import ``module`` or raise MissingDependencyError saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRA.get(module.split(".")[0], "full")
        raise MissingDependencyError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'rnnchaos[{extra}]'") from None
