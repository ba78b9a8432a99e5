"""The resumable chunk store: results of blocks of work, saved as they finish, tied to their config.

Layout of a store directory::

  manifest.json                 {"schema", "kind", "config", "config_hash", "runs", ...}
  chunks/<cell>/<start>.npz     the arrays of one block, plus its identity (below)

``config_hash`` is the SHA-256 of the configuration as canonical JSON (sorted keys, no
spaces).  Each chunk file holds, beside its data arrays, ``__config_hash__`` (that hash),
``__cell__``, ``__start__``, ``__size__`` and ``__checksum__`` (SHA-256 over the data arrays'
names, dtypes, shapes and bytes).  Every file is written atomically (temporary file +
``os.replace``), so a run killed at any moment leaves whole chunks or none.

Rules (each violation is refused with a SpecError naming the file; nothing is overwritten):

* a manifest must be a JSON object of this schema and kind whose ``config_hash`` equals the
  hash of the configuration asked for (same config: resume; different: refused);
* a chunk is reused only if it loads with ``allow_pickle=False`` and its hash, cell, start,
  size and checksum all match; so a chunk left by another configuration (for instance after
  the manifest was moved away) or a corrupt one is never counted;
* nothing is written until every existing file the run would reuse has been checked
  (:meth:`ChunkStore.open` validates, :meth:`ChunkStore.begin_run` is the first write).
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SpecError
from .atomic import atomic_write_bytes

SCHEMA = "rnnchaos.chunkstore/1"
MANIFEST = "manifest.json"
_IDENTITY = ("__config_hash__", "__cell__", "__start__", "__size__", "__checksum__")


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the configuration as canonical JSON.

    >>> config_hash({"b": 1, "a": [2]}) == config_hash({"a": [2], "b": 1})
    True
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def arrays_checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``arrays`` (sorted by name)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class ChunkStore:
    """Chunks of one configuration in directory ``root`` (see the module docstring)."""

    def __init__(self, root, kind: str, config: dict[str, Any]):
        self.root, self.kind, self.config = Path(root), kind, config
        self.hash = config_hash(config)
        self.manifest: dict[str, Any] | None = None

    # ------------------------------------------------------------ opening
    def open(self) -> "ChunkStore":
        """Check the directory, the manifest and every existing chunk; write nothing."""
        if self.root.exists() and not self.root.is_dir():
            raise SpecError("out", f"{self.root} exists and is not a directory")
        self.manifest = self._read_manifest()
        chunks = self.root / "chunks"
        if chunks.is_dir():
            for path in sorted(chunks.glob("*/*.npz")):
                self._read_chunk(path, path.parent.name, int(path.stem) if path.stem.isdigit() else -1)
        return self

    def _read_manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SpecError("out", f"{path} is unreadable ({exc}); move it away to start afresh") from None
        if (not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA
                or manifest.get("kind") != self.kind or not isinstance(manifest.get("runs"), list)):
            raise SpecError("out", f"{path} is not a {self.kind} manifest of schema {SCHEMA}; "
                            "use another output directory (nothing was overwritten)")
        if manifest.get("config_hash") != self.hash:
            raise SpecError("out", f"{self.root} holds a {self.kind} with a different configuration "
                            f"({path}); use another output directory (nothing was overwritten)")
        return manifest

    def begin_run(self, environment: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
        """Write the manifest (new, or with this run appended): the first write of a run."""
        if self.manifest is None:
            self.manifest = {"schema": SCHEMA, "kind": self.kind, "config": self.config,
                             "config_hash": self.hash, **(extra or {}), "runs": []}
        self.manifest["runs"].append(environment)
        self._write_manifest()

    def finish_run(self, **fields: Any) -> None:
        self.manifest["runs"][-1].update(fields)
        self.manifest["complete"] = True
        self._write_manifest()

    def _write_manifest(self) -> None:
        atomic_write_bytes(self.root / MANIFEST, json.dumps(self.manifest, indent=1).encode())

    # ------------------------------------------------------------ chunks
    def path(self, cell: str, start: int) -> Path:
        return self.root / "chunks" / cell / f"{start:012d}.npz"

    def has(self, cell: str, start: int) -> bool:
        return self.path(cell, start).exists()

    def save(self, cell: str, start: int, size: int, arrays: dict[str, np.ndarray]) -> None:
        """Save a block's arrays atomically, with its identity; an existing chunk is an error."""
        path = self.path(cell, start)
        if path.exists():  # each block is computed once per run: a second write is a bug
            raise SpecError("out", f"{path} exists already; refusing to overwrite it")
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        identity = {"__config_hash__": np.array(self.hash), "__cell__": np.array(cell),
                    "__start__": np.array(start), "__size__": np.array(size),
                    "__checksum__": np.array(arrays_checksum(arrays))}
        buf = io.BytesIO()
        np.savez(buf, **arrays, **identity)
        atomic_write_bytes(path, buf.getvalue())

    def load(self, cell: str, start: int, size: int) -> dict[str, np.ndarray]:
        """The arrays of a saved block, checked against its identity and ``size``."""
        arrays, saved_size = self._read_chunk(self.path(cell, start), cell, start)
        if saved_size != size:
            raise SpecError("out", f"chunk {self.path(cell, start)} holds {saved_size} networks, "
                            f"expected {size}; it was not used")
        return arrays

    def _read_chunk(self, path: Path, cell: str, start: int) -> tuple[dict[str, np.ndarray], int]:
        def refuse(problem):
            return SpecError("out", f"chunk {path} {problem}; it was not used (delete it to "
                             "recompute it, or use another output directory)")
        try:
            with np.load(path, allow_pickle=False) as z:
                contents = {name: z[name] for name in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
            raise refuse(f"is unreadable ({type(exc).__name__}: {exc})") from None
        if any(k not in contents for k in _IDENTITY):
            raise refuse("has no identity (written by another version or program)")
        if str(contents["__config_hash__"]) != self.hash:
            raise refuse("was computed for a different configuration")
        if str(contents["__cell__"]) != cell or int(contents["__start__"]) != start:
            raise refuse(f"holds {contents['__cell__']} start {contents['__start__']}, not its own name")
        arrays = {k: v for k, v in contents.items() if k not in _IDENTITY}
        if arrays_checksum(arrays) != str(contents["__checksum__"]):
            raise refuse("fails its checksum (corrupt)")
        return arrays, int(contents["__size__"])
