"""The one way the report gets matplotlib: the optional dependency checked with a clear
message, the non-interactive Agg backend (reports are written on servers without a display)."""
from __future__ import annotations

from .._lib.optional import require


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend, or MissingDependencyError naming the extra."""
    matplotlib = require("matplotlib", "the report's figures")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", "the report's figures")
