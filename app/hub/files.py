"""What the hub does to files: new, duplicate, rename, delete (to the workspace's
trash, restorable) and import (Qt-free).

Every model the hub writes gets a folder of its own, ``<workspace>/<stem>/<stem>.json``,
so its runs (``runs/`` beside the file) are its own. Copies keep their data: the
data section's relative paths are rewritten for the new folder (app/data/relocate.py).
Project JSON is copied as it is, not loaded and saved again, so a file with a
setting that needs fixing keeps it. A name that is taken, a file that cannot be
read or a folder that cannot be written is a HubError naming it.
"""
from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.data.relocate import relocate
from app.project import Project, project_from_dict, write_json_atomic
from components.errors import ProjectFileError, StudioError

from .workspace import TRASH, ModelEntry, read_project_json

ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
            *(f"lpt{i}" for i in range(1, 10))}
MAX_STEM = 80


class HubError(StudioError):
    """A hub action that cannot be done; the message names the model, name or file."""


@dataclass
class Trashed:
    """A deleted model: where each of its parts went in the trash, to put them back."""

    name: str
    project_file: Path
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (original, in the trash)


# --- names -------------------------------------------------------------------------------
def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise HubError("A model needs a name.")
    return name


def file_stem(name: str) -> str:
    """A file and folder name for a model name that works on Linux, macOS and Windows."""
    stem = ILLEGAL.sub("_", check_name(name)).strip().strip(".").strip()[:MAX_STEM].strip()
    if not stem:
        stem = "model"
    return f"{stem}_" if stem.casefold() in RESERVED else stem


def taken(workspace: Path, stem: str, ignore: Path | None = None) -> bool:
    """Whether a folder or project file of the workspace has this name (in any case: macOS
    and Windows file systems do not tell 'Cells' from 'cells')."""
    wanted = {stem.casefold(), f"{stem}.json".casefold()}
    try:
        children = list(Path(workspace).iterdir())
    except OSError:
        return False
    return any(c.name.casefold() in wanted and (ignore is None or c != ignore) for c in children)


def unique_name(workspace: Path, wanted: str) -> str:
    """``wanted``, or 'wanted 2', 'wanted 3'... the first whose file name is free."""
    wanted = check_name(wanted)
    name, number = wanted, 2
    while taken(workspace, file_stem(name)):
        name, number = f"{wanted} {number}", number + 1
    return name


# --- making models -----------------------------------------------------------------------
def create_model(workspace: Path, name: str, project: Project) -> Path:
    """Write ``project`` as a new model called ``name``; its data paths are rewritten
    from where the project was (``project.path``, a template's folder) to the new one."""
    data = project.to_dict()
    source = project.path.parent if project.path else None
    return _write_new(Path(workspace), name, data, source)


def duplicate_model(workspace: Path, entry: ModelEntry, name: str | None = None) -> Path:
    """A copy of a model's project file (not its runs) under a new name."""
    if entry.project is None:
        raise HubError(f"{entry.path} cannot be duplicated: {entry.error}")
    name = name or unique_name(workspace, f"{entry.name} copy")
    return _write_new(Path(workspace), name, entry.project, entry.folder)


def import_project(workspace: Path, source: Path) -> Path:
    """Copy a project file into the workspace as a model of its own, its data paths
    kept pointing at the same files. A file that cannot be read is refused, naming it."""
    source = Path(source)
    data, error = read_project_json(source)
    if error is None:
        try:
            project_from_dict(data, str(source))
        except ProjectFileError as problem:
            error = "; ".join(problem.problems)
    if error is not None:
        raise HubError(f"{source} cannot be imported: {error}")
    stated = data.get("name")
    wanted = stated if isinstance(stated, str) and stated.strip() else source.stem
    return _write_new(Path(workspace), unique_name(workspace, wanted), data, source.parent)


def _write_new(workspace: Path, name: str, data: dict[str, Any], source: Path | None) -> Path:
    name = check_name(name)
    stem = file_stem(name)
    if taken(workspace, stem):
        raise HubError(f"A model named '{stem}' is already in {workspace}: choose another name.")
    folder = workspace / stem
    data = _renamed(data, name, source, folder)
    try:
        folder.mkdir()
        path = folder / f"{stem}.json"
        write_json_atomic(path, data)
    except OSError as error:
        raise HubError(f"Cannot write the model '{name}' in {workspace}: "
                       f"{error.strerror or error}") from None
    return path


def _renamed(data: dict[str, Any], name: str, source: Path | None, folder: Path
             ) -> dict[str, Any]:
    """The project JSON with a new name, its data paths moved from ``source`` to ``folder``."""
    data = copy.deepcopy(data)
    data["name"] = name
    if source is not None and isinstance(data.get("data"), dict):
        data["data"] = relocate(data["data"], source, folder)
    return data


# --- renaming and deleting ---------------------------------------------------------------
def rename_model(workspace: Path, entry: ModelEntry, name: str) -> Path:
    """Give a model a new name: its project's name, its file and its folder. A model in a
    folder it shares gets a folder of its own, and its runs go with it."""
    workspace, name = Path(workspace), check_name(name)
    stem = file_stem(name)
    if taken(workspace, stem, ignore=entry.folder if entry.own_folder else None):
        raise HubError(f"A model named '{stem}' is already in {workspace}: choose another name.")
    folder = workspace / stem
    target = folder / f"{stem}.json"
    if entry.own_folder:
        moves = [(entry.folder, folder), (folder / entry.path.name, target)]
    else:
        moves = [(entry.path, target)] + [(r.path, folder / "runs" / r.path.name)
                                          for r in entry.runs]
    _move_all(moves)
    if entry.project is not None:
        source = None if entry.own_folder else entry.folder  # the same depth: paths hold
        _rewrite(target, _renamed(entry.project, name, source, folder))
    return target


def delete_model(workspace: Path, entry: ModelEntry) -> Trashed:
    """Move a model (its folder, or its file and its runs in a shared folder) into the
    workspace's .trash folder; ``restore`` puts it back."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    bin_ = Path(workspace) / TRASH / f"{stamp} {entry.path.stem}"
    if entry.own_folder:
        parts = [(entry.folder, bin_ / entry.folder.name)]
    else:
        parts = [(p, bin_ / p.relative_to(entry.folder))
                 for p in [entry.path, *(r.path for r in entry.runs)]]
    _move_all(parts)
    return Trashed(entry.name, entry.path, parts)


def restore(trashed: Trashed) -> Path:
    """Put a deleted model back where it was (refused when something took its place)."""
    for original, _ in trashed.moves:
        if original.exists():
            raise HubError(f"Cannot restore '{trashed.name}': {original} exists again.")
    _move_all([(inside, original) for original, inside in trashed.moves])
    for _, inside in trashed.moves:  # the trash folder of this deletion, empty now
        _remove_empty(inside.parent)
    return trashed.project_file


# --- internals ---------------------------------------------------------------------------
def _move_all(moves: list[tuple[Path, Path]]) -> None:
    """Every (source, target) move, or none: a move that fails takes the others back."""
    done: list[tuple[Path, Path]] = []
    try:
        for source, target in moves:
            if source == target:
                continue
            _make_folder(target.parent)
            _move(source, target)
            done.append((source, target))
    except HubError:
        for source, target in reversed(done):
            try:
                os.rename(target, source)
            except OSError:
                pass
        for _, target in moves:  # folders made for the moves, left empty now
            _remove_empty(target.parent)
        raise


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _move(source: Path, target: Path) -> None:
    try:
        if target.exists() and source.resolve() != target.resolve():
            raise HubError(f"Cannot move {source} to {target}: it exists already.")
        os.rename(source, target)
    except OSError as error:
        raise HubError(f"Cannot move {source} to {target}: {error.strerror or error}") from None


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HubError(f"Cannot make the folder {folder}: {error.strerror or error}") from None


def _rewrite(path: Path, data: dict[str, Any]) -> None:
    try:
        write_json_atomic(path, data)
    except OSError as error:
        raise HubError(f"Cannot write {path}: {error.strerror or error}") from None
