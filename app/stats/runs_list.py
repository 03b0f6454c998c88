"""The runs of a project (issue 11 item 4), newest first (Qt).

Reads run directories through app.runs, so a half-written run shows what it has
(its problems in the tooltip) instead of failing the list. Choosing a run emits
``run_chosen`` (the owner shows it in the Statistics and Test views); Resume,
offered for a stopped or interrupted run with a last.pt, emits ``resume_requested``
(the owner starts the child); Compare emits the selected runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app import runs

COLUMNS = ("Run", "Date", "Epochs", "Best val IoU", "Status", "Test IoU")
STATUS_COLORS = {"running": "#1d4ed8", "finished": "#15803d", "stopped": "#a16207",
                 "failed": "#b91c1c", "interrupted": "#b91c1c"}
POLL_MS = 3000
EMPTY = "No runs yet: press Train, and each run appears here."


def row_texts(info: runs.RunInfo) -> list[str]:
    date = info.started.strftime("%Y-%m-%d %H:%M") if info.started else "–"
    epochs = f"{info.epochs_done}/{info.epochs_planned}" if info.epochs_planned \
        else str(info.epochs_done)
    best = (f"{info.best_mean_iou:.3f} (epoch {info.best_epoch})"
            if info.best_mean_iou is not None and info.best_epoch
            else f"{info.best_mean_iou:.3f}" if info.best_mean_iou is not None else "–")
    test = f"{info.test_mean_iou:.3f}" if info.test_mean_iou is not None else "–"
    return [info.name, date, epochs, best, info.status_text, test]


def row_tooltip(info: runs.RunInfo) -> str:
    lines = [str(info.path)]
    if info.device:
        lines.append(f"device: {info.device}")
    if info.message:
        lines.append(info.message)
    if info.interrupted:
        lines.append("The training process is gone without a final event: the run failed "
                     "(interrupted)." + (" Resume continues from last.pt." if info.has_last
                                         else ""))
    lines += info.problems
    return "\n".join(lines)


class RunsList(QWidget):
    """A table of runs with Refresh, Resume and Compare."""

    run_chosen = Signal(str)
    resume_requested = Signal(str)
    compare_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folders: list[Path] = []
        self.active: set[Path] = set()
        self.infos: list[runs.RunInfo] = []
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.empty = QLabel(EMPTY)
        self.refresh_button = QPushButton("Refresh")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the chosen stopped run from its last.pt")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Compare the test metrics of the selected runs")
        self._lay_out()
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.resume_button.clicked.connect(self._resume_clicked)
        self.compare_button.clicked.connect(self._compare_clicked)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.refresh)
        self._selection_changed()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty)
        buttons.addStretch(1)
        for button in (self.refresh_button, self.resume_button, self.compare_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    # --- where the runs are ----------------------------------------------------------
    def set_project(self, project_file: Path | None) -> None:
        """List the runs beside a project file (runs/), or nothing for an unsaved one."""
        self.set_folders([runs.project_runs_folder(project_file)] if project_file else [])

    def set_folders(self, folders: Iterable[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self.refresh()

    def set_active(self, run_dirs: Iterable[Path]) -> None:
        """The runs this window is training now (they read as running whatever the files say)."""
        self.active = {Path(p) for p in run_dirs}
        self.refresh()

    def refresh(self) -> None:
        selected = set(self.selected_paths())
        self.infos = runs.list_runs(self.folders, self.active)
        self.tree.blockSignals(True)
        self.tree.clear()
        for info in self.infos:
            item = QTreeWidgetItem(row_texts(info))
            item.setData(0, Qt.ItemDataRole.UserRole, str(info.path))
            tip = row_tooltip(info)
            for column in range(len(COLUMNS)):
                item.setToolTip(column, tip)
            item.setForeground(4, QBrush(QColor(STATUS_COLORS.get(info.status_text, "#1f2633"))))
            self.tree.addTopLevelItem(item)
            item.setSelected(str(info.path) in selected)
        self.tree.blockSignals(False)
        self.empty.setVisible(not self.infos)
        self._update_buttons()
        running = any(info.status == "running" for info in self.infos)
        if running:
            self.poll.start()
        else:
            self.poll.stop()

    # --- selection ---------------------------------------------------------------------
    def selected_paths(self) -> list[str]:
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self.tree.selectedItems()]

    def select(self, run_dir: Path) -> None:
        """Choose a run by its directory (emits run_chosen, as a click would)."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if Path(item.data(0, Qt.ItemDataRole.UserRole)) == Path(run_dir):
                self.tree.setCurrentItem(item)
                return

    def info(self, run_dir: str | Path) -> runs.RunInfo | None:
        return next((i for i in self.infos if i.path == Path(run_dir)), None)

    def _selection_changed(self) -> None:
        self._update_buttons()
        paths = self.selected_paths()
        if len(paths) == 1:
            self.run_chosen.emit(paths[0])

    def _update_buttons(self) -> None:
        paths = self.selected_paths()
        chosen = self.info(paths[0]) if len(paths) == 1 else None
        self.resume_button.setEnabled(bool(chosen and chosen.resumable))
        self.compare_button.setEnabled(len(paths) >= 2)

    def _resume_clicked(self) -> None:
        paths = self.selected_paths()
        if len(paths) == 1 and (info := self.info(paths[0])) and info.resumable:
            self.resume_requested.emit(paths[0])

    def _compare_clicked(self) -> None:
        paths = self.selected_paths()
        if len(paths) >= 2:
            self.compare_requested.emit(paths)
