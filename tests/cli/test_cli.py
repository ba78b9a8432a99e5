"""The CLI contract of `rnnchaos analyze`: JSON keys, exit codes, one-line errors."""
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from rnnchaos import ScalarRNN, verify_certificate
from rnnchaos.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(args, stdin=None):
    proc = subprocess.run([sys.executable, "-m", "rnnchaos.cli.main", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_analyze_json_contract_on_tent(capsys):
    assert main(["analyze", str(EXAMPLES / "tent.json"), "--max-period", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["periods"] == [1, 2, 3, 4]
    assert out["period_3"] is True and out["positive_entropy"] is True
    assert out["pieces"] == 3 and out["laps"] == 2
    assert out["invariant_interval"] == ["0", "1"]
    three = sorted(sorted(Fraction(p) for p in o["points"]) for o in out["orbits"] if o["period"] == 3)
    assert three == [[Fraction(2, 9), Fraction(4, 9), Fraction(8, 9)],
                     [Fraction(2, 7), Fraction(4, 7), Fraction(6, 7)]]
    net = ScalarRNN.from_file(str(EXAMPLES / "tent.json"))
    assert verify_certificate(net, out["li_yorke_certificate"])


def test_analyze_paper_figure_has_no_period_3(capsys):
    assert main(["analyze", str(EXAMPLES / "paper_figure.json"), "--max-period", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["periods"] == [1, 2]
    assert out["li_yorke_certificate"] is None and out["positive_entropy"] is False


def test_text_summary_and_stdin():
    code, out, err = run(["analyze", "-", "--max-period", "3"],
                         stdin=(EXAMPLES / "tent.json").read_text())
    assert code == 0, err
    assert "Li-Yorke" in out and "2/7" in out


def test_continuum_is_reported_as_interval(capsys, tmp_path):
    spec = '{"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "relu"}]}'
    path = tmp_path / "relu.json"
    path.write_text(spec)
    assert main(["analyze", str(path), "--max-period", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["orbits"] == [{"period": 1, "continuum": True, "points": [["0", "inf"]],
                              "open_ends": [[False, False]]}]
    assert out["invariant_interval"] is None


BAD = {
    "empty": ("", "empty"),
    "malformed": ("{", "malformed JSON"),
    "missing layers": ("{}", "layers"),
    "missing bias": ('{"layers": [{"weight": [[1.0]]}]}', "layers[0].bias"),
    "wrong shape": ('{"layers": [{"weight": [[1.0, 2.0]], "bias": [0.0]}]}', "in_features"),
    "bias length": ('{"layers": [{"weight": [[1.0]], "bias": [0.0, 1.0]}]}', "layers[0].bias"),
    "nan": ('{"layers": [{"weight": [[NaN]], "bias": [0.0]}]}', "NaN"),
    "inf": ('{"layers": [{"weight": [[1e400]], "bias": [0.0]}]}', "finite"),
    "string": ('{"layers": [{"weight": [["x"]], "bias": [0.0]}]}', "layers[0].weight[0][0]"),
    "bool": ('{"layers": [{"weight": [[true]], "bias": [0.0]}]}', "layers[0].weight[0][0]"),
    "activation": ('{"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "gelu"}]}', "gelu"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_specs_exit_2_with_one_line(name):
    text, needle = BAD[name]
    code, out, err = run(["analyze", "-", "--max-period", "3"], stdin=text)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err and "Traceback" not in err


@pytest.mark.parametrize("value,needle", [("0", ">= 1"), ("-3", ">= 1"), ("abc", "integer"),
                                          ("1000000000000", "limit")])
def test_bad_period_bounds(value, needle):
    code, _, err = run(["analyze", str(EXAMPLES / "tent.json"), "--max-period", value])
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_piece_limit_is_refused_before_allocating():
    code, _, err = run(["analyze", str(EXAMPLES / "tent.json"), "--max-period", "30",
                        "--max-pieces", "1000"])
    assert code == 2 and "limit 1000" in err and "Traceback" not in err


def test_missing_file():
    code, _, err = run(["analyze", "/nonexistent/spec.json", "--max-period", "3"])
    assert code == 2 and "cannot read" in err


def test_sample_prints_network_index_of_the_seed_stream(capsys):
    from rnnchaos.networks.presets import build_preset, sample_preset
    assert main(["sample", "--preset", "paper_he", "--width", "4", "--seed", "11", "--index", "7"]) == 0
    printed = ScalarRNN.from_json(capsys.readouterr().out)
    assert printed == sample_preset(build_preset("paper_he", 4), 11, 7)
    assert printed != sample_preset(build_preset("paper_he", 4), 11, 6)


@pytest.mark.parametrize("args,needle", [
    (["--preset", "nope", "--width", "2", "--seed", "1"], "unknown preset"),
    (["--preset", "paper_he", "--width", "0", "--seed", "1"], "--width"),
    (["--preset", "paper_he", "--width", "2", "--seed", "-1"], "--seed"),
    (["--preset", "paper_he", "--width", "2", "--seed", "1", "--gain", "-2"], "gain"),
])
def test_sample_bad_options(args, needle):
    code, out, err = run(["sample", *args])
    assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1


def test_demo_runs_and_certificates_verify():
    code, out, err = run(["demo", "--seed", "4"])
    assert code == 0, err
    assert "re-checked independently: True" in out and "False" not in out


@pytest.mark.parametrize("command", ["analyze", "sample", "estimate", "sweep", "reproduce", "entropy",
                                     "regions", "orbit", "lyapunov", "demo"])
def test_every_subcommand_has_help(command):
    code, out, err = run([command, "--help"])
    assert code == 0 and "usage" in out, err


def test_top_level_help_lists_subcommands():
    code, out, _ = run(["--help"])
    assert code == 0 and "reproduce" in out and "lyapunov" in out


def test_a_failed_block_exits_1_not_2(capsys, monkeypatch):
    """A block whose workers kept dying is not bad input: status 1, one line naming it."""
    from rnnchaos.errors import TaskFailedError
    from rnnchaos.studies import montecarlo

    def dying(*args, **kwargs):
        raise TaskFailedError("paper_he-w2 networks 0..4095", "its workers kept dying")
    monkeypatch.setattr(montecarlo, "estimate", dying)
    from rnnchaos.cli.main import main
    assert main(["estimate", "--preset", "paper_he", "--width", "2", "--seed", "1", "--n", "10", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "paper_he-w2 networks 0..4095" in err[0]
