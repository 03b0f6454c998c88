"""Write a whole data folder so that it appears complete or not at all."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def built_atomically(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; when the block succeeds it replaces
    ``dest`` in one rename, so a crash or Ctrl+C never leaves half a data set where
    the app looks for one. On failure ``dest`` is left as it was."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        yield temp
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(temp, dest)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
