"""Estimation: Wilson intervals, reproducibility, agreement with network-by-network exact verdicts."""
import json
import subprocess
import sys

import pytest
from scipy.stats import binomtest

from rnnchaos import SpecError
from rnnchaos.exact.periodic import periodic_orbits
from rnnchaos.networks.presets import build_preset, sample_preset
from rnnchaos.studies.montecarlo import estimate
from rnnchaos.studies.stats import wilson_interval


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (50, 100), (7, 10000)])
def test_wilson_matches_scipy(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


def test_estimate_counts_equal_exact_engine_network_by_network():
    preset = build_preset("paper_he", 2)
    est = estimate(preset, seed=3, n=150, criteria=["period_2", "period_3", "positive_entropy"],
                   chunk_size=64)
    reps = [periodic_orbits(sample_preset(preset, 3, i), 6) for i in range(150)]
    assert est.criteria["period_2"].count == sum(2 in r.periods for r in reps)
    assert est.criteria["period_3"].count == sum(3 in r.periods for r in reps)
    assert est.criteria["positive_entropy"].count == sum(r.positive_entropy for r in reps)
    assert est.criteria["period_2"].n == 150


def test_estimate_does_not_depend_on_workers_or_chunking():
    preset = build_preset("paper_glorot", 2, clip=True)
    a = estimate(preset, seed=9, n=500, chunk_size=500, workers=1)
    b = estimate(preset, seed=9, n=500, chunk_size=64, workers=2)
    assert a.to_json() == b.to_json()


def test_adaptive_stops_at_requested_halfwidth():
    preset = build_preset("paper_he", 2)
    est = estimate(preset, seed=1, ci_halfwidth=0.04, criteria=["period_2"], chunk_size=50)
    e = est.criteria["period_2"]
    assert (e.ci_high - e.ci_low) / 2 <= 0.04
    smaller = estimate(preset, seed=1, n=est.n - 50, criteria=["period_2"], chunk_size=50).criteria["period_2"]
    assert (smaller.ci_high - smaller.ci_low) / 2 > 0.04  # it stopped at the first chunk that sufficed


def test_tanh_exact_criteria_are_certified_and_undecided_counted_apart():
    est = estimate(build_preset("paper_he", 2, activation="tanh", clip=True), seed=0, n=100)
    for c, e in est.criteria.items():
        assert e.p is not None and 0 <= e.count and e.count + e.undecided <= e.n
        lo, hi = wilson_interval(e.count, e.n)[0], wilson_interval(e.count + e.undecided, e.n)[1]
        assert (e.ci_low, e.ci_high) == (lo, hi)
    assert est.criteria["reference_test"].undecided == 0
    assert "pending" not in json.dumps(est.to_json())


@pytest.mark.parametrize("kw,field", [({"n": 0}, "n"), ({"n": None}, "n"),
                                      ({"ci_halfwidth": 0.7}, "ci_halfwidth"),
                                      ({"n": 10, "criteria": ["chaos"]}, "criteria")])
def test_bad_arguments(kw, field):
    with pytest.raises(SpecError, match=field):
        estimate(build_preset("paper_he", 2), seed=0, **kw)


def test_estimate_cli_json_and_sample_contract():
    cmd = [sys.executable, "-m", "rnnchaos.cli.main", "estimate", "--preset", "paper_he", "--width", "2",
           "--n", "200", "--seed", "5", "--json", "--criteria", "period_2,reference_test"]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    for c in ("period_2", "reference_test"):
        assert set(out[c]) >= {"count", "n", "p", "ci_low", "ci_high"} and out[c]["n"] == 200
    assert "period_3" not in out
    # network I of the estimate is `rnnchaos sample ... --index I`
    preset = build_preset("paper_he", 2)
    direct = sum(2 in periodic_orbits(sample_preset(preset, 5, i), 2).periods for i in range(200))
    assert out["period_2"]["count"] == direct


def test_estimate_cli_bad_input_one_line():
    cmd = [sys.executable, "-m", "rnnchaos.cli.main", "estimate", "--preset", "paper_he", "--width", "2",
           "--seed", "5"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_count_chunk_across_a_block_boundary_equals_the_exact_engine():
    from rnnchaos.studies.montecarlo import count_chunk
    preset = build_preset("paper_he", 3)
    counts = count_chunk(preset, 4, 1000, 60, ("period_2", "period_3"), 6)
    reps = [periodic_orbits(sample_preset(preset, 4, i), 3) for i in range(1000, 1060)]
    assert counts == {"period_2": sum(2 in r.periods for r in reps),
                      "period_3": sum(3 in r.periods for r in reps),
                      "undecided__period_2": 0, "undecided__period_3": 0}  # PL: all decided


def test_tasks_are_whole_blocks_and_do_not_change_counts(monkeypatch):
    import rnnchaos.studies.montecarlo as mc
    from rnnchaos.networks.presets import BLOCK_SIZE
    preset = build_preset("paper_glorot", 2)
    criteria = ("period_2", "positive_entropy", "reference_test")
    whole = mc.count_chunk(preset, 2, 0, 3 * BLOCK_SIZE, criteria, 6)
    assert mc.task_size(preset) % BLOCK_SIZE == 0 and mc.task_size(preset) >= 3 * BLOCK_SIZE
    monkeypatch.setattr(mc, "TASK_PARAMETERS", 1)  # one block per task
    assert mc.task_size(preset) == BLOCK_SIZE
    assert list(mc._task_ranges(preset, 1000, 2100)) == [(1000, 24), (1024, 1024), (2048, 1024), (3072, 28)]
    assert mc.count_chunk(preset, 2, 0, 3 * BLOCK_SIZE, criteria, 6) == whole
    parts = [mc.count_chunk(preset, 2, s, c, criteria, 6) for s, c in ((0, 1500), (1500, 1572))]
    assert {c: parts[0][c] + parts[1][c] for c in whole} == whole
