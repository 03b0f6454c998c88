"""Project files: the graph, the data section and the training section in one JSON.

Format (see shared DESIGN.md): ``{"format": 1, "name", "graph", "data",
"training"}``, UTF-8, paths relative to the file. Reading collects every
problem with its place in the file; writing is atomic (temp file + rename) so a
crash mid-save never leaves half a project behind.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.data.spec import data_problems, default_data
from app.engine.config import TrainingConfig, training_from_dict
from app.engine.files import atomic_open
from components import registry
from components.base import Role
from components.errors import GraphFormatError, ProjectFileError
from components.graph import GraphDocument
from components.serialize import graph_from_dict, graph_to_dict, json_message

FORMAT_VERSION = 1
TOP_KEYS = ("format", "name", "graph", "data", "training")


@dataclass
class Project:
    """Everything a project file holds; ``path`` is None until saved."""

    name: str = "Untitled"
    graph: GraphDocument = field(default_factory=GraphDocument)
    data: dict[str, Any] = field(default_factory=default_data)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    path: Path | None = None

    @property
    def folder(self) -> Path:
        """Where relative data paths start."""
        return self.path.parent if self.path else Path.cwd()

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "name": self.name, "graph": graph_to_dict(self.graph),
                "data": self.data, "training": self.training.to_dict()}


def _legacy_loss_problems(training: Any, graph: GraphDocument) -> list[str]:
    """Files written before the loss moved to the Target repeat it in ``training``: they
    load when the two agree (the Target's is the one used; saving drops the copy)."""
    if not isinstance(training, dict) or "loss" not in training:
        return []
    loss = training["loss"]
    sinks = graph.nodes_with_role(Role.SINK)
    target = sinks[0] if len(sinks) == 1 else None
    if target is None:
        choices = registry.get("Target").SCHEMA.get("loss").choices
        return [] if loss in choices else [
            f"training.loss: got {loss!r}, expected one of {', '.join(choices)}"]
    if loss != target.settings["loss"]:
        return [f"training.loss: {loss!r} disagrees with the Target's loss "
                f"'{target.settings['loss']}'; the Target's setting is the one used, so make "
                "them equal or drop training.loss"]
    return []


def project_from_dict(data: Any, source: str = "<project>") -> Project:
    """A Project, or ProjectFileError naming ``source`` and every problem."""
    if not isinstance(data, dict):
        raise ProjectFileError(source, ["the file must hold a JSON object"])
    problems = [f"unknown top-level key '{k}' (allowed: {', '.join(TOP_KEYS)})"
                for k in data if k not in TOP_KEYS]
    version = data.get("format")
    if type(version) is not int or version != FORMAT_VERSION:  # true == 1 in Python
        problems.append(f"format: got {version!r}; this version of U-Net Studio reads format "
                        f"{FORMAT_VERSION}")
    name = data.get("name", "Untitled")
    if not isinstance(name, str):
        problems.append("name: expected a string")
    graph = GraphDocument()
    try:
        graph = graph_from_dict(data.get("graph"), "graph", keep_invalid=True)  # to fix it
    except GraphFormatError as error:
        problems.extend(error.problems)
    project_data = data.get("data", default_data())
    problems.extend(data_problems(project_data, "data"))
    training_data = data.get("training", {})
    problems.extend(_legacy_loss_problems(training_data, graph))
    if isinstance(training_data, dict):
        training_data = {k: v for k, v in training_data.items() if k != "loss"}
    training, training_problems = training_from_dict(training_data, "training")
    problems.extend(training_problems)
    if problems:
        raise ProjectFileError(source, problems)
    return Project(name if isinstance(name, str) else "Untitled", graph, project_data, training)


def load_project(path: str | os.PathLike) -> Project:
    """Read a project file; every failure is a ProjectFileError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(str(path), ["file not found"]) from None
    except IsADirectoryError:
        raise ProjectFileError(str(path), ["is a folder, not a project file"]) from None
    except PermissionError:
        raise ProjectFileError(str(path), ["permission denied"]) from None
    except UnicodeDecodeError as error:
        raise ProjectFileError(str(path), [f"not UTF-8 text (byte {error.start})"]) from None
    except OSError as error:
        raise ProjectFileError(str(path), [error.strerror or str(error)]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectFileError(str(path), [f"line {error.lineno}, column {error.colno}: "
                                           f"invalid JSON ({json_message(error)})"]) from None
    except RecursionError:
        raise ProjectFileError(str(path), ["invalid JSON (nested too deeply)"]) from None
    project = project_from_dict(data, str(path))
    project.path = path.resolve()
    return project


def save_project(project: Project, path: str | os.PathLike | None = None) -> Path:
    """Write atomically; returns the path written and remembers it on the project."""
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ValueError("save_project needs a path for a project that was never saved")
    write_json_atomic(target, project.to_dict())
    project.path = target.resolve()
    return project.path


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON next to ``path`` first, then rename over it (see engine/files.py)."""
    with atomic_open(path) as stream:
        json.dump(data, stream, indent=2, allow_nan=False)
        stream.write("\n")
