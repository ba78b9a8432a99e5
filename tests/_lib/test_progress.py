"""Progress bars: drawn with rate and ETA when forced (a terminal), silent on a pipe or when quiet."""
import io
import subprocess
import sys

import pytest

from rnnchaos._lib import progress as progress_mod
from rnnchaos._lib.progress import Progress, progress_callback, set_quiet


def test_forced_bar_shows_count_rate_and_eta(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with Progress(1000, enabled=True, desc="estimate") as bar:
        report = progress_callback(bar)
        report(400, 1000)
        report(1000, 1000)
    text = err.getvalue()
    assert "estimate" in text and "1.00k/1.00k" in text and "networks/s" in text
    assert bar.done == 1000


@pytest.mark.parametrize("quiet,tty,shown", [(False, False, False), (True, True, False),
                                             (False, True, True)])
def test_default_bar_only_on_a_terminal_and_not_quiet(monkeypatch, quiet, tty, shown):
    class Stream(io.StringIO):
        def isatty(self):
            return tty
    err = Stream()
    monkeypatch.setattr(sys, "stderr", err)
    set_quiet(quiet)
    try:
        with Progress(10) as bar:
            bar.update(10)
    finally:
        set_quiet(False)
    assert bool(err.getvalue()) == shown
    assert progress_mod.bars_enabled() == tty


def test_cli_on_a_pipe_writes_nothing_to_stderr():
    cmd = [sys.executable, "-m", "rnnchaos.cli.main", "estimate", "--preset", "paper_he", "--width", "2",
           "--n", "3000", "--seed", "1", "--criteria", "period_2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert proc.stderr == "" and "period_2" in proc.stdout
    proc = subprocess.run(cmd + ["--quiet"], capture_output=True, text=True, check=True)
    assert proc.stderr == ""
