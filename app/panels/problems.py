"""The Problems tab: every problem and note the compiler reports, one row each.

Double-clicking a row selects that node and centres the canvas on it, so a red
outline somewhere in a large graph is one click away.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from canvas import theme
from components.compiler import Analysis

NODE_ROLE = Qt.ItemDataRole.UserRole
NODE_COLUMN_MAX = 220  # px: a very long node id is elided, the problem text stays in view


class ProblemsPanel(QTreeWidget):
    """Problems first, then notes (warnings); empty means the graph compiles."""

    node_requested = Signal(str)
    count_changed = Signal(int, int)  # problems, warnings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["", "Node", "Problem"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header.setStretchLastSection(True)
        self.itemDoubleClicked.connect(self._on_double_click)

    def show_analysis(self, analysis: Analysis, extra: Sequence[tuple[str, str]] = ()) -> None:
        """The analysis's problems and notes; ``extra`` adds (place, message) errors that
        are not the graph's (Train refused: the data's unreported problems)."""
        self.clear()
        rows = [("Error", theme.ERROR, p) for p in analysis.problems]
        rows += [("Note", theme.WARNING, w) for w in analysis.warnings]
        for kind, color, problem in rows:
            item = QTreeWidgetItem(self, [kind, problem.node_id or "graph", problem.message])
            item.setForeground(0, QBrush(color))
            item.setData(0, NODE_ROLE, problem.node_id)
            item.setToolTip(1, problem.node_id or "")
            item.setToolTip(2, problem.message)
        for place, message in extra:
            item = QTreeWidgetItem(self, ["Error", place, message])
            item.setForeground(0, QBrush(theme.ERROR))
            item.setToolTip(1, place)
            item.setToolTip(2, message)
        if not rows and not extra:
            item = QTreeWidgetItem(self, ["OK", "", "No problems: the graph compiles."])
            item.setForeground(0, QBrush(theme.OK))
        self.resizeColumnToContents(1)
        self.setColumnWidth(1, min(self.columnWidth(1), NODE_COLUMN_MAX))
        self.count_changed.emit(len(analysis.problems) + len(extra), len(analysis.warnings))

    def _on_double_click(self, item: QTreeWidgetItem, column: int) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.node_requested.emit(node_id)
