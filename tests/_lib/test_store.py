"""The resumable chunk store: chunks tied to their configuration, checked on read, never
reused silently, never overwritten."""
import json
import zipfile

import numpy as np
import pytest

from rnnchaos._lib.store import ChunkStore, config_hash
from rnnchaos.errors import SpecError

CONFIG = {"n": 10, "seed": 1, "criteria": ["period_2"]}


def saved_store(root, config=CONFIG):
    store = ChunkStore(root, "sweep", config).open()
    store.begin_run({"run": 1})
    store.save("cell-a", 0, 4, {"count__period_2": np.array(3), "net": np.arange(4) % 2 == 0})
    return store


def test_round_trip_and_resume(tmp_path):
    saved_store(tmp_path)
    again = ChunkStore(tmp_path, "sweep", dict(reversed(list(CONFIG.items())))).open()  # same config
    arrays = again.load("cell-a", 0, 4)
    assert int(arrays["count__period_2"]) == 3 and arrays["net"].tolist() == [True, False, True, False]
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["config_hash"] == config_hash(CONFIG) and man["config"] == CONFIG


def test_other_configuration_refused(tmp_path):
    saved_store(tmp_path)
    with pytest.raises(SpecError, match="different configuration"):
        ChunkStore(tmp_path, "sweep", {**CONFIG, "seed": 2}).open()


def test_chunk_of_other_configuration_refused_without_manifest(tmp_path):
    saved_store(tmp_path)
    (tmp_path / "manifest.json").rename(tmp_path / "moved.json")
    chunk = next((tmp_path / "chunks").rglob("*.npz"))
    before = chunk.read_bytes()
    with pytest.raises(SpecError, match=f"{chunk.name}.*different configuration"):
        ChunkStore(tmp_path, "sweep", {**CONFIG, "seed": 2}).open()
    assert chunk.read_bytes() == before and not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize("text", ["[1, 2]", "{\"config\": 1}", "not json", "{\"schema\": \"rnnchaos.chunkstore/1\", \"kind\": \"sweep\", \"runs\": {}}"])
def test_malformed_manifest_refused(tmp_path, text):
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(SpecError, match="manifest.json"):
        ChunkStore(tmp_path, "sweep", CONFIG).open()


def test_manifest_of_another_kind_refused(tmp_path):
    saved_store(tmp_path)
    with pytest.raises(SpecError, match="not a lambda_max_sweep manifest"):
        ChunkStore(tmp_path, "lambda_max_sweep", CONFIG).open()


def pickled_chunk(path):
    np.save(path.with_suffix(".tmp.npy"), np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as z:
        z.write(path.with_suffix(".tmp.npy"), "count__period_2.npy")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "pickle", "tamper", "anonymous"])
def test_damaged_chunk_refused_by_name(tmp_path, damage):
    saved_store(tmp_path)
    chunk = next((tmp_path / "chunks").rglob("*.npz"))
    if damage == "truncate":
        chunk.write_bytes(chunk.read_bytes()[:50])
    elif damage == "garbage":
        chunk.write_bytes(b"\x00" * 300)
    elif damage == "pickle":
        pickled_chunk(chunk)
    elif damage == "tamper":  # a count changed by hand: the checksum no longer matches
        with np.load(chunk) as z:
            contents = {k: z[k] for k in z.files}
        contents["count__period_2"] = np.array(4)
        np.savez(chunk, **contents)
    else:  # an npz without identity (another program, an older version)
        np.savez(chunk, count__period_2=np.array(3))
    before = chunk.read_bytes()
    with pytest.raises(SpecError, match=chunk.name):
        ChunkStore(tmp_path, "sweep", CONFIG).open()
    assert chunk.read_bytes() == before


def test_wrong_size_and_overwrite_refused(tmp_path):
    store = saved_store(tmp_path)
    with pytest.raises(SpecError, match="holds 4 networks, expected 5"):
        store.load("cell-a", 0, 5)
    with pytest.raises(SpecError, match="refusing to overwrite"):
        store.save("cell-a", 0, 4, {"count__period_2": np.array(0)})
    assert int(store.load("cell-a", 0, 4)["count__period_2"]) == 3
