"""The runs of a project trained before it was first saved, moved beside its file.

A project without a file (the demo, a new one) trains into a folder of its own under
the user's data directory (run_setup.user_runs_base): it has no folder yet. When it is
saved for the first time, the Runs list starts reading runs/ beside the new file, so
without this the runs trained so far would vanish from the window and from the model
hub. Saving moves them there instead: each run directory as a whole, with the data
paths of its project snapshot rewritten (app/data/relocate.py), since relative paths
in a snapshot start at its run directory. A run that is still training is left where
it is (its process writes there), and so is one whose name the destination already
has; the result says which and why, so the window can tell the person.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from app import runs
from app.data.relocate import relocate
from app.project import write_json_atomic


@dataclass
class Adoption:
    """What moving the runs did: the new paths of the moved ones, and the ones kept
    where they were with the reason."""

    moved: dict[Path, Path] = field(default_factory=dict)   # old path -> new path
    kept: list[tuple[Path, str]] = field(default_factory=list)

    def summary(self, target: Path) -> str:
        """One line for the status bar; empty when there was nothing to move."""
        parts = []
        if self.moved:
            parts.append(f"Moved {runs_word(len(self.moved))} of the unsaved project to "
                         f"{target}")
        for path, reason in self.kept:
            parts.append(f"{path.name} stays in {path.parent} ({reason})")
        return "; ".join(parts)


def runs_word(count: int) -> str:
    return f"{count} run" + ("" if count == 1 else "s")


def adopt_runs(source: Path, target: Path, active: Iterable[Path] = ()) -> Adoption:
    """Move the run directories in ``source`` (an unsaved project's runs/) into
    ``target`` (runs/ beside the saved file), except runs still training (``active``,
    or running by their run.json) and names ``target`` already has."""
    adoption = Adoption()
    source, target = Path(source), Path(target)
    if not source.is_dir() or source.resolve() == target.resolve():
        return adoption
    busy = {Path(p).resolve() for p in active}
    for info in runs.list_runs([source], busy):
        reason = _reason_to_keep(info, target)
        if reason:
            adoption.kept.append((info.path, reason))
            continue
        try:
            adoption.moved[info.path] = _move(info.path, target / info.path.name)
        except OSError as error:
            adoption.kept.append((info.path, f"cannot be moved: {error.strerror or error}"))
    _remove_if_empty(source)
    _remove_if_empty(source.parent)
    return adoption


def _reason_to_keep(info: runs.RunInfo, target: Path) -> str | None:
    if info.status == "running" and not info.interrupted:
        return "still training"
    if (target / info.path.name).exists():
        return f"{target} already has a run of that name"
    return None


def _move(run_dir: Path, destination: Path) -> Path:
    """Move one run directory and point its snapshot's data paths at the same files."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(run_dir), str(destination))
    project = _read(destination / runs.PROJECT_FILE)
    if isinstance(project.get("data"), dict):
        project["data"] = relocate(project["data"], run_dir, destination)
        write_json_atomic(destination / runs.PROJECT_FILE, project)
    record = _read(destination / runs.RUN_FILE)
    trained = record.get("project")
    if isinstance(trained, str) and Path(os.path.abspath(trained)).parent == Path(
            os.path.abspath(run_dir)):  # its own snapshot, as the window starts runs
        record["project"] = str(destination / Path(trained).name)
        write_json_atomic(destination / runs.RUN_FILE, record)
    return destination


def _read(path: Path) -> dict:
    """A JSON object, or {} for a file that is missing or unreadable (nothing to rewrite)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only succeeds on an empty folder
    except OSError:
        pass
