"""The bad-input battery: every subcommand, hostile values, one line and exit 2.

Each case runs ``rnnchaos.cli.main.main(argv)`` in-process (fast) under a wall-time
bound enforced by SIGALRM, so a hang fails the case instead of the suite.  It must
return 2, print nothing on stdout, exactly one line on stderr, no traceback, and
the line must name the field (or the value) the case is about.  A few cases run as
subprocesses: invalid UTF-8 on standard input under a strict locale, exit codes.

The second half checks the valid edge inputs the issue found answered with
nonsense: negative fractions, overflowing orbits, contradictory Lyapunov output,
entropy of maps without iterates.  Every JSON output is parsed strictly (no NaN,
no Infinity), and numbers are compared with independent Fraction computations.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from rnnchaos.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TENT = str(EXAMPLES / "tent.json")
CASE_SECONDS = 20  # wall-time bound per case (a loaded 2-core machine; typical < 1 s)


class CaseTimeout(Exception):
    pass


def run_bounded(argv, capsys, seconds=CASE_SECONDS):
    """(exit code, stdout, stderr, seconds) of main(argv), failing past ``seconds``."""
    def alarm(signum, frame):
        raise CaseTimeout(f"{argv} ran past {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    start = time.perf_counter()
    try:
        code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out, err = capsys.readouterr()
    return code, out, err, time.perf_counter() - start


def strict_json(text):
    """json.loads that refuses NaN and Infinity (what other JSON readers do)."""
    def refuse(name):
        raise ValueError(f"not valid JSON: {name}")
    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------ spec files
TENT_LAYERS = [{"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
               {"weight": [[2.0, -4.0]], "bias": [0.0], "activation": "identity"}]


def _tent_stack(depth):
    """T o T o ... o T (depth times) as one network: 2^depth linear pieces on [0, 1]."""
    hidden = [{"weight": [[2.0, -4.0], [2.0, -4.0]], "bias": [0.0, -0.5], "activation": "relu"}
              for _ in range(depth - 1)]
    return {"layers": [TENT_LAYERS[0], *hidden, TENT_LAYERS[1]]}


def _one_weight(text):
    return '{"layers": [{"weight": [[' + text + ']], "bias": [0]}]}'


SPEC_TEXTS = {
    "empty": "",
    "malformed": '{"layers": [',
    "nan": _one_weight("NaN"),
    "infinity": _one_weight("-Infinity"),
    "float_overflow": _one_weight("1e999"),
    "int400": _one_weight("1" + "0" * 400),
    "int5000": _one_weight("1" + "0" * 5000),
    "deep": "[" * 100_000 + "]" * 100_000,
    "list": "[1, 2]",
    "unknown_key": '{"layers": [{"weight": [[0.5]], "bias": [0]}], "foo": 1}',
    "leak": '{"layers": [{"weight": [[0.5]], "bias": [0]}], "leak": 0.5}',
    "drive": '{"layers": [{"weight": [[0.5]], "bias": [0]}], "drive": [1.0]}',
    "activation": '{"layers": [{"weight": [[0.5]], "bias": [0], "activation": "swish"}]}',
    "layer_key": '{"layers": [{"weight": [[0.5]], "bias": [0], "slope": 2}]}',
    "ragged": '{"layers": [{"weight": [[1.0], [1.0, 2.0]], "bias": [0, 0]}]}',
    "bias_size": '{"layers": [{"weight": [[1.0]], "bias": [0, 1]}]}',
    "tanh": '{"layers": [{"weight": [[0.5]], "bias": [0], "activation": "tanh"}]}',
    "tent60": json.dumps(_tent_stack(60)),
    "duplicate": '{"layers": [{"weight": [[0.5]], "bias": [0]}], "layers": []}',
}
#: What the one stderr line must mention for each spec (a field or the reason).
SPEC_FIELD = {"empty": "spec", "malformed": "malformed JSON", "nan": "NaN", "infinity": "Infinity",
              "float_overflow": "weight[0][0]", "int400": "weight[0][0]", "int5000": "digits",
              "deep": "nested", "list": "spec", "unknown_key": "foo", "leak": "leak",
              "drive": "drive", "activation": "swish", "layer_key": "slope",
              "ragged": "ragged", "bias_size": "layers[0].bias", "tanh": "not piecewise linear",
              "tent60": "--max-pieces", "duplicate": "key given twice"}
SCALAR_COMMANDS = {
    "analyze": ["--max-period", "2", "--max-pieces", "1000"],
    "entropy": ["--max-iter", "2", "--max-pieces", "1000"],
    "regions": ["--steps", "2", "--interval", "0", "1", "--max-pieces", "1000"],
    "orbit": ["--x0", "0.1", "--steps", "2", "--method", "exact", "--max-pieces", "1000"],
}
# tanh maps are valid for every scalar command (ball arithmetic; regions gives certified laps)
TANH_OK = {"orbit", "analyze", "entropy", "regions"}


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    root = tmp_path_factory.mktemp("specs")
    paths = {}
    for name, text in SPEC_TEXTS.items():
        paths[name] = root / f"{name}.json"
        paths[name].write_text(text)
    paths["not_utf8"] = root / "latin1.json"
    paths["not_utf8"].write_bytes(b'{"layers": [{"weight": [[0.5]], "bias": [0]}], "\xe9": 1}')
    paths["tent"] = Path(TENT)
    paths["dir"] = root
    paths["missing"] = root / "missing.json"
    return paths


def assert_one_line_exit_2(code, out, err, seconds, mention):
    lines = err.splitlines()
    assert code == 2, (code, err)
    assert out == "", out
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert mention in lines[0], (mention, lines[0])
    assert seconds < CASE_SECONDS


SPEC_CASES = [(command, name) for command in SCALAR_COMMANDS for name in SPEC_TEXTS
              if not (name == "tanh" and command in TANH_OK)]


@pytest.mark.parametrize("command, name", SPEC_CASES,
                         ids=[f"{c}-{n}" for c, n in SPEC_CASES])
def test_bad_spec_scalar_commands(command, name, specs, capsys):
    argv = [command, str(specs[name]), *SCALAR_COMMANDS[command]]
    assert_one_line_exit_2(*run_bounded(argv, capsys), SPEC_FIELD[name])


FILE_CASES = [("missing", "cannot read"), ("dir", "cannot read"), ("not_utf8", "not UTF-8")]


@pytest.mark.parametrize("command", [*SCALAR_COMMANDS, "lyapunov"])
@pytest.mark.parametrize("name, mention", FILE_CASES)
def test_unreadable_spec_files(command, name, mention, specs, capsys):
    extra = SCALAR_COMMANDS.get(command, ["--steps", "5"])
    argv = [command, str(specs[name]), *extra]
    assert_one_line_exit_2(*run_bounded(argv, capsys), mention)


LYAPUNOV_SPECS = ["empty", "malformed", "nan", "float_overflow", "int400", "int5000", "deep",
                  "list", "unknown_key", "activation", "ragged"]


@pytest.mark.parametrize("name", LYAPUNOV_SPECS)
def test_bad_spec_lyapunov(name, specs, capsys):
    argv = ["lyapunov", str(specs[name]), "--steps", "5", "--transient", "0"]
    assert_one_line_exit_2(*run_bounded(argv, capsys), SPEC_FIELD[name])


# ------------------------------------------------------------------ options
OPTION_CASES = [
    # exact user numbers: bounds on exponent and digits, no inf/nan/hex/underscores
    (["orbit", TENT, "--x0", "1e999999999", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "1e-999999999", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "-1e-999999999", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "1" * 5000, "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "nan", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "inf", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "1/0", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "0x10", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "1_000", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "", "--steps", "3"], "--x0"),
    (["orbit", TENT, "--x0", "0.1", "--y0", "1/2/3", "--steps", "3"], "--y0"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "1.5"], "--steps"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "1e3"], "--steps"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "9" * 30], "--steps"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "-1"], "--steps"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--tol", "nan"], "--tol"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--tol", "-1e-9"], "--tol"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--every", "0"], "--every"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--method", "magic"], "--method"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--max-pieces", "0"], "--max-pieces"),
    (["regions", TENT, "--steps", "3", "--interval", "0", "1e999999999"], "--interval"),
    (["regions", TENT, "--steps", "3", "--interval", "1/2", "-1/2"], "--interval"),
    (["regions", TENT, "--steps", "3", "--interval", "0"], "--interval"),
    (["regions", TENT, "--steps", "65"], "--steps"),
    (["regions", "TANH", "--steps", "3", "--interval", "1/2", "-1/2"], "--interval"),
    (["regions", "TANH", "--steps", "3", "--interval", "0", "1e400"], "--interval"),
    (["regions", "TANH", "--steps", "3", "--interval", "0", "1e-400"], "--interval"),
    (["regions", "TANH", "--steps", "65"], "--steps"),
    (["regions", "TANH", "--steps", "0"], "--steps"),
    (["entropy", TENT, "--max-iter", "1e2"], "--max-iter"),
    (["entropy", TENT, "--max-iter", "3", "--max-pieces", "-5"], "--max-pieces"),
    (["analyze", TENT, "--max-period", "0"], "--max-period"),
    (["analyze", TENT, "--max-period", "65"], "max_period"),
    (["analyze", TENT, "--max-period", "three"], "--max-period"),
    (["analyze", TENT], "--max-period"),
    # preset commands: sizes checked before allocation, gains that would overflow
    (["sample", "--preset", "paper_he", "--width", "1000000000", "--seed", "1"], "--width"),
    (["sample", "--preset", "paper_he", "--width", "0", "--seed", "1"], "--width"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "1", "--gain", "1e308"],
     "--gain"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "1", "--gain", "-1"], "--gain"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "1", "--gain", "nan"], "--gain"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "-1"], "--seed"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "1", "--index", "-3"],
     "--index"),
    (["sample", "--preset", "paper_he", "--width", "4", "--seed", "1", "--depth", "4"],
     "--depth"),
    (["sample", "--preset", "nope", "--width", "4", "--seed", "1"], "preset"),
    (["estimate", "--preset", "paper_he", "--width", "1000000000", "--seed", "1", "--n", "10"],
     "--width"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "0"], "--n"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1"], "--n"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "5",
      "--ci-halfwidth", "0.1"], "--n"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--ci-halfwidth", "0"],
     "--ci-halfwidth"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--ci-halfwidth",
      "0.7"], "--ci-halfwidth"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "20",
      "--max-n", "10"], "--n"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "10",
      "--gain", "1e308"], "--gain"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "10",
      "--criteria", "nope"], "nope"),
    (["estimate", "--preset", "paper_he", "--width", "4", "--seed", "1", "--n", "10",
      "--workers", "0"], "--workers"),
    (["sweep", "--preset", "paper_he", "--widths", "0", "--n", "5", "--seed", "1", "--out", "x"],
     "--widths"),
    (["sweep", "--preset", "paper_he", "--widths", "2,,4", "--n", "5", "--seed", "1",
      "--out", "x"], "--widths"),
    (["sweep", "--preset", "paper_he", "--widths", "2", "--gains", "1e308", "--n", "5",
      "--seed", "1", "--out", "x"], "--gains"),
    (["sweep", "--preset", "paper_he", "--widths", "2", "--n", "0", "--seed", "1", "--out", "x"],
     "--n"),
    (["sweep", "--preset", "paper_he", "--widths", "65536", "--n", "4", "--seed", "1",
      "--chunk-size", "100000", "--out", "x"], "--widths"),
    (["reproduce", "--seed", "-4"], "--seed"),
    (["reproduce", "--quick", "--full"], "--full"),
    (["demo", "--width", "100000"], "--width"),
    # lyapunov
    (["lyapunov", "--preset", "rnn_relu", "--dim", "100000"], "--dim"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "0"], "--dim"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--std", "1e160"], "--std"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--gain", "inf"], "--gain"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--steps", "0"], "--steps"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--k", "9"], "--k"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--qr-interval", "0"], "--qr-interval"),
    (["lyapunov", "--preset", "rnn_relu", "--dim", "4", "--transient", "-1"], "--transient"),
    (["lyapunov", "--preset", "nope", "--dim", "4"], "preset"),
    (["lyapunov"], "spec"),
    # the parser itself
    (["frobnicate"], "invalid choice"),
    (["orbit", TENT, "--x0", "0.1", "--steps", "3", "--bogus"], "--bogus"),
    ([], "command"),
]


@pytest.mark.parametrize("argv, mention", OPTION_CASES,
                         ids=[f"{i}-{' '.join(a[:1] + a[2:4])[:40]}" for i, (a, _) in
                              enumerate(OPTION_CASES)])
def test_bad_options(argv, mention, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # sweep/reproduce defaults write nowhere near the checkout
    if "TANH" in argv:  # a smooth map (certified engine)
        (tmp_path / "tanh.json").write_text(SPEC_TEXTS["tanh"])
        argv = [str(tmp_path / "tanh.json") if a == "TANH" else a for a in argv]
    assert_one_line_exit_2(*run_bounded(argv, capsys), mention)


# ------------------------------------------------------------------ output places
def _place_cases(tmp: Path):
    a_file = tmp / "a_file"
    a_file.write_text("keep me")
    entropy = ["entropy", TENT, "--max-iter", "3", "--certificate"]
    sweep = ["sweep", "--preset", "paper_he", "--widths", "2", "--n", "4", "--seed", "1", "--out"]
    return a_file, [
        (entropy + [str(a_file / "cert.json")], "--certificate"),   # under a file
        (entropy + [str(a_file)], "--certificate"),                 # would overwrite a file
        (entropy + [str(tmp)], "--certificate"),                    # a directory given as a file
        (entropy + ["/proc/rnnchaos-cert.json"], "--certificate"),  # a pseudo file system
        (entropy + [""], "--certificate"),
        (sweep + [""], "--out"),                                    # not the current directory
        (sweep + [str(a_file)], "--out"),                           # a file given as a directory
        (sweep + [str(a_file / "sub")], "--out"),
        (sweep + ["/proc/rnnchaos-sweep"], "--out"),
        (["reproduce", "--out", str(a_file)], "--out"),
        (["reproduce", "--out", "/proc/rnnchaos-report"], "--out"),
    ]


def test_output_places(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a_file, cases = _place_cases(tmp_path)
    for argv, mention in cases:
        assert_one_line_exit_2(*run_bounded(argv, capsys), mention)
    assert a_file.read_text() == "keep me"  # nothing the user saved is touched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_atomic_write_names_path_and_reason(tmp_path):
    from rnnchaos._lib.atomic import atomic_write_bytes
    from rnnchaos.errors import SpecError
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(SpecError) as exc:
        atomic_write_bytes(blocker / "out.json", b"{}")
    assert str(blocker / "out.json") in str(exc.value)
    assert f"{str(blocker)!r} is a file, not a directory" in str(exc.value)
    target = tmp_path / "dir_target"
    target.mkdir()
    with pytest.raises(SpecError) as exc:
        atomic_write_bytes(target, b"{}")
    assert str(target) in str(exc.value)
    assert [p.name for p in target.iterdir()] == []  # no temporary file left behind


# ------------------------------------------------------------------ torch state dicts
@pytest.mark.parametrize("case", ["zero_size", "complex", "complex_ih"])
def test_torch_state_dicts(case, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    sd = {"zero_size": {"weight_ih_l0": torch.zeros(0, 3), "weight_hh_l0": torch.zeros(0, 0)},
          "complex": {"weight_ih_l0": torch.ones(2, 2, dtype=torch.complex64),
                      "weight_hh_l0": torch.ones(2, 2, dtype=torch.complex64)},
          "complex_ih": {"weight_ih_l0": torch.ones(2, 2, dtype=torch.complex128),
                         "weight_hh_l0": torch.ones(2, 2)}}[case]
    path = tmp_path / "m.pt"
    torch.save(sd, path)
    argv = ["lyapunov", str(path), "--torch", "--steps", "5", "--transient", "0"]
    assert_one_line_exit_2(*run_bounded(argv, capsys), "weight_")


# ------------------------------------------------------------------ subprocesses
def _cli(args, stdin: bytes = b"", env_extra=None):
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": "ascii:strict", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "rnnchaos", *args], input=stdin,
                          capture_output=True, timeout=60, env=env)


def test_invalid_utf8_stdin_strict_locale():
    proc = _cli(["analyze", "-", "--max-period", "2"], stdin=b'{"layers": \xff\xfe}')
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and len(err.splitlines()) == 1 and "UTF-8" in err, err
    assert "Traceback" not in err and proc.stdout == b""


def test_subprocess_exit_codes_and_negative_numbers():
    usage = _cli(["orbit", TENT, "--steps", "2"])               # --x0 missing
    assert usage.returncode == 2 and len(usage.stderr.splitlines()) == 1
    ok = _cli(["orbit", "-", "--x0", "-1/3", "--steps", "2", "--method", "exact", "--json"],
              stdin=Path(TENT).read_bytes())
    assert ok.returncode == 0, ok.stderr
    assert strict_json(ok.stdout)["x0_exact"] == "-1/3"


# ------------------------------------------------------------------ valid edge inputs
def tent_exact(x: Fraction) -> Fraction:
    """The tent network T(x) = 2 relu(x) - 4 relu(x - 1/2), evaluated independently."""
    return 2 * max(x, Fraction(0)) - 4 * max(x - Fraction(1, 2), Fraction(0))


@pytest.mark.parametrize("x0", ["-1/3", "-1e-3", "-.5", "-2.5e-1", "7/9"])
def test_negative_and_scientific_starts_accepted(x0, capsys):
    code, out, err, _ = run_bounded(["orbit", TENT, "--x0", x0, "--steps", "4", "--method",
                                     "exact", "--exact-strings", "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    x = Fraction(x0)
    expected = [x]
    for _ in range(4):
        expected.append(tent_exact(expected[-1]))
    assert [Fraction(v) for v in js["orbit_exact"]] == expected
    assert js["certified"] is True and js["certified_steps"] == 5
    for value, mid, radius in zip(expected, js["orbit"], js["radius"]):  # proven, not rounded
        assert abs(value - Fraction(mid)) <= Fraction(radius)


def test_regions_on_an_interval_with_a_negative_end(capsys):
    code, out, err, _ = run_bounded(["regions", TENT, "--steps", "4", "--interval", "-1/2", "1",
                                     "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    # on [-1/2, 0] T is 0; on [0, 1] T^t has 2^t monotone pieces: 2^t + 1 pieces, 2^t laps
    assert js["pieces"] == [2 ** t + 1 for t in range(1, 5)]
    assert js["laps"] == [2 ** t for t in range(1, 5)]


@pytest.mark.parametrize("method", ["ball", "exact", "float"])
def test_overflowing_orbit_is_valid_json_and_not_certified(method, capsys):
    code, out, err, _ = run_bounded(["orbit", TENT, "--x0", "1e400", "--steps", "3",
                                     "--method", method, "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    # exact: 1e400 -> 2e400 - 4(1e400 - 1/2) = 2 - 2e400 < 0 -> 0 -> 0
    assert js["orbit"][:2] == [None, None] and js["orbit"][2:] == [0.0, 0.0]
    assert js["certified"] is False and js["certified_steps"] == 0
    assert js["overflow"]["first_step"] == 0
    if method != "float":
        assert js["radius"][:2] == [None, None]


def test_overflow_from_a_valid_spec(tmp_path, capsys):
    spec = tmp_path / "big.json"
    spec.write_text('{"layers": [{"weight": [[1e308]], "bias": [1e308], '
                    '"activation": "leaky_relu", "negative_slope": 1e308}]}')
    code, out, err, _ = run_bounded(["orbit", str(spec), "--x0", "1", "--steps", "3", "--json"],
                                    capsys)
    assert code == 0, err
    js = strict_json(out)
    # f(1) = 1e308 + 1e308 = 2e308, beyond the largest double: overflow from step 1 on
    assert Fraction(1e308) * 2 > Fraction(sys.float_info.max)
    assert js["overflow"]["first_step"] == 1 and js["certified_steps"] == 1
    assert js["certified"] is False and js["orbit"][0] == 1.0
    assert js["orbit"][1:] == [None] * 3 and js["radius"][1:] == [None] * 3


def test_lyapunov_disagreement_is_reported(capsys):
    code, out, err, _ = run_bounded(["lyapunov", TENT, "--steps", "200", "--transient", "50",
                                     "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    diag = js["diagnostics"]
    # the float orbit of the tent map collapses onto the kink at 0 (QR: -inf), while two
    # trajectories separate at rate log 2: the two must be reported as disagreeing
    assert js["lambda_max"] is None and diag["direct_lambda_max"] is not None
    assert abs(diag["direct_lambda_max"] - math.log(2)) < 1e-6
    assert diag["direct_agreement"] == "disagree" and diag["direct_difference"] is None
    assert any("disagrees" in w for w in js["warnings"])
    code, out, err, _ = run_bounded(["lyapunov", TENT, "--steps", "200", "--transient", "50"],
                                    capsys)
    assert "DISAGREE" in out and "difference 0.0e+00" not in out


def test_lyapunov_agreement_when_it_holds(capsys):
    code, out, err, _ = run_bounded(["lyapunov", "--preset", "rnn_tanh", "--dim", "4",
                                     "--steps", "400", "--json"], capsys)
    js = strict_json(out)
    assert js["diagnostics"]["direct_agreement"] == "agree" and js["warnings"] == []


def test_entropy_json_of_a_constant_map(specs, tmp_path, capsys):
    spec = tmp_path / "const.json"
    spec.write_text('{"layers":[{"weight":[[-0.97],[-0.22]],"bias":[2.9,2.3],"activation":"relu"},'
                    '{"weight":[[0.29,1.51]],"bias":[1.10],"activation":"hardtanh"}]}')
    code, out, err, _ = run_bounded(["entropy", str(spec), "--max-iter", "4", "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    assert js["lower"] == 0.0 and js["upper"] == 0.0
    assert js["upper_evidence"]["method"] == "structural"


def test_sample_at_the_largest_gain_reads_back(tmp_path, capsys):
    code, out, err, _ = run_bounded(["sample", "--preset", "paper_he", "--width", "3",
                                     "--seed", "5", "--gain", "1e100"], capsys)
    assert code == 0, err
    spec = tmp_path / "s.json"
    spec.write_text(out)
    strict_json(out)
    code, out, err, _ = run_bounded(["analyze", str(spec), "--max-period", "3", "--json"], capsys)
    assert code == 0, err


def test_adaptive_estimate_states_its_plan(capsys, monkeypatch):
    import rnnchaos.studies.montecarlo as montecarlo
    from rnnchaos.errors import SpecError

    def stub(*args, **kwargs):  # the plan is printed before any network is drawn
        raise SpecError("stub", "stopped before sampling")
    monkeypatch.setattr(montecarlo, "estimate", stub)
    code, out, err, _ = run_bounded(["estimate", "--preset", "paper_he", "--width", "2",
                                     "--seed", "3", "--ci-halfwidth", "0.2", "--max-n", "50"],
                                    capsys)
    plan = err.splitlines()[0]
    # worst case p = 1/2: (1.96 / 0.4)^2 = 24.01 -> 25 networks; the cap is 50
    assert "~25 networks" in plan and "--max-n 50 in any case" in plan
    code, out, err, _ = run_bounded(["estimate", "--preset", "paper_he", "--width", "2",
                                     "--seed", "3", "--ci-halfwidth", "1e-9"], capsys)
    assert "--max-n 10,000,000 stops it before that" in err.splitlines()[0]


def test_lyapunov_of_an_overflowing_orbit_reports_no_numbers(tmp_path, capsys):
    spec = tmp_path / "big.json"
    spec.write_text('{"layers": [{"weight": [[1e308]], "bias": [1e308], '
                    '"activation": "leaky_relu", "negative_slope": 1e308}]}')
    code, out, err, _ = run_bounded(["lyapunov", str(spec), "--steps", "50", "--transient", "5",
                                     "--json"], capsys)
    assert code == 0, err
    js = strict_json(out)
    # x -> 1e308 x + 1e308 overflows at the first step from any start >= 0 (and the
    # negative side is multiplied by 1e308 too): nothing may be reported as a result
    assert js["diverged"] is True
    assert js["exponents"] == [None] and js["lambda_max"] is None
    assert js["kaplan_yorke_dimension"] is None and js["ks_entropy_bound"] is None
    assert any("overflowed" in w for w in js["warnings"])


def test_closed_stdout_is_not_a_traceback():
    """`rnnchaos ... | head -c 10`: the reader leaves early; no traceback, exit 141."""
    # ~1 MB of JSON: far more than a pipe buffer, so the writer meets the closed pipe
    proc = subprocess.Popen([sys.executable, "-m", "rnnchaos", "sample", "--preset", "paper_he",
                             "--width", "50000", "--seed", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err, err


def test_exact_orbit_size_is_bounded(tmp_path, capsys):
    # slope 1.9 (a 52-bit mantissa) adds ~52 bits to the denominator every step: 5,000 exact
    # steps would be ~650 million bits; refused at the bound, well inside the time bound
    spec = tmp_path / "tent19.json"
    spec.write_text('{"layers": [{"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], '
                    '"activation": "relu"}, {"weight": [[1.9, -3.8]], "bias": [0.0]}]}')
    argv = ["orbit", str(spec), "--x0", "0.1", "--steps", "5000", "--method", "exact"]
    assert_one_line_exit_2(*run_bounded(argv, capsys), "--method ball")
    code, out, err, _ = run_bounded(argv[:-2] + ["--method", "ball", "--json"], capsys)
    assert code == 0 and strict_json(out)["certified"] is True
