"""Sweeps over preset x width x gain, resumable, written as Parquet.

Layout of the output directory::

  manifest.json          config, root seed, versions, git revision, host, UTC times
  chunks/<cell>/<start>.npz   verdicts of networks start .. start+size-1 of one cell
  results.parquet        one row per cell and criterion (written at the end)
  networks.parquet       one row per network (only with per_network=True)

The directory is a :class:`rnnchaos._lib.store.ChunkStore`: every chunk file is written
atomically (temporary file + os.replace) with the hash of the configuration beside its
data, so an interrupted sweep (Ctrl-C, kill -9, a Dask run stopped half way) restarted with
the same command -- on any executor -- recomputes only the missing chunks: no cell lost,
none counted twice; a chunk or manifest of another configuration is refused, never reused.  Network I of a cell
is network I of the root seed's stream (``rnnchaos sample --preset P --width K
--gain G --seed S --index I``): cells that differ only by gain share their
underlying random numbers (common random numbers, which sharpens comparisons
across gains).
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._lib.atomic import atomic_write_table
from .._lib.optional import require
from .._lib.progress import Progress
from .._lib.runner import Executor, executor_for, run_tasks
from .._lib.store import MANIFEST, ChunkStore  # noqa: F401 - MANIFEST re-exported
from ..deciders.criteria import CRITERIA, check_criteria, check_entropy_max_period
from ..errors import SpecError
from ..networks.presets import SEEDING_CONTRACT, SEEDING_TEXT
from .montecarlo import (
    UNDECIDED_PREFIX,
    CriterionEstimate,
    chunk_verdicts,
    count_chunk,
    probe_first_network,
    task_size,
)

RESULTS = "results.parquet"
NETWORKS = "networks.parquet"


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
    chunk_size: int | None = None  # None: per cell, a task of about 0.1-1 s (task_size)
    per_network: bool = False

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    def cell_chunk(self, name: str, width: int, gain: float) -> int:
        """Networks per chunk of a cell: ``chunk_size``, or by default a whole number of
        blocks sized for about 0.1-1 s of work (:func:`~rnnchaos.studies.montecarlo.task_size`),
        so the per-task cost of an executor (milliseconds on Dask) stays small."""
        return self.chunk_size or task_size(self.preset(name, width, gain))

    def chunks(self, name: str, width: int, gain: float) -> list[tuple[int, int]]:
        """(start, size) of every chunk of a cell, in index order."""
        step = self.cell_chunk(name, width, gain)
        return [(start, min(step, self.n - start)) for start in range(0, self.n, step)]

    def cells(self):
        """(cell id, preset name, width, gain) for every cell of the grid."""
        for name in self.presets:
            for k in self.widths:
                for g in self.gains:
                    yield f"{name}-w{k}-g{g!r}", name, k, g

    def preset(self, name: str, width: int, gain: float):
        from ..networks.presets import build_preset
        return build_preset(name, width, activation=self.activation, clip=self.clip,
                            depth=self.depth, flavour=self.flavour, gain=gain)


def make_config(presets, widths, gains, n, seed, **options) -> SweepConfig:
    """Validate sweep parameters at the boundary (SpecError naming the field)."""
    from ..networks.presets import PRESETS, check_index

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
    if "entropy_max_period" in options:  # checked here, not first in a worker
        options["entropy_max_period"] = check_entropy_max_period(options["entropy_max_period"])
    chunk = options.get("chunk_size")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise SpecError("chunk_size", f"must be an integer >= 1 or None (automatic), got {chunk!r}")
    cfg = SweepConfig(presets, widths, gains, n, check_index("seed", seed), **options)
    _probe_cells(cfg)
    return cfg


def _probe_cells(cfg: SweepConfig) -> None:
    """Build every cell's preset and draw its network 0 by the workers' own batch path, so
    a bad option (a gain whose weights overflow, say) fails here, before anything is written
    or any worker starts -- not in a worker after the manifest exists."""
    for cell, name, k, g in cfg.cells():
        preset = cfg.preset(name, k, g)
        try:
            probe_first_network(preset, cfg.seed)
        except SpecError as exc:
            raise SpecError(f"cell {cell}", f"cannot draw its networks ({exc})") from None


def _git_revision() -> str | None:
    try:
        here = Path(__file__).resolve().parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _environment() -> dict[str, Any]:
    from .. import __version__
    return {"rnnchaos": __version__, "git_revision": _git_revision(),
            "numpy": np.__version__, "python": sys.version.split()[0],
            "platform": platform.platform(), "host": socket.gethostname()}


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------- running
class _Block(NamedTuple):
    """One task of a sweep: networks start .. start+size-1 of one cell."""

    cfg: SweepConfig
    cell: str
    preset: str
    width: int
    gain: float
    start: int
    size: int

    @property
    def label(self) -> str:
        return f"{self.cell} networks {self.start}..{self.start + self.size - 1}"


def _chunk_task(block: _Block):
    """One block's verdict arrays with ``per_network``, else only its counts (run in a
    worker: nothing per network crosses the process boundary unless it is kept)."""
    cfg = block.cfg
    args = (cfg.preset(block.preset, block.width, block.gain), cfg.seed, block.start, block.size,
            cfg.criteria, cfg.entropy_max_period)
    return chunk_verdicts(*args) if cfg.per_network else count_chunk(*args)


def _chunk_arrays(arrays: dict, per_network: bool) -> dict[str, np.ndarray]:
    """What a chunk file keeps of a block's verdicts: counts (of "undecided__<criterion>"
    too, for smooth units), and the verdicts themselves with ``per_network``."""
    payload = {}
    for c, v in arrays.items():  # v: a verdict array, or a count (without per_network)
        payload[f"count__{c}"] = np.array(int(np.sum(v)))
        if per_network:
            payload[f"net__{c}"] = np.asarray(v, dtype=bool)
    return payload


def open_store(cfg: SweepConfig, out: str | os.PathLike) -> ChunkStore:
    """The sweep's chunk store in ``out``, checked (manifest and chunks); nothing written.

    The seeding contract is part of the stored configuration: chunks drawn under another
    contract hold other networks and are refused, never reused."""
    return ChunkStore(out, "sweep", {**cfg.to_json(), "seeding_contract": SEEDING_CONTRACT}).open()


def run_sweep(cfg: SweepConfig, out: str | os.PathLike, *, workers: "int | Executor" = 1,
              progress: bool | None = None) -> Path:
    """Run (or resume) the sweep ``cfg`` into directory ``out``; returns the results path.

    ``workers``: a number of local worker processes, or an Executor (a Dask cluster, see
    :mod:`rnnchaos._lib.runner`); the results do not depend on it.  Everything is checked
    before the first write: the config (by :func:`make_config`), the manifest and every
    chunk already in ``out`` (:mod:`rnnchaos._lib.store`).

    >>> cfg = make_config("paper_he", "2", "1", n=64, seed=0, criteria=("period_2",))
    >>> import tempfile; d = tempfile.mkdtemp()
    >>> run_sweep(cfg, d).name
    'results.parquet'
    """
    require("pyarrow", "writing Parquet results")  # fail before any work
    store = open_store(cfg, out)
    blocks = [_Block(cfg, cell, name, k, g, start, size)
              for cell, name, k, g in cfg.cells() for start, size in cfg.chunks(name, k, g)]
    todo = [b for b in blocks if not store.has(b.cell, b.start)]
    with executor_for(workers) as executor:
        store.begin_run({"started_utc": _utc_now(), "executor": executor.name, **_environment()},
                        {"root_seed": cfg.seed, "network_seed": SEEDING_TEXT + "; per cell",
                         "seeding_contract": SEEDING_CONTRACT})
        bar = Progress(sum(b.size for b in blocks), progress)
        bar.update(sum(b.size for b in blocks) - sum(b.size for b in todo))
        try:
            for i, arrays in run_tasks(executor, _chunk_task, todo, labels=[b.label for b in todo],
                                       ordered=False):  # each block saved as soon as it is done
                block = todo[i]
                store.save(block.cell, block.start, block.size,
                           _chunk_arrays(arrays, cfg.per_network))
                bar.update(block.size)
        finally:
            bar.close()
    path = _assemble(cfg, store)
    store.finish_run(finished_utc=_utc_now())
    return path


def _assemble(cfg: SweepConfig, store: ChunkStore) -> Path:
    pa = require("pyarrow", "writing Parquet results")
    rows: dict[str, list] = {k: [] for k in ("preset", "width", "gain", "activation", "clip",
                                             "depth", "flavour", "criterion", "count", "n", "p",
                                             "ci_low", "ci_high", "undecided")}
    nets: dict[str, list] = {"preset": [], "width": [], "gain": [], "index": []}
    nets.update({c: [] for c in cfg.criteria})
    nets.update({UNDECIDED_PREFIX + c: [] for c in cfg.criteria})  # smooth units: counted apart
    for cell, name, k, g in cfg.cells():
        counts = dict.fromkeys([*cfg.criteria, *(UNDECIDED_PREFIX + c for c in cfg.criteria)], 0)
        n = 0
        for start, size in cfg.chunks(name, k, g):
            z = store.load(cell, start, size)
            for c in counts:
                counts[c] += int(z[f"count__{c}"])
            if cfg.per_network:
                nets["preset"].extend([name] * size)
                nets["width"].extend([k] * size)
                nets["gain"].extend([g] * size)
                nets["index"].extend(range(start, start + size))
                for c in nets.keys() - {"preset", "width", "gain", "index"}:
                    nets[c].extend(z[f"net__{c}"].tolist())
            n += size
        for c in cfg.criteria:
            est = CriterionEstimate.from_count(c, counts[c], n, counts[UNDECIDED_PREFIX + c])
            for key, val in (("preset", name), ("width", k), ("gain", g),
                             ("activation", cfg.activation), ("clip", cfg.clip),
                             ("depth", cfg.depth), ("flavour", cfg.flavour), ("criterion", c),
                             ("count", est.count), ("n", est.n), ("p", est.p),
                             ("ci_low", est.ci_low), ("ci_high", est.ci_high),
                             ("undecided", est.undecided)):
                rows[key].append(val)
    atomic_write_table(store.root / RESULTS, pa.table(rows))
    if cfg.per_network:
        atomic_write_table(store.root / NETWORKS, pa.table(nets))
    return store.root / RESULTS


def read_results(out: str | os.PathLike):
    """The results table of a finished sweep as a list of dicts (plain data)."""
    pq = require("pyarrow.parquet", "reading Parquet results")
    return pq.read_table(Path(out) / RESULTS).to_pylist()
