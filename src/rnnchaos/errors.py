"""Exceptions raised at the boundary of rnnchaos.

Every error a user can cause names the offending field and value, so the CLI
can print one line and exit with status 2 instead of a traceback.

Every class here is picklable (``pickle.loads(pickle.dumps(e))`` gives an equal error):
errors raised in a worker process or on a Dask worker cross back to the driver by
pickling, and an exception whose ``__init__`` takes other arguments than ``args``
cannot be rebuilt there (the parent would see ``BrokenProcessPool`` instead).  Hence
``__reduce__`` on the classes whose constructors take named parts.
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

    def __reduce__(self):
        return (type(self), (self.field, self.problem))


class NotPiecewiseLinearError(RnnchaosError, ValueError):
    """The exact engine was asked to handle a smooth activation (tanh, sigmoid)."""


class ResourceLimitError(MemoryError, RnnchaosError):
    """A computation would exceed a size limit; refused before allocating.

    (MemoryError first: its ``__new__`` must be the one Python finds, or the exception
    pickling that Dask installs (tblib) cannot rebuild it on the driver.)"""


class TaskFailedError(RnnchaosError, RuntimeError):
    """A block of work could not be computed (its worker processes kept dying).

    ``block`` names the block (for instance ``paper_he-w2-g1.0 networks 0..4095``);
    everything finished before the failure has been saved, so a rerun resumes.
    """

    def __init__(self, block: str, problem: str):
        self.block = block
        self.problem = problem
        super().__init__(f"block {block}: {problem}")

    def __reduce__(self):
        return (type(self), (self.block, self.problem))
