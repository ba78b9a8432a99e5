"""Issues 8 and 13 through the CLI: one criteria check, validation before any pool or write,
resume state tied to its configuration.  Every refusal is one line on stderr and exit 2."""
import json
import shutil

import pytest

from rnnchaos.cli.main import main
from rnnchaos.networks.presets import build_preset
from rnnchaos.studies.montecarlo import estimate
from rnnchaos.studies.sweep import read_results

HE = ["--preset", "paper_he"]


def refused(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert needle in err, err
    return err


def estimate_json(capsys, criteria):
    assert main(["estimate", *HE, "--width", "2", "--n", "1000", "--seed", "1", "--criteria",
                 criteria, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_repeated_criterion_counts_once(capsys):
    once = estimate_json(capsys, "period_2")
    twice = estimate_json(capsys, "period_2, period_2")
    assert twice["period_2"] == once["period_2"]
    assert [k for k in twice if k != "meta"] == ["period_2"]


def test_sweep_with_repeated_criterion_writes_one_row(tmp_path, capsys):
    assert main(["sweep", *HE, "--widths", "2", "--n", "300", "--seed", "1",
                 "--criteria", "period_2,period_2", "--out", str(tmp_path)]) == 0
    rows = read_results(tmp_path)
    assert [r["criterion"] for r in rows] == ["period_2"]
    assert rows[0]["count"] == estimate(build_preset("paper_he", 2), 1, n=300,
                                        criteria=["period_2"]).criteria["period_2"].count


@pytest.mark.parametrize("command", ["estimate", "sweep"])
def test_bad_entropy_period_with_workers_is_one_line(tmp_path, capsys, command):
    shape = ["--width", "2", "--n", "100"] if command == "estimate" else \
        ["--widths", "2", "--n", "100", "--out", str(tmp_path / "out")]
    refused(capsys, [command, *HE, *shape, "--seed", "1", "--entropy-max-period", "2",
                     "--workers", "2"], "entropy_max_period")
    assert not (tmp_path / "out").exists()


def test_worker_error_crosses_the_process_boundary():
    # a SpecError raised inside a worker process reaches the caller as itself
    from rnnchaos._lib.runner import ProcessExecutor, run_tasks
    from rnnchaos.deciders.criteria import check_criteria
    from rnnchaos.errors import SpecError
    with ProcessExecutor(2) as executor:
        with pytest.raises(SpecError, match="unknown criterion 'bogus'"):
            list(run_tasks(executor, check_criteria, ["period_2", "bogus"]))


def test_overflowing_gain_is_refused_before_any_worker(capsys):
    refused(capsys, ["estimate", *HE, "--width", "2", "--n", "100", "--seed", "1", "--gain", "1e308",
                     "--workers", "2"], "--gain")


SWEEP = ["sweep", *HE, "--widths", "2", "--n", "5000", "--criteria", "period_2"]


def test_chunks_of_another_seed_are_refused_after_the_manifest_is_moved(tmp_path, capsys):
    out = tmp_path / "D"
    assert main([*SWEEP, "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    results = (out / "results.parquet").read_bytes()
    shutil.move(out / "manifest.json", tmp_path / "elsewhere.json")
    refused(capsys, [*SWEEP, "--seed", "2", "--out", str(out)], "different configuration")
    assert (out / "results.parquet").read_bytes() == results
    assert not (out / "manifest.json").exists()  # nothing written by the refused run


def test_manifest_that_is_a_list_and_corrupt_chunk(tmp_path, capsys):
    out = tmp_path / "D"
    assert main([*SWEEP, "--n", "600", "--chunk-size", "200", "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    manifest = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text("[1, 2, 3]")
    refused(capsys, [*SWEEP, "--n", "600", "--chunk-size", "200", "--seed", "1", "--out", str(out)],
            "manifest.json")
    (out / "manifest.json").write_text(manifest)
    chunk = sorted((out / "chunks").rglob("*.npz"))[1]
    chunk.write_bytes(b"PK\x03\x04 not a zip")
    refused(capsys, [*SWEEP, "--n", "600", "--chunk-size", "200", "--seed", "1", "--out", str(out)],
            chunk.name)
    assert chunk.read_bytes() == b"PK\x03\x04 not a zip"


def test_overflowing_gain_writes_nothing(tmp_path, capsys):
    out = tmp_path / "D"
    refused(capsys, [*SWEEP, "--n", "100", "--seed", "1", "--gains", "1,1e308", "--out", str(out)],
            "1e+308")
    assert not out.exists()
    assert main([*SWEEP, "--n", "100", "--seed", "1", "--gains", "1,2", "--out", str(out)]) == 0
