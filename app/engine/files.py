"""Files that are either the old version or the new one, never half of either.

Every file of a run directory (and every saved project) is written to a temporary
file beside its target, flushed to disk (fsync) and renamed over the target: a
crash, a full disk or a kill mid-write leaves the previous file intact.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())  # the rename must never expose an empty file
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600; keep the usual mode
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def atomic_copy(source: Path, target: Path) -> None:
    """``target`` becomes a copy of ``source`` (a hard link when the file system allows:
    ``source`` is itself replaced by rename later, so the link keeps the old bytes)."""
    target = Path(target)
    temp = target.with_name(f".{target.name}.link.tmp")
    temp.unlink(missing_ok=True)
    try:
        os.link(source, temp)
    except OSError:
        with atomic_open(target, "wb") as out, open(source, "rb") as stream:
            shutil.copyfileobj(stream, out)
        return
    os.replace(temp, target)


def _read_umask() -> int:
    """Read once at import: os.umask can only be read by setting it, which would race
    with other threads creating files."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
