"""Autosave to a recovery file, and finding the files a crashed session left behind.

Every 30 s a window with unsaved changes writes its whole project to its own
recovery file (``recovery-<pid>-<token>.json`` in the recovery folder). A clean
save or a normal close removes it. At start-up a recovery file whose process is
no longer running was left by a crash, so its work is offered back. (QLockFile
would be the obvious tool, but it declares a live lock stale when the
application name differs from the executable's, which is always true here.)
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from app.processes import mtime, process_alive
from app.project import Project, project_from_dict, write_json_atomic
from components.errors import ProjectFileError

AUTOSAVE_MS = 30_000
FORMAT = 1


def default_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".unet-studio") / "recovery"


@dataclass(frozen=True)
class RecoveryFile:
    """A recovery file left by a session that ended without closing its window."""

    path: Path
    name: str
    original_path: str | None
    saved_at: str

    def describe(self) -> str:
        where = self.original_path or "a project that was never saved"
        return f"'{self.name}' ({where}), autosaved {self.saved_at}"


class RecoveryStore:
    """One window's recovery file, plus the search for orphaned ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / f"recovery-{os.getpid()}-{uuid.uuid4().hex[:12]}.json"

    def write(self, project: Project) -> Path:
        """Write the project atomically, with the pid that marks the file as in use."""
        write_json_atomic(self.path, {
            "recovery": FORMAT, "pid": os.getpid(),
            "saved_at": datetime.now().isoformat(timespec="seconds"),
            "original_path": str(project.path) if project.path else None,
            "project": project.to_dict()})
        return self.path

    def discard(self) -> None:
        """Remove this window's recovery file (after a save, or on a normal close)."""
        self.path.unlink(missing_ok=True)

    def orphans(self) -> list[RecoveryFile]:
        """Recovery files of sessions that are gone, newest first; unreadable ones skipped."""
        found = []
        for path in sorted(self.folder.glob("recovery-*.json"), key=mtime, reverse=True):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if process_alive(int(data.get("pid", -1))):
                    continue
                project = data["project"]
                found.append(RecoveryFile(path, str(project.get("name", "Untitled")),
                                          data.get("original_path"), str(data.get("saved_at"))))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        return found


def load_recovery(entry: RecoveryFile) -> Project:
    """The project in a recovery file, with its original path (relative data paths)."""
    try:
        data = json.loads(entry.path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProjectFileError(str(entry.path), [str(error)]) from None
    project = project_from_dict(data.get("project"), str(entry.path))
    project.path = Path(entry.original_path) if entry.original_path else None
    return project


def remove_recovery(entry: RecoveryFile) -> None:
    entry.path.unlink(missing_ok=True)


class Autosaver(QObject):
    """Writes the project to its recovery file on a timer while it has unsaved changes."""

    def __init__(self, store: RecoveryStore, project: Callable[[], Project],
                 is_dirty: Callable[[], bool], parent: QObject | None = None,
                 interval_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(parent)
        self.store = store
        self._project = project
        self._is_dirty = is_dirty
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    def save_now(self) -> Path | None:
        """Write now if there is anything unsaved; returns the file written."""
        if not self._is_dirty():
            return None
        try:
            return self.store.write(self._project())
        except OSError:
            return None  # a full disk must not interrupt editing; the next tick tries again

    def stop(self) -> None:
        self.timer.stop()
