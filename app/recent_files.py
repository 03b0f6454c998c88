"""The recent-files list, kept in QSettings (newest first, at most eight).

Paths are stored absolute; files that have gone away are dropped when the list
is read, so the menu never offers a file that cannot be opened.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "recent_files"
LIMIT = 8


class RecentFiles:
    """Read and update the list in one QSettings object."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def paths(self) -> list[str]:
        value = self.settings.value(KEY, [])
        stored = [value] if isinstance(value, str) else list(value or [])
        existing = [p for p in stored if Path(p).is_file()]
        if existing != stored:
            self._store(existing)
        return existing

    def add(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        self._store([path] + [p for p in self.paths() if p != path])

    def remove(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        self._store([p for p in self.paths() if p != path])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[str]) -> None:
        self.settings.setValue(KEY, paths[:LIMIT])
        self.settings.sync()
