"""A long single Lyapunov run shows progress on a terminal (issue: runs that look like hangs)."""
from __future__ import annotations

import numpy as np

import rnnchaos._lib.progress as progress_mod
from rnnchaos.dynamics import lyapunov as lyap
from rnnchaos.networks.vector import HenonMap


class Recorder:
    """Stands in for the tqdm-backed bar: records what the loop reports."""

    def __init__(self, total, enabled=None, *, desc="", unit=""):
        self.total, self.done, self.enabled = total, 0, enabled is not False
        Recorder.last = self

    def update(self, units):
        self.done += units

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def test_progress_counts_every_step_exactly_once(monkeypatch):
    monkeypatch.setattr(lyap, "Progress", Recorder)
    res = lyap.lyapunov_spectrum(HenonMap(), 5000, h0=[0.1, 0.1], transient=1500,
                                 tangent_transient=300, progress=True)
    assert Recorder.last.total == 6800 and Recorder.last.done == 6800
    plain = lyap.lyapunov_spectrum(HenonMap(), 5000, h0=[0.1, 0.1], transient=1500,
                                   tangent_transient=300)
    assert np.array_equal(res.exponents, plain.exponents)  # reporting does not touch the numbers


def test_no_bar_unless_asked(monkeypatch):
    monkeypatch.setattr(lyap, "Progress", Recorder)
    lyap.lyapunov_spectrum(HenonMap(), 100, h0=[0.1, 0.1], transient=10)
    assert Recorder.last.enabled is False and Recorder.last.done == 0
    assert progress_mod.Progress(5, enabled=False).enabled is False
