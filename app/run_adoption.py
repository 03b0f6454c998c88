"""The runs of a project trained before it was first saved, moved beside its file.

A project without a file (the demo, a new one) trains into a folder of its own under
the user's data directory (run_setup.user_runs_base): it has no folder yet. When it is
saved for the first time, the Runs list starts reading runs/ beside the new file, so
without this the runs trained so far would vanish from the window and from the model
hub. Saving moves them there instead: each run directory as a whole, with the data
paths of its project snapshot rewritten (app/data/relocate.py), since relative paths
in a snapshot start at its run directory. A run that a child process still writes
into (training, or being evaluated) is left where it is, and the window moves it when
that child ends (app/run_panels.py); so is one whose name the destination already has.
The result says which and why, so the window can tell the person. Across file systems
a run is copied whole before the original is removed, so a failure leaves it intact.
Known limit: unsaved projects of the same name share one folder, so the first of them
saved takes all of its finished runs.
"""
from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from app import runs
from app.data.problems import plural
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
            parts.append(f"Moved {plural(len(self.moved), 'run')} of the unsaved project to "
                         f"{target}")
        for path, reason in self.kept:
            parts.append(f"{path.name} stays in {path.parent} ({reason})")
        return "; ".join(parts)


def adopt_runs(source: Path, target: Path, busy: Mapping[Path, str] | None = None) -> Adoption:
    """Move the run directories in ``source`` (an unsaved project's runs/) into
    ``target`` (runs/ beside the saved file), except the ``busy`` ones (run directory ->
    why: a child of this window still writes there), runs training by their run.json,
    and names ``target`` already has."""
    adoption = Adoption()
    source, target = Path(source), Path(target)
    if not source.is_dir() or source.resolve() == target.resolve():
        return adoption
    busy = {Path(p).resolve(): why for p, why in (busy or {}).items()}
    for info in runs.list_runs([source]):
        reason = busy.get(info.path.resolve()) or _reason_to_keep(info, target)
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
    """Move one run directory and point its snapshot's data paths at the same files.

    Within one file system a rename (all or nothing). Across file systems (a project
    saved onto another disk) the run is copied under a hidden name beside its
    destination, rewritten there, renamed into place, and only then removed from where
    it was; a failure before that removes the partial copy and leaves the run as it was.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(run_dir, destination)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        return _copy_then_remove(run_dir, destination)
    try:
        _rewrite(run_dir, destination)
    except OSError:
        os.rename(destination, run_dir)  # back where its paths still fit
        raise
    return destination


def _copy_then_remove(run_dir: Path, destination: Path) -> Path:
    staged = destination.with_name(f".moving-{destination.name}")
    try:
        shutil.copytree(run_dir, staged)
        _rewrite(run_dir, staged, destination)
        os.rename(staged, destination)
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    shutil.rmtree(run_dir, ignore_errors=True)  # the complete copy is in place already
    return destination


def _rewrite(run_dir: Path, folder: Path, final: Path | None = None) -> None:
    """The snapshot's relative data paths and run.json's project path, for a run that
    was in ``run_dir`` and is now in ``folder`` (on its way to ``final``)."""
    final = final or folder
    project = runs.read_json(folder / runs.PROJECT_FILE) or {}
    if isinstance(project.get("data"), dict):
        project["data"] = relocate(project["data"], run_dir, final)
        write_json_atomic(folder / runs.PROJECT_FILE, project)
    record = runs.read_json(folder / runs.RUN_FILE) or {}
    trained = record.get("project")
    if isinstance(trained, str) and Path(os.path.abspath(trained)).parent == Path(
            os.path.abspath(run_dir)):  # its own snapshot, as the window starts runs
        record["project"] = str(final / Path(trained).name)
        write_json_atomic(folder / runs.RUN_FILE, record)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only succeeds on an empty folder
    except OSError:
        pass
