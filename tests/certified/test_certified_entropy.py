"""Entropy bounds for smooth maps: BGMY lower bound from a certified period, monotone and
Lipschitz upper bounds, checked against closed forms computed independently (mpmath)."""
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
    # unimodal (2 laps): the true entropy is <= log 2, so any valid upper bound is >= lower
    assert b["upper"] >= b["lower"] and b["upper_evidence"]["method"] == "lipschitz"


def test_contracting_map_has_zero_entropy():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(
        {"layers": [{"weight": [[0.5]], "bias": [0.2], "activation": "tanh"}]}), 4)
    assert (b["lower"], b["upper"]) == (0.0, 0.0)


def test_period_doubling_bump_lower_bound_is_zero():
    b = smooth_entropy_bounds(ScalarRNN.from_dict(bump(3.1, 1.1)), 6)
    assert b["lower"] == 0.0 and b["upper"] > 0


def test_entropy_cli_accepts_smooth_specs(tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(bump(3.85, 1.85)))
    assert main(["entropy", str(path), "--max-iter", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "certified" and out["lower"] > 0.48
