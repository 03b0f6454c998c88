"""The models of a workspace folder and their runs, as far as they can be read (Qt-free).

A workspace is a folder of models. A model is a project file: either in a folder of
its own (``<workspace>/<name>/<name>.json``, what the hub creates, so that its runs,
in ``runs/`` beside the file, are its own) or directly in the workspace (a file a
person dropped there). Runs in a ``runs/`` folder that several project files share
belong to the project whose name their ``project.json`` snapshot carries.

Reading never raises: a project file that cannot be read is listed with its error
(so it can be renamed, deleted or fixed by hand), a damaged run shows what it has
(app/runs.py), and a workspace that is gone or read-only says so in ``problem``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from app import runs
from app.project import project_from_dict
from components.errors import ProjectFileError
from components.serialize import json_message

TRASH = ".trash"
SKIPPED_FOLDERS = {"runs", "__pycache__"}
MAX_PROJECT_BYTES = 8 * 1024 * 1024   # a larger .json is data (annotations), not a project
PROJECT_KEYS = ("format", "graph")    # a JSON object with neither is some other file
SORTS = ("modified", "name", "best")
NOT_AN_OBJECT = "the file must hold a JSON object"


@dataclass
class ModelEntry:
    """One project file of the workspace, and what the hub shows of it."""

    path: Path
    name: str
    modified: datetime
    error: str | None = None
    project: dict[str, Any] | None = None     # the file's JSON when it could be read
    own_folder: bool = False                  # the only project in a folder of its own
    runs: list[runs.RunInfo] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def readable(self) -> bool:
        return self.error is None

    @property
    def node_count(self) -> int:
        graph = (self.project or {}).get("graph") or {}
        return len(graph.get("nodes") or [])

    @property
    def edge_count(self) -> int:
        graph = (self.project or {}).get("graph") or {}
        return len(graph.get("edges") or [])

    @property
    def best_mean_iou(self) -> float | None:
        scores = [r.best_mean_iou for r in self.runs if r.best_mean_iou is not None]
        return max(scores, default=None)


@dataclass
class Listing:
    """A workspace as read now: its models, and what is wrong with the folder itself."""

    folder: Path
    models: list[ModelEntry] = field(default_factory=list)
    problem: str | None = None     # gone, not a folder, unreadable
    writable: bool = True

    def find(self, path: Path) -> ModelEntry | None:
        path = Path(path).resolve()
        return next((m for m in self.models if m.path.resolve() == path), None)


def folder_problem(folder: Path) -> str | None:
    """Why a workspace folder cannot be listed, or None."""
    folder = Path(folder)
    if not folder.exists():
        return (f"The workspace folder {folder} is not there (deleted, moved, or on a drive "
                "that is not connected). Choose another folder.")
    if not folder.is_dir():
        return f"The workspace {folder} is a file, not a folder. Choose a folder."
    if not os.access(folder, os.R_OK | os.X_OK):
        return f"The workspace folder {folder} cannot be read (permission denied)."
    return None


def writable(folder: Path) -> bool:
    """Whether models can be created, renamed and deleted in the folder."""
    return os.access(folder, os.W_OK | os.X_OK)


def read_workspace(folder: Path, active: Iterable[Path] = ()) -> Listing:
    """Every model of the workspace with its runs; ``active`` are runs being driven now."""
    folder = Path(folder)
    listing = Listing(folder, problem=folder_problem(folder))
    if listing.problem:
        listing.writable = False
        return listing
    listing.writable = writable(folder)
    active = list(active)
    for group, files in _json_files(folder).items():
        entries = [e for e in map(read_model, files) if _is_project(e)]
        shared = len(entries) > 1 or group == folder
        for entry in entries:
            entry.own_folder = not shared
            entry.runs = model_runs(entry, shared, active)
        listing.models += entries
    return listing


def read_model(path: Path) -> ModelEntry:
    """One project file: its name and JSON, or the error that stops it opening."""
    path = Path(path)
    entry = ModelEntry(path=path, name=path.stem, modified=_modified(path))
    data, error = read_project_json(path)
    if error is not None:
        entry.error = error
        return entry
    entry.project = data
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        entry.name = name
    try:
        project_from_dict(data, str(path))
    except ProjectFileError as problem:
        entry.error = "; ".join(problem.problems)
    return entry


def model_runs(entry: ModelEntry, shared: bool, active: Iterable[Path] = ()) -> list[runs.RunInfo]:
    """The runs of a model: its folder's runs/, or in a shared folder the runs whose
    snapshot carries the model's name."""
    found = runs.list_runs([runs.project_runs_folder(entry.path)], active)
    if not shared:
        return found
    return [info for info in found if _snapshot_name(info.path) == entry.name]


def filter_models(models: Iterable[ModelEntry], text: str) -> list[ModelEntry]:
    """The models whose name or file name holds ``text`` (any case; every word)."""
    words = text.casefold().split()
    return [m for m in models
            if all(w in m.name.casefold() or w in m.path.name.casefold() for w in words)]


def sort_models(models: Iterable[ModelEntry], key: str) -> list[ModelEntry]:
    """By "modified" (newest first), "name" (A to Z) or "best" (best validation IoU
    first, models without a scored run last)."""
    models = list(models)
    if key == "name":
        return sorted(models, key=lambda m: (m.name.casefold(), str(m.path)))
    if key == "best":
        return sorted(models, key=lambda m: (m.best_mean_iou is None, -(m.best_mean_iou or 0.0),
                                             m.name.casefold()))
    return sorted(models, key=lambda m: (-m.modified.timestamp(), m.name.casefold()))


# --- internals ---------------------------------------------------------------------------
def _json_files(folder: Path) -> dict[Path, list[Path]]:
    """.json files by the folder they are in: the workspace's own and those of its
    sub-folders (one level); hidden entries, the trash and run folders left out."""
    groups: dict[Path, list[Path]] = {}
    for child in _entries(folder):
        if child.is_dir() and child.name not in SKIPPED_FOLDERS:
            files = [f for f in _entries(child) if _json_file(f)]
            if files:
                groups[child] = files
        elif _json_file(child):
            groups.setdefault(folder, []).append(child)
    return groups


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(c for c in folder.iterdir() if not c.name.startswith("."))
    except OSError:
        return []


def _json_file(path: Path) -> bool:
    """A .json file small enough to be a project file."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        return path.stat().st_size <= MAX_PROJECT_BYTES
    except OSError:
        return True  # listed with the error reading it gives


def _is_project(entry: ModelEntry) -> bool:
    """A project file, or one that cannot be read (it may be a damaged one); valid JSON
    that is not an object, or an object with neither "format" nor "graph", is some other
    file (classes, annotations) and left out."""
    if entry.project is None:
        return entry.error != NOT_AN_OBJECT
    return any(key in entry.project for key in PROJECT_KEYS)


def read_project_json(path: Path) -> tuple[dict[str, Any], str | None]:
    """A JSON object, or the reason it is not one, in the words the project loader uses."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return {}, f"not UTF-8 text (byte {error.start})"
    except OSError as error:
        return {}, error.strerror or str(error)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return {}, (f"line {error.lineno}, column {error.colno}: invalid JSON "
                    f"({json_message(error)})")
    except RecursionError:
        return {}, "invalid JSON (nested too deeply)"
    if not isinstance(data, dict):
        return {}, NOT_AN_OBJECT
    return data, None


def _modified(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return datetime.fromtimestamp(0)


def _snapshot_name(run_dir: Path) -> str | None:
    snapshot = runs.read_json(run_dir / runs.PROJECT_FILE) or {}
    name = snapshot.get("name")
    return name if isinstance(name, str) else None
