"""Entropy bounds for smooth maps: BGMY lower bound from a certified period, monotone,
lap-count and Lipschitz upper bounds, checked against closed forms computed independently
(mpmath) and against maps whose entropy is known."""
from __future__ import annotations

import json
import math

import mpmath

from rnnchaos.certified.entropy import smooth_entropy_bounds
from rnnchaos.cli.main import main
from rnnchaos.networks.model import ScalarRNN


def bump(A, B, c=1.0):
    s = A / (2 * math.tanh(c))
    return {"layers": [{"weight": [[1.0], [1.0]], "bias": [c, -c], "activation": "tanh"},
                       {"weight": [[s, -s]], "bias": [-B]}]}


def test_period_three_bump_has_golden_lower_bound():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(bump(3.85, 1.85)), 6)
    golden = mpmath.log((1 + mpmath.sqrt(5)) / 2)
    assert b["lower_evidence"]["period"] == 3
    assert golden - mpmath.mpf("1e-12") < b["lower"] <= golden
    # unimodal: ell(f^n) <= 2^n, so the lap-count bound is at most log 2 (and >= the truth)
    assert b["upper_evidence"]["method"] == "lap_count"
    assert b["lower"] <= b["upper"] <= math.log(2) + 1e-15
    assert b["upper"] < b["upper_evidence"]["lipschitz_upper"]  # log max(1, sup |f'|)


def test_contracting_map_has_zero_entropy():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(
        {"layers": [{"weight": [[0.5]], "bias": [0.2], "activation": "tanh"}]}), 4)
    assert (b["lower"], b["upper"]) == (0.0, 0.0)


def test_period_doubling_bump_lower_bound_is_zero():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(bump(3.1, 1.1)), 6)
    assert b["lower"] == 0.0 and b["upper"] > 0
    # laps 2, 3, 5, 7, 9, 10 (certified): (1/6) log 10, far below the Lipschitz bound
    assert b["upper_evidence"]["method"] == "lap_count" and b["upper"] < 0.4


def test_full_branch_bump_upper_bound_is_log_two():
    # f(0) = T, f(T) = p = f(p): [p, 0] and [0, T] each cover [p, T] (a 2-horseshoe, h >= log 2)
    # and f is unimodal (h <= log 2), so h = log 2; laps of f^n on K are 2^n
    b = smooth_entropy_bounds(ScalarRNN.from_dict(bump(5.0, 2.7393133827963863)), 3)
    assert math.log(2) <= b["upper"] <= math.log(2) + 1e-15
    assert b["laps"] == [2, 4, 8] and b["lower"] <= b["upper"]


def test_monotone_expanding_map_has_zero_entropy():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(
        {"layers": [{"weight": [[-3.0]], "bias": [0.5], "activation": "tanh"}]}), 4)
    assert (b["lower"], b["upper"]) == (0.0, 0.0)


def test_lower_never_exceeds_upper_on_random_networks():
    import numpy as np
    for seed in (4, 8, 30):
        rng = np.random.default_rng(seed)
        spec = {"layers": [{"weight": rng.normal(0, 2, (3, 1)).tolist(),
                            "bias": rng.normal(0, 1, 3).tolist(), "activation": "tanh"},
                           {"weight": rng.normal(0, 2, (1, 3)).tolist(),
                            "bias": rng.normal(0, 0.5, 1).tolist()}]}
        b = smooth_entropy_bounds(ScalarRNN.from_dict(spec), 4)
        assert 0.0 <= b["lower"] <= b["upper"]


def test_entropy_cli_accepts_smooth_specs(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(bump(3.85, 1.85)))
    assert main(["entropy", str(path), "--max-iter", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "certified" and out["lower"] > 0.48
    assert out["upper_evidence"]["method"] == "lap_count" and out["laps"][:2] == [2, 4]
    assert main(["entropy", str(path), "--max-iter", "3"]) == 0
    text = capsys.readouterr().out
    assert "certified laps of f^n on K" in text and "upper = " in text
