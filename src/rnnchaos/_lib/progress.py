"""Progress bars for long runs: the one implementation (tqdm underneath).

A bar is drawn on standard error only when standard error is a terminal and the
run is not quiet (:func:`set_quiet`, set by the CLI's ``--quiet``); on a pipe or
in a file nothing at all is written, so logs and JSON outputs stay clean.  The
bar shows done / total, the rate (units per second) and the ETA.  ``total`` may
be None (an adaptive run): then it shows the count and the rate.
"""
from __future__ import annotations

import sys
from typing import Callable

_QUIET = False


def set_quiet(quiet: bool) -> None:
    """Turn every default-enabled bar of this process off (True) or back on (False)."""
    global _QUIET
    _QUIET = bool(quiet)


def bars_enabled() -> bool:
    """Whether a bar with ``enabled=None`` is drawn: stderr is a terminal and not quiet."""
    return not _QUIET and sys.stderr.isatty()


class Progress:
    """A progress bar over ``total`` units (networks, maps): :meth:`update` adds finished units.

    ``enabled``: None follows :func:`bars_enabled`; True / False force it.

    >>> with Progress(10, enabled=False) as bar:
    ...     bar.update(4)
    >>> bar.done
    4
    """

    def __init__(self, total: int | None, enabled: bool | None = None, *, desc: str = "sweep",
                 unit: str = "networks"):
        self.total, self.done = total, 0
        self.enabled = bars_enabled() if enabled is None else bool(enabled)
        self._bar = None
        if self.enabled:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit=f" {unit}", unit_scale=True,
                             file=sys.stderr, mininterval=0.2, smoothing=0.1)

    def update(self, units: int) -> None:
        self.done += units
        if self._bar is not None:
            self._bar.update(units)

    def advance_to(self, done: int) -> None:
        """Set the count of finished units (for callbacks that report a running total)."""
        self.update(done - self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_callback(bar: Progress) -> Callable[[int, int | None], None]:
    """A ``progress(done, total)`` callback (as :func:`rnnchaos.studies.montecarlo.estimate`
    takes) that moves ``bar`` to ``done``."""
    def report(done: int, total: int | None) -> None:
        bar.advance_to(done)
    return report
