"""``rnnchaos analyze`` on smooth specs: the JSON contract, the certificate re-checked
independently (mpmath), and bad input as one line with exit status 2."""
from __future__ import annotations

import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from smooth_oracle import MpMap  # noqa: E402

from rnnchaos.certified import verify_smooth_certificate  # noqa: E402
from rnnchaos.cli.main import main  # noqa: E402
from rnnchaos.networks.model import ScalarRNN  # noqa: E402


def bump_spec(A, B, c=1.0):
    s = A / (2 * math.tanh(c))
    return {"layers": [{"weight": [[1.0], [1.0]], "bias": [c, -c], "activation": "tanh"},
                       {"weight": [[s, -s]], "bias": [-B]}]}


def analyze(tmp_path, spec, capsys, *extra):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(spec))
    try:
        code = main(["analyze", str(path), *extra])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_json_on_period_three_bump(tmp_path, capsys):
    spec = bump_spec(3.85, 1.85)
    code, out, _ = analyze(tmp_path, spec, capsys, "--max-period", "5", "--json")
    assert code == 0
    rep = json.loads(out)
    assert rep["method"] == "certified"
    assert rep["period_status"] == {str(p): "certified_yes" for p in range(1, 6)}
    assert rep["period_3"] is True and rep["positive_entropy"] is True
    net = ScalarRNN.from_dict(spec)
    cert = rep["li_yorke_certificate"]
    assert isinstance(cert, str) and verify_smooth_certificate(net, cert)
    assert MpMap(net).li_yorke_chain(cert)
    lo, hi = (float(v) for v in rep["invariant_interval"])
    for orbit in rep["orbits"]:
        for a, b in orbit["points"]:
            assert isinstance(a, str) and lo <= float(a) <= float(b) <= hi
        a, b = (float(v) for v in orbit["points"][0])
        assert MpMap(net).root_in(a, b, orbit["period"]) is not None


def test_analyze_json_contracting(tmp_path, capsys):
    spec = {"layers": [{"weight": [[0.5]], "bias": [0.2], "activation": "sigmoid"}]}
    code, out, _ = analyze(tmp_path, spec, capsys, "--max-period", "3", "--json")
    rep = json.loads(out)
    assert code == 0 and rep["periods"] == [1] and rep["period_3"] is False
    assert rep["period_status"] == {"1": "certified_yes", "2": "certified_no", "3": "certified_no"}
    assert rep["li_yorke_certificate"] is None


def test_analyze_text(tmp_path, capsys):
    code, out, _ = analyze(tmp_path, bump_spec(3.1, 1.1), capsys, "--max-period", "4")
    assert code == 0 and "period  4: certified_yes" in out and "period  3: certified_no" in out


@pytest.mark.parametrize("period", ["0", "65"])
def test_bad_period_bound_exits_2(tmp_path, capsys, period):
    code, out, err = analyze(tmp_path, bump_spec(3.1, 1.1), capsys, "--max-period", period)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
