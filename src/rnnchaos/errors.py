"""Exceptions raised at the boundary of rnnchaos.

Every error a user can cause names the offending field and value, so the CLI
can print one line and exit with status 2 instead of a traceback.
"""


class RnnchaosError(Exception):
    """Base class of the errors rnnchaos raises on purpose."""


class SpecError(RnnchaosError, ValueError):
    """A network specification or a parameter is malformed.

    ``field`` is a dotted path such as ``layers[1].weight``.
    """

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class NotPiecewiseLinearError(RnnchaosError, ValueError):
    """The exact engine was asked to handle a smooth activation (tanh, sigmoid)."""


class ResourceLimitError(RnnchaosError, MemoryError):
    """A computation would exceed a size limit; refused before allocating."""
