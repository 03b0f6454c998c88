"""Undo commands for the parts of a project that are not the graph's nodes and wires.

The data and training sections have no change notifications of their own: a command
swaps the section's value, and whoever shows it compares after each undo step (the
controller's SampleSource rescans when the data section differs, the training form
shows the new values). The graph as a whole is swapped by ReplaceGraphCommand (the
recommended model replaces it), which the scene follows through the document's
``reset``. Each keeps copies, never the caller's objects, so a later change to what
was passed in cannot reach the undo history.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

from PySide6.QtGui import QUndoCommand

from app.project import Project
from components.graph import GraphDocument
from components.serialize import graph_from_dict


class SetDataCommand(QUndoCommand):
    """Swap the project's data section."""

    def __init__(self, project: Project, data: dict[str, Any], text: str = "Set data section"
                 ) -> None:
        super().__init__(text)
        self.project = project
        self.old, self.new = copy.deepcopy(project.data), copy.deepcopy(data)

    def redo(self) -> None:
        self.project.data = copy.deepcopy(self.new)

    def undo(self) -> None:
        self.project.data = copy.deepcopy(self.old)


class SetTrainingCommand(QUndoCommand):
    """Set keys of the project's training section (one or several, one step)."""

    def __init__(self, project: Project, changes: Mapping[str, Any], text: str = "") -> None:
        names = ", ".join(changes)
        super().__init__(text or f"Set training {names}")
        self.project = project
        self.old = project.training
        self.new = project.training.replace(**changes)  # SettingError for a bad value

    def redo(self) -> None:
        self.project.training = self.new

    def undo(self) -> None:
        self.project.training = self.old


class ReplaceGraphCommand(QUndoCommand):
    """Replace the whole graph by a graph section (the recommended model)."""

    def __init__(self, document: GraphDocument, graph: Mapping[str, Any],
                 text: str = "Replace the graph") -> None:
        super().__init__(text)
        graph_from_dict(dict(graph), "recommended graph")  # a bad graph: refused here
        self.document = document
        self.old, self.new = document.snapshot(), copy.deepcopy(dict(graph))

    def redo(self) -> None:
        self.document.replace_with(graph_from_dict(self.new, keep_invalid=True))

    def undo(self) -> None:
        self.document.replace_with(graph_from_dict(self.old, keep_invalid=True))
