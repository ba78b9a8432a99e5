"""Progress reporting for long runs.
"""
from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, or forced)."""

    def __init__(self, total: int, enabled: bool | None = None):
        self.total, self.done, self.t0 = total, 0, time.monotonic()
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def update(self, networks: int):
        self.done += networks
        if not self.enabled:
            return
        frac = self.done / self.total if self.total else 1.0
        rate = self.done / max(time.monotonic() - self.t0, 1e-9)
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\rsweep [{bar:<30}] {100 * frac:5.1f}%  {self.done}/{self.total} "
                         f"networks  {rate:,.0f}/s")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")
