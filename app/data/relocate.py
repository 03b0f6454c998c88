"""A data section's paths for a project file that moves to another folder (Save As).

Paths in a project file are relative to the file, so a project moved together
with its data keeps working. Saved somewhere else *without* its data, the same
relative paths would point nowhere: they must be rewritten to reach the same
files from the new folder.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

PATH_KEYS = ("images", "masks", "root", "csv")


def relocate(data: dict[str, Any], old_folder: Path, new_folder: Path) -> dict[str, Any]:
    """A copy of ``data`` whose relative paths reach the same files from ``new_folder``.

    Absolute paths stay as written; a path that cannot be made relative (another
    drive on Windows) becomes absolute. With ``root``, images and masks are
    relative to the root and stay as they are.
    """
    moved = copy.deepcopy(data)
    keys = ("root", "csv") if data.get("root") else PATH_KEYS
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            target = os.path.normpath(os.path.join(os.path.abspath(old_folder), value))
            try:
                moved[key] = Path(os.path.relpath(target, os.path.abspath(new_folder))).as_posix()
            except ValueError:
                moved[key] = Path(target).as_posix()
    return moved
