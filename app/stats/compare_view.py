"""Run comparison (issue 13 item 2): the curves of two or more runs overlaid, and beside
them only what differs between the projects they trained ("diff only").

The differences come from each run directory's project.json snapshot through the
Qt-free app/hub/diff.py; a run without one is named, and its column reads "?".
The Statistics view shows this in its Compare tab (``StatisticsView.compare_runs``);
the Model hub shows it in a window of its own.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QHeaderView, QLabel, QSplitter, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from app.hub.diff import ABSENT, Difference, read_snapshot, run_differences, run_labels

from .compare_curves import CompareCurves, run_color

SECTION_TITLES = {"node": "Nodes added or removed", "setting": "Node settings",
                  "wire": "Wires", "training": "Training", "data": "Data"}
SAME = "The projects of these runs are the same: every setting, node, wire and data key."
MUTED = QColor("#6a7384")


def swatch_icon(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class DifferencesPanel(QWidget):
    """A table of what differs: one row per setting (grouped by section), one column per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("<b>What differs</b>")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #6a7384;")
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        self.differences: list[Difference] = []

    def show_differences(self, differences: Sequence[Difference], labels: Sequence[str],
                         problems: Sequence[str] = ()) -> None:
        self.differences = list(differences)
        self.tree.clear()
        self.tree.setColumnCount(1 + len(labels))
        header = QTreeWidgetItem(["Setting", *labels])
        for index, label in enumerate(labels):
            header.setIcon(index + 1, swatch_icon(run_color(index)))
            header.setToolTip(index + 1, label)
        self.tree.setHeaderItem(header)
        head = self.tree.header()  # the runs share the width; long values are elided
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in range(1, len(labels) + 1):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        head.setStretchLastSection(True)
        section = None
        for difference in differences:
            if difference.section != section:
                section = difference.section
                self._section_row(SECTION_TITLES[section], len(labels))
            item = QTreeWidgetItem([difference.short_label, *difference.texts()])
            item.setToolTip(0, difference.label)
            for column, text in enumerate(difference.texts(), start=1):
                item.setToolTip(column, f"{labels[column - 1]}: {text}")
            for column, value in enumerate(difference.values, start=1):
                if value is ABSENT:
                    item.setForeground(column, QBrush(MUTED))
            self.tree.addTopLevelItem(item)
        count = len(differences)
        words = f"{count} difference{'s' if count != 1 else ''} between {len(labels)} runs" \
            if count else SAME
        self.note.setText("  ".join([words, *problems]))

    def _section_row(self, title: str, runs: int) -> None:
        item = QTreeWidgetItem([title] + [""] * runs)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.tree.addTopLevelItem(item)
        item.setFirstColumnSpanned(True)

    def rows(self) -> list[tuple[str, list[str]]]:
        """(setting, the value in each run) of every difference listed (for tests)."""
        return [(d.label, d.texts()) for d in self.differences]


class CompareView(QWidget):
    """Curves of several runs | what differs between their projects."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves = CompareCurves()
        self.differences = DifferencesPanel()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.curves)
        split.addWidget(self.differences)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 460])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.run_dirs: list[Path] = []

    def set_runs(self, run_dirs: Sequence[Path]) -> None:
        """Compare these run directories (two or more; one shows its curves alone)."""
        self.run_dirs = [Path(p) for p in run_dirs]
        snapshots = [read_snapshot(path) for path in self.run_dirs]
        labels = run_labels(snapshots)
        self.curves.set_runs(self.run_dirs, labels)
        problems = [s.problem for s in snapshots if s.problem]
        self.differences.show_differences(run_differences(snapshots), labels, problems)
