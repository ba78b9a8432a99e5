"""The entropy / regions / orbit subcommands, through argparse, with JSON output."""
from __future__ import annotations

import argparse
import json
import math
import os
from fractions import Fraction

import pytest

from rnnchaos.cli.scalar import register
from rnnchaos.exact.entropy import verify_lower_certificate
from rnnchaos.networks.model import ScalarRNN

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
TENT = os.path.join(EXAMPLES, "tent.json")
LIPSCHITZ = os.path.join(EXAMPLES, "lipschitz.json")
LOG2 = math.log(2)


def run(argv, capsys):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers()
    register(sub)
    args = p.parse_args(argv)
    code = args.func(args)
    out = capsys.readouterr().out
    return code, out


def run_json(argv, capsys):
    code, out = run(argv + ["--json"], capsys)
    assert code == 0
    return json.loads(out)


def test_entropy_tent_json(capsys):
    js = run_json(["entropy", TENT, "--max-iter", "6"], capsys)
    assert js["lower"] <= LOG2 <= js["upper"] and js["upper"] - js["lower"] < 1e-15
    assert js["laps"] == [2, 4, 8, 16, 32, 64]
    assert js["lower_evidence"]["method"] in ("covering", "periodic_orbit")
    assert js["upper_evidence"]["method"] == "lap_count"
    cert = js["lower_evidence"]["certificate"]
    assert verify_lower_certificate(ScalarRNN.from_file(TENT), cert)


def test_entropy_text_and_certificate_file(capsys, tmp_path):
    path = tmp_path / "cert.json"
    code, out = run(["entropy", TENT, "--max-iter", "4", "--certificate", str(path)], capsys)
    assert code == 0 and "lower = 0.693147" in out and "upper = 0.693147" in out
    assert verify_lower_certificate(ScalarRNN.from_file(TENT), json.loads(path.read_text()))


def test_entropy_zero_for_lipschitz_example(capsys):
    js = run_json(["entropy", LIPSCHITZ, "--max-iter", "5"], capsys)
    assert js["lower"] == 0.0 and js["upper"] == 0.0


def test_regions_json(capsys):
    js = run_json(["regions", TENT, "--steps", "7"], capsys)
    assert js["pieces"] == [2 ** t for t in range(1, 8)]
    assert js["laps"] == [2 ** t for t in range(1, 8)]
    assert js["interval"] == ["0", "1"]
    js = run_json(["regions", TENT, "--steps", "5", "--interval", "0", "1/2"], capsys)
    assert js["laps"] == [1, 2, 4, 8, 16]
    assert abs(js["growth"]["laps"]["rate"] - LOG2) < 1e-12
    code, out = run(["regions", TENT, "--steps", "3", "--interval", "0.25", "0.75"], capsys)
    assert code == 0 and "phi^t" in out


BUMP = {"layers": [{"weight": [[1.0], [1.0]], "bias": [1.0, -1.0], "activation": "tanh"},
                   {"weight": [[5.0 / (2 * math.tanh(1.0)), -5.0 / (2 * math.tanh(1.0))]],
                    "bias": [-2.7393133827963863]}]}


def test_regions_of_a_smooth_map(capsys, tmp_path):
    path = tmp_path / "bump.json"
    path.write_text(json.dumps(BUMP))  # a full-branch tanh bump: 2^t laps
    js = run_json(["regions", str(path), "--steps", "6"], capsys)
    assert js["method"] == "certified" and js["pieces"] is None and js["undecided"] is None
    assert js["laps"] == [2 ** t for t in range(1, 7)] and js["forward_invariant"] is True
    assert abs(js["growth"]["laps"]["rate"] - LOG2) < 1e-12 and js["growth"]["pieces"] is None
    js = run_json(["regions", str(path), "--steps", "3", "--interval", "1/2", "3"], capsys)
    assert float(js["interval"][0]) == 0.5 and js["laps"] == [1, 2, 4]  # f decreasing there
    code, out = run(["regions", str(path), "--steps", "4"], capsys)
    assert code == 0 and "certified" in out and "n/a" in out and "16" in out


def test_regions_of_a_smooth_map_obeys_max_pieces(capsys, tmp_path):
    path = tmp_path / "bump.json"
    path.write_text(json.dumps(BUMP))  # 2^t laps: more than 10 turning points from t = 4
    js = run_json(["regions", str(path), "--steps", "6", "--max-pieces", "10"], capsys)
    assert js["laps"][:3] == [2, 4, 8] and js["laps"][3:] == [None, None, None]
    assert js["undecided"]["from_step"] == 4 and "budget" in json.dumps(js["undecided"])


def test_regions_of_a_smooth_map_states_undecided_steps(capsys, tmp_path):
    path = tmp_path / "superstable.json"  # -tanh(2|x|): f(0) = 0 at the turning point 0
    path.write_text(json.dumps({"layers": [
        {"weight": [[1.0], [-1.0]], "bias": [0.0, 0.0], "activation": "relu"},
        {"weight": [[-2.0, -2.0]], "bias": [0.0], "activation": "tanh"}]}))
    js = run_json(["regions", str(path), "--steps", "3", "--interval", "-1", "1"], capsys)
    assert js["laps"] == [2, None, None] and js["undecided"]["from_step"] == 2
    code, out = run(["regions", str(path), "--steps", "3", "--interval", "-1", "1"], capsys)
    assert code == 0 and "undecided from t = 2" in out


def test_orbit_json_certified_with_lyapunov(capsys):
    js = run_json(["orbit", TENT, "--x0", "0.175421", "--steps", "120", "--y0", "0.1754211"],
                  capsys)
    assert js["certified"] and len(js["orbit"]) == 121 and max(js["radius"]) <= 1e-9
    # orbit[t] within radius of the exact tent orbit (Fractions, independent)
    x = Fraction("0.175421")
    for t in range(121):
        assert abs(Fraction(js["orbit"][t]) - x) <= Fraction(js["radius"][t])
        x = 2 * x if x <= Fraction(1, 2) else 2 - 2 * x
    assert js["lyapunov"]["exponent"] == pytest.approx(LOG2, abs=1e-15)
    assert js["lyapunov"]["units"].startswith("nats")
    assert js["distance_lo"][0] == pytest.approx(1e-7, rel=1e-9)
    assert max(js["distance_lo"]) > 0.3


def test_orbit_exact_and_float(capsys):
    js = run_json(["orbit", LIPSCHITZ, "--x0", "0.3", "--steps", "30", "--method", "exact",
                   "--exact-strings"], capsys)
    assert js["orbit_exact"][0] == "3/10" and js["lyapunov"]["upper"] < 0
    js = run_json(["orbit", TENT, "--x0", "0.175421", "--steps", "70", "--method", "float"],
                  capsys)
    assert not js["certified"] and "NOT certified" in js["warning"]
    assert js["orbit"][-1] == 0.0  # the collapse, visible in float output
    code, out = run(["orbit", TENT, "--x0", "1/3", "--steps", "5", "--method", "float"], capsys)
    assert "warning" in out


@pytest.mark.parametrize("argv, field", [
    (["entropy", TENT, "--max-iter", "0"], "--max-iter"),
    (["entropy", TENT, "--max-iter", "x"], "--max-iter"),
    (["entropy", TENT, "--max-iter", "65"], "--max-iter"),
    (["regions", TENT, "--steps", "0"], "--steps"),
    (["regions", TENT, "--steps", "3", "--interval", "1", "0"], "--interval"),
    (["regions", TENT, "--steps", "3", "--interval", "a", "1"], "--interval"),
    (["orbit", TENT, "--x0", "abc", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "-1"], "--steps"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--tol", "0"], "--tol"),
    (["entropy", "/nonexistent/spec.json", "--max-iter", "3"], "spec"),
])
def test_bad_input_names_field(argv, field, capsys):
    from rnnchaos.cli.main import main
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and field in lines[0], captured.err
