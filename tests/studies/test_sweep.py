"""Sweeps: Parquet contract, manifest, resume after kill -9, no silent overwrite."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from rnnchaos import SpecError
from rnnchaos.networks.presets import build_preset
from rnnchaos.studies.montecarlo import estimate
from rnnchaos.studies.sweep import make_config, read_results, run_sweep


def test_sweep_results_match_estimate(tmp_path):
    cfg = make_config("paper_he,paper_glorot", "2,3", "1,2", n=120, seed=4, chunk_size=50,
                      criteria=("period_2", "period_3", "reference_test"))
    run_sweep(cfg, tmp_path)
    rows = read_results(tmp_path)
    assert len(rows) == 2 * 2 * 2 * 3
    need = {"preset", "width", "gain", "criterion", "count", "n", "p", "ci_low", "ci_high"}
    assert need <= set(rows[0])
    for r in rows:
        est = estimate(build_preset(r["preset"], r["width"], gain=r["gain"]), 4, n=120,
                       criteria=[r["criterion"]]).criteria[r["criterion"]]
        assert (r["count"], r["n"]) == (est.count, est.n)
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["root_seed"] == 4 and man["complete"] is True
    assert {"numpy", "python", "host", "rnnchaos", "git_revision", "started_utc"} <= set(man["runs"][0])


def test_different_config_in_same_dir_is_refused(tmp_path):
    run_sweep(make_config("paper_he", "2", "1", n=20, seed=1), tmp_path)
    before = (tmp_path / "results.parquet").read_bytes()
    with pytest.raises(SpecError, match="different configuration"):
        run_sweep(make_config("paper_he", "2", "1", n=30, seed=1), tmp_path)
    assert (tmp_path / "results.parquet").read_bytes() == before


def test_a_sweep_drawn_under_seeding_contract_v1_is_not_resumed(tmp_path):
    """Chunks drawn under another seeding contract hold other networks: the contract is part
    of the stored configuration, so such a directory is refused and left as it was."""
    from rnnchaos._lib.store import config_hash
    cfg = make_config("paper_he", "2", "1", n=64, seed=0, criteria=("period_2",))
    run_sweep(cfg, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["seeding_contract"] == 2
    manifest["config"]["seeding_contract"] = 1  # as a v1 run would have stored it
    manifest["config_hash"] = config_hash(manifest["config"])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(SpecError, match="different configuration"):
        run_sweep(cfg, tmp_path)
    legacy = {k: v for k, v in manifest.items() if k not in ("schema", "config_hash")}
    (tmp_path / "manifest.json").write_text(json.dumps(legacy))  # the pre-store format
    with pytest.raises(SpecError, match="not a sweep manifest"):
        run_sweep(cfg, tmp_path)
    del before[tmp_path / "manifest.json"]
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "manifest.json"} == before


def test_per_network_rows(tmp_path):
    import pyarrow.parquet as pq
    run_sweep(make_config("paper_he", "2", "1", n=40, seed=2, chunk_size=16, per_network=True,
                          criteria=("period_2",)), tmp_path)
    nets = pq.read_table(tmp_path / "networks.parquet").to_pylist()
    assert [r["index"] for r in nets] == list(range(40))
    assert sum(r["period_2"] for r in nets) == read_results(tmp_path)[0]["count"]


@pytest.mark.parametrize("kw,field", [
    (dict(presets="nope", widths="2", gains="1"), "presets"),
    (dict(presets="paper_he", widths="2,x", gains="1"), "widths"),
    (dict(presets="paper_he", widths="2", gains="0"), "gains"),
    (dict(presets="paper_he", widths="2,2", gains="1"), "widths"),
])
def test_bad_sweep_parameters(kw, field):
    with pytest.raises(SpecError, match=field):
        make_config(n=10, seed=0, **kw)


def test_resume_after_kill_9_gives_identical_counts(tmp_path):
    args = ["sweep", "--preset", "paper_he", "--widths", "2,4", "--n", "3000", "--seed", "8",
            "--chunk-size", "100", "--criteria", "period_2,period_3"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "rnnchaos.cli.main", *args, "--out", str(killed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        chunks = list((killed / "chunks").glob("*/*.npz")) if (killed / "chunks").exists() else []
        if len(chunks) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((killed / "chunks").glob("*/*.npz")))
    assert 3 <= done_before < 60, "the sweep must be killed part-way for this test to mean anything"
    assert not (killed / "results.parquet").exists()
    subprocess.run([sys.executable, "-m", "rnnchaos.cli.main", *args, "--out", str(killed)], check=True,
                   capture_output=True)
    clean = tmp_path / "clean"
    subprocess.run([sys.executable, "-m", "rnnchaos.cli.main", *args, "--out", str(clean)], check=True,
                   capture_output=True)
    assert read_results(killed) == read_results(clean)
    man = json.loads((killed / "manifest.json").read_text())
    assert len(man["runs"]) == 2


def test_automatic_chunks_are_whole_tasks_and_count_like_fixed_chunks(tmp_path):
    from rnnchaos.networks.presets import BLOCK_SIZE
    from rnnchaos.studies.montecarlo import task_size
    auto = make_config("paper_he", "2,64", "1", n=3000, seed=3, criteria=("period_2",))
    wide = auto.preset("paper_he", 64, 1.0)
    assert auto.chunks("paper_he", 2, 1.0) == [(0, 3000)]  # one task holds a small cell
    step = task_size(wide)
    assert step % BLOCK_SIZE == 0
    assert auto.chunks("paper_he", 64, 1.0) == [(s, min(step, 3000 - s)) for s in range(0, 3000, step)]
    fixed = make_config("paper_he", "2,64", "1", n=3000, seed=3, criteria=("period_2",), chunk_size=700)
    run_sweep(auto, tmp_path / "auto")
    run_sweep(fixed, tmp_path / "fixed")
    strip = [{k: v for k, v in r.items()} for r in read_results(tmp_path / "auto")]
    assert strip == read_results(tmp_path / "fixed")
