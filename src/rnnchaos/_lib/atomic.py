"""Output places and atomic file writes.

* :func:`check_output_dir` / :func:`check_output_file` -- THE check of a place the
  user names for output (``--out DIR``, ``--certificate FILE``), run at the public
  boundary before any work: the path is not empty, a directory is a directory (or
  can be created), a file is not a directory and does not exist yet (a saved file is
  never overwritten silently), and the directory accepts a new file
  (probed by creating and removing a temporary file: this catches read-only file
  systems, immutable directories and ``/proc``).  Any problem is one
  :class:`~rnnchaos.errors.SpecError` naming the option, the path and the reason.
* :func:`atomic_write_bytes` / :func:`atomic_write_table` -- THE atomic write: a
  temporary file in the target directory, fsync, then ``os.replace``.  A reader sees
  either the old file or the new one, never a torn write, even after ``kill -9``.
  An OS error (disk full, permission, a file where a directory should be) becomes a
  SpecError naming the path and the reason; the temporary file is removed.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import SpecError
from .optional import require


def _reason(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be written: a file standing where a directory is needed is
    named (the OS says only 'File exists' or 'Not a directory'), else the OS reason."""
    for parent in Path(path).parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{str(parent)!r} is a file, not a directory"
            break
    return exc.strerror or exc.__class__.__name__


def _place_error(field: str, path, exc: OSError) -> SpecError:
    return SpecError(field, f"cannot write to {str(path)!r}: {_reason(Path(path), exc)}")


def check_output_dir(path, field: str = "--out") -> Path:
    """``path`` as a directory that exists (created if needed) and accepts new files.

    >>> import tempfile; d = tempfile.mkdtemp()
    >>> check_output_dir(d) == Path(d)
    True
    """
    if path is None or str(path).strip() == "":
        raise SpecError(field, "empty path: name an output directory")
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise SpecError(field, f"{str(out)!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".rnnchaos-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _place_error(field, out, exc) from None
    return out


def check_output_file(path, field: str) -> Path:
    """``path`` as a file that can be written atomically (its directory is checked).

    >>> import tempfile, os; d = tempfile.mkdtemp()
    >>> check_output_file(os.path.join(d, "x.json"), "--certificate").name
    'x.json'
    """
    if path is None or str(path).strip() == "":
        raise SpecError(field, "empty path: name an output file")
    out = Path(path)
    if out.is_dir() or str(path).endswith(os.sep):
        raise SpecError(field, f"{str(out)!r} is a directory, not a file")
    if out.exists() or out.is_symlink():  # never replace what a user saved without asking
        raise SpecError(field, f"{str(out)!r} exists; remove it or name a new file")
    check_output_dir(out.parent if str(out.parent) else Path("."), field)
    return out


def _replace_atomically(path: Path, write) -> None:
    """Run ``write(tmp_path)`` then move tmp onto ``path``; OS errors name the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _place_error("output", path, exc) from None
    try:
        write(fd, tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _place_error("output", path, exc) from None
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    def write(fd, tmp):
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    _replace_atomically(Path(path), write)


def atomic_write_table(path: Path, table) -> None:
    """Write a pyarrow table as Parquet to ``path``, atomically."""
    pq = require("pyarrow.parquet", "writing Parquet results")

    def write(fd, tmp):
        os.close(fd)
        pq.write_table(table, tmp)
    _replace_atomically(Path(path), write)
