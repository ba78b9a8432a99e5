"""Sweeps over preset x width x gain, resumable, written as Parquet.

Layout of the output directory::

  manifest.json          config, root seed, versions, git revision, host, UTC times
  chunks/<cell>/<start>.npz   verdicts of networks start .. start+size-1 of one cell
  results.parquet        one row per cell and criterion (written at the end)
  networks.parquet       one row per network (only with per_network=True)

Every chunk file is written atomically (temporary file + os.replace), so an
interrupted sweep (Ctrl-C, kill -9) restarted with the same command recomputes
only the missing chunks: no cell lost, none counted twice.  Network I of a cell
is network I of the root seed's stream (``rnnchaos sample --preset P --width K
--gain G --seed S --index I``): cells that differ only by gain share their
underlying random numbers (common random numbers, which sharpens comparisons
across gains).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._optional import require
from .errors import SpecError
from .montecarlo import (CRITERIA, DEFAULT_CHUNK, CriterionEstimate, check_criteria,
                         chunk_verdicts, make_pool)

MANIFEST = "manifest.json"
RESULTS = "results.parquet"
NETWORKS = "networks.parquet"


# ---------------------------------------------------------------- atomic files
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_table(path: Path, table) -> None:
    pq = require("pyarrow.parquet", "writing Parquet results")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------- config
@dataclass(frozen=True)
class SweepConfig:
    """What a sweep computes; two runs with equal configs produce identical results."""

    presets: tuple[str, ...]
    widths: tuple[int, ...]
    gains: tuple[float, ...]
    n: int
    seed: int
    criteria: tuple[str, ...] = CRITERIA
    activation: str = "relu"
    clip: bool = False
    depth: int = 2
    flavour: str = "as_coded"
    entropy_max_period: int = 6
    chunk_size: int = DEFAULT_CHUNK
    per_network: bool = False

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    def cells(self):
        """(cell id, preset name, width, gain) for every cell of the grid."""
        for name in self.presets:
            for k in self.widths:
                for g in self.gains:
                    yield f"{name}-w{k}-g{g!r}", name, k, g

    def preset(self, name: str, width: int, gain: float):
        from .presets import build_preset
        return build_preset(name, width, activation=self.activation, clip=self.clip,
                            depth=self.depth, flavour=self.flavour, gain=gain)


def make_config(presets, widths, gains, n, seed, **options) -> SweepConfig:
    """Validate sweep parameters at the boundary (SpecError naming the field)."""
    from .presets import PRESETS, _check_index

    def seq(value, field, conv):
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        try:
            out = tuple(conv(v) for v in value)
        except (TypeError, ValueError):
            raise SpecError(field, f"expected a comma-separated list, got {value!r}") from None
        if not out:
            raise SpecError(field, "must not be empty")
        if len(set(out)) != len(out):
            raise SpecError(field, f"has duplicates: {list(out)}")
        return out

    presets = seq(presets, "presets", str.strip)
    for p in presets:
        if p not in PRESETS:
            raise SpecError("presets", f"unknown preset {p!r}; choose from {', '.join(PRESETS)}")
    widths = seq(widths, "widths", int)
    if any(k < 1 or k > 65536 for k in widths):
        raise SpecError("widths", f"every width must be in 1 .. 65536, got {list(widths)}")
    gains = seq(gains, "gains", float)
    if any(not (np.isfinite(g) and g > 0) for g in gains):
        raise SpecError("gains", f"every gain must be finite and > 0, got {list(gains)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", f"must be an integer >= 1, got {n!r}")
    if "criteria" in options:
        options["criteria"] = check_criteria(options["criteria"])
    if options.get("chunk_size", DEFAULT_CHUNK) < 1:
        raise SpecError("chunk_size", f"must be >= 1, got {options['chunk_size']}")
    cfg = SweepConfig(presets, widths, gains, n, _check_index("seed", seed), **options)
    for _, name, k, g in cfg.cells():  # fail now on a bad option, not in a worker
        cfg.preset(name, k, g)
    return cfg


def _git_revision() -> str | None:
    try:
        here = Path(__file__).resolve().parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _environment() -> dict[str, Any]:
    from . import __version__
    return {"rnnchaos": __version__, "git_revision": _git_revision(),
            "numpy": np.__version__, "python": sys.version.split()[0],
            "platform": platform.platform(), "host": socket.gethostname()}


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------- running
def _chunk_path(out: Path, cell: str, start: int) -> Path:
    return out / "chunks" / cell / f"{start:012d}.npz"


def _chunk_task(args):
    cfg, cell, name, k, g, start, size = args
    arrays = chunk_verdicts(cfg.preset(name, k, g), cfg.seed, start, size, cfg.criteria,
                            cfg.entropy_max_period)
    return args, arrays


def _save_chunk(path: Path, arrays: dict, size: int, per_network: bool) -> None:
    import io
    payload = {"size": np.array(size)}
    for c, v in arrays.items():  # c may be "undecided__<criterion>" (smooth units)
        payload[f"count__{c}"] = np.array(int(np.sum(v)))
        if per_network:
            payload[f"net__{c}"] = np.asarray(v, dtype=bool)
    buf = io.BytesIO()
    np.savez(buf, **payload)
    atomic_write_bytes(path, buf.getvalue())


def _open_manifest(out: Path, cfg: SweepConfig) -> dict[str, Any]:
    path = out / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SpecError("out", f"{path} is unreadable ({exc}); move it away to start afresh") from None
        if old.get("config") != cfg.to_json():
            raise SpecError("out", f"{out} holds a sweep with a different configuration; use "
                            "another --out directory (nothing was overwritten)")
        old.setdefault("runs", []).append({"started_utc": _utc_now(), **_environment()})
        return old
    return {"config": cfg.to_json(), "root_seed": cfg.seed,
            "network_seed": "numpy.random.SeedSequence(seed, spawn_key=(index,)) per cell",
            "runs": [{"started_utc": _utc_now(), **_environment()}]}


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, or forced)."""

    def __init__(self, total: int, enabled: bool | None = None):
        self.total, self.done, self.t0 = total, 0, time.monotonic()
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def update(self, networks: int):
        self.done += networks
        if not self.enabled:
            return
        frac = self.done / self.total if self.total else 1.0
        rate = self.done / max(time.monotonic() - self.t0, 1e-9)
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\rsweep [{bar:<30}] {100 * frac:5.1f}%  {self.done}/{self.total} "
                         f"networks  {rate:,.0f}/s")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


def run_sweep(cfg: SweepConfig, out: str | os.PathLike, *, workers: int = 1,
              progress: bool | None = None) -> Path:
    """Run (or resume) the sweep ``cfg`` into directory ``out``; returns the results path.

    >>> cfg = make_config("paper_he", "2", "1", n=64, seed=0, criteria=("period_2",))
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> run_sweep(cfg, d).name
    'results.parquet'
    """
    require("pyarrow", "writing Parquet results")  # fail before any work
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SpecError("out", f"{out} exists and is not a directory")
    manifest = _open_manifest(out, cfg)
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=2).encode())
    todo, already = [], 0
    for cell, name, k, g in cfg.cells():
        for start in range(0, cfg.n, cfg.chunk_size):
            size = min(cfg.chunk_size, cfg.n - start)
            if _chunk_path(out, cell, start).exists():
                already += size
            else:
                todo.append((cfg, cell, name, k, g, start, size))
    bar = Progress(len(list(cfg.cells())) * cfg.n, progress)
    bar.update(already)
    try:
        _run_tasks(todo, out, cfg, workers, bar)
    finally:
        bar.close()
    path = _assemble(cfg, out)
    manifest["runs"][-1]["finished_utc"] = _utc_now()
    manifest["complete"] = True
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=2).encode())
    return path


def _run_tasks(todo, out, cfg, workers, bar):
    if workers <= 1:
        for task in todo:
            args, arrays = _chunk_task(task)
            _save_chunk(_chunk_path(out, args[1], args[5]), arrays, args[6], cfg.per_network)
            bar.update(args[6])
        return
    with make_pool(workers) as pool:
        pending, queue = set(), list(reversed(todo))
        try:
            while queue or pending:
                while queue and len(pending) < 2 * workers:  # bounded: streaming memory
                    pending.add(pool.submit(_chunk_task, queue.pop()))
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    args, arrays = fut.result()
                    _save_chunk(_chunk_path(out, args[1], args[5]), arrays, args[6], cfg.per_network)
                    bar.update(args[6])
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


def _assemble(cfg: SweepConfig, out: Path) -> Path:
    pa = require("pyarrow", "writing Parquet results")
    rows: dict[str, list] = {k: [] for k in ("preset", "width", "gain", "activation", "clip",
                                             "depth", "flavour", "criterion", "count", "n", "p",
                                             "ci_low", "ci_high", "undecided")}
    nets: dict[str, list] = {"preset": [], "width": [], "gain": [], "index": []}
    nets.update({c: [] for c in cfg.criteria})
    nets.update({f"undecided__{c}": [] for c in cfg.criteria})  # smooth units: counted apart
    for cell, name, k, g in cfg.cells():
        counts: dict[str, int] = {c: 0 for c in cfg.criteria}
        undecided: dict[str, int] = {c: 0 for c in cfg.criteria}
        n = 0
        for start in range(0, cfg.n, cfg.chunk_size):
            with np.load(_chunk_path(out, cell, start)) as z:
                size = int(z["size"])
                for c in cfg.criteria:
                    counts[c] += int(z[f"count__{c}"])
                    if f"count__undecided__{c}" in z.files:
                        undecided[c] += int(z[f"count__undecided__{c}"])
                if cfg.per_network:
                    nets["preset"].extend([name] * size)
                    nets["width"].extend([k] * size)
                    nets["gain"].extend([g] * size)
                    nets["index"].extend(range(start, start + size))
                    for c in cfg.criteria:
                        key = f"net__{c}"
                        nets[c].extend(z[key].tolist() if key in z.files else [None] * size)
                        key = f"net__undecided__{c}"
                        nets[f"undecided__{c}"].extend(z[key].tolist() if key in z.files
                                                       else [False] * size)
            n += size
        for c in cfg.criteria:
            est = CriterionEstimate.from_count(c, counts[c], n, undecided[c])
            for key, val in (("preset", name), ("width", k), ("gain", g),
                             ("activation", cfg.activation), ("clip", cfg.clip),
                             ("depth", cfg.depth), ("flavour", cfg.flavour), ("criterion", c),
                             ("count", est.count), ("n", est.n), ("p", est.p),
                             ("ci_low", est.ci_low), ("ci_high", est.ci_high),
                             ("undecided", est.undecided)):
                rows[key].append(val)
    atomic_write_table(out / RESULTS, pa.table(rows))
    if cfg.per_network:
        atomic_write_table(out / NETWORKS, pa.table(nets))
    return out / RESULTS


def read_results(out: str | os.PathLike):
    """The results table of a finished sweep as a list of dicts (plain data)."""
    pq = require("pyarrow.parquet", "reading Parquet results")
    return pq.read_table(Path(out) / RESULTS).to_pylist()
