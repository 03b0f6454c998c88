"""The hub's list: one row per model (its graph's picture, name, last change, runs, best
validation IoU) with its runs as child rows (date, epochs, best IoU, status).

Several rows can be selected, across models, so that runs of one model or of several
can be compared. Pictures are cached by file and modification time: refreshing the
list after a rename repaints nothing that did not change.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from app.hub.workspace import ModelEntry
from app.runs import RunInfo
from app.stats.runs_list import STATUS_COLORS, row_texts, row_tooltip

from .hub_thumbnail import graph_pixmap

COLUMNS = ("Model / run", "Modified / started", "Runs / epochs", "Best val IoU", "Status",
           "Test IoU")
THUMB = QSize(112, 64)
MODEL, RUN = "model", "run"
ERROR_COLOR = "#b91c1c"
MUTED = "#6a7384"


def model_texts(entry: ModelEntry) -> list[str]:
    count = len(entry.runs)
    runs = f"{count} run{'s' if count != 1 else ''}" if count else "no runs"
    best = f"{entry.best_mean_iou:.3f}" if entry.best_mean_iou is not None else "–"
    status = "cannot be read" if entry.error else ""
    return [entry.name, entry.modified.strftime("%Y-%m-%d %H:%M"), runs, best, status]


class ModelTree(QTreeWidget):
    """Models and their runs; emits ``model_activated`` on double-click or Enter."""

    model_activated = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(COLUMNS)
        self.setIconSize(THUMB)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(False)
        self.setUniformRowHeights(False)
        self.setExpandsOnDoubleClick(False)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.entries: list[ModelEntry] = []
        self._pictures: dict[tuple[str, float], QPixmap] = {}
        self.itemActivated.connect(self._activated)

    # --- filling --------------------------------------------------------------------
    def show_models(self, entries: list[ModelEntry]) -> None:
        """Show these models in this order, keeping the selection where rows stay."""
        chosen = set(self.selected_keys())
        current = self.current_key()
        self.entries = list(entries)
        self.blockSignals(True)
        self.clear()
        for entry in entries:
            item = self._model_item(entry)
            self.addTopLevelItem(item)
            for info in entry.runs:
                item.addChild(self._run_item(info))
            item.setExpanded(True)
        self.blockSignals(False)
        for item in self._items():
            key = _key(item)
            item.setSelected(key in chosen)
            if key == current:
                self.setCurrentItem(item, 0, self.selectionModel().SelectionFlag.NoUpdate)
        self.itemSelectionChanged.emit()

    def _model_item(self, entry: ModelEntry) -> QTreeWidgetItem:
        item = QTreeWidgetItem(model_texts(entry))
        _set_key(item, MODEL, entry.path)
        item.setIcon(0, QIcon(self.picture(entry)))
        font = QFont(item.font(0))
        font.setBold(True)
        item.setFont(0, font)
        tip = f"{entry.path}\n{entry.node_count} nodes · {entry.edge_count} wires"
        if entry.error:
            tip = f"{entry.path}\nThis file cannot be opened: {entry.error}"
            item.setForeground(4, QBrush(QColor(ERROR_COLOR)))
        for column in range(len(COLUMNS)):
            item.setToolTip(column, tip)
        item.setSizeHint(0, QSize(0, THUMB.height() + 8))
        return item

    def _run_item(self, info: RunInfo) -> QTreeWidgetItem:
        item = QTreeWidgetItem(row_texts(info))  # the runs list's words
        _set_key(item, RUN, info.path)
        tip = row_tooltip(info)
        for column in range(len(COLUMNS)):
            item.setToolTip(column, tip)
        item.setForeground(4, QBrush(QColor(STATUS_COLORS.get(info.status_text, "#1f2633"))))
        item.setForeground(0, QBrush(QColor(MUTED)))
        return item

    def picture(self, entry: ModelEntry, size: QSize = THUMB) -> QPixmap:
        """The graph's picture (cached by file, modification time and size)."""
        key = (f"{entry.path}@{size.width()}x{size.height()}", entry.modified.timestamp())
        if key not in self._pictures:
            graph = (entry.project or {}).get("graph")
            self._pictures[key] = graph_pixmap(graph, size, broken=entry.project is None,
                                               ratio=self.devicePixelRatioF())
        return self._pictures[key]

    # --- reading the selection ----------------------------------------------------------
    def _items(self) -> list[QTreeWidgetItem]:
        found = []
        for index in range(self.topLevelItemCount()):
            model = self.topLevelItem(index)
            found.append(model)
            found += [model.child(i) for i in range(model.childCount())]
        return found

    def selected_keys(self) -> list[tuple[str, str]]:
        return [_key(item) for item in self.selectedItems()]

    def current_key(self) -> tuple[str, str] | None:
        item = self.currentItem()
        return _key(item) if item is not None else None

    def model_of(self, item: QTreeWidgetItem | None) -> ModelEntry | None:
        if item is None:
            return None
        if item.parent() is not None:
            item = item.parent()
        path = Path(_key(item)[1])
        return next((e for e in self.entries if e.path == path), None)

    def chosen_model(self) -> ModelEntry | None:
        """The model the actions work on: the one of the current row, if it is selected,
        or of the only selected row."""
        items = self.selectedItems()
        models = {id(m): m for m in (self.model_of(i) for i in items) if m is not None}
        return next(iter(models.values())) if len(models) == 1 else None

    def selected_runs(self) -> list[Path]:
        return [Path(path) for kind, path in self.selected_keys() if kind == RUN]

    def select_model(self, path: Path) -> bool:
        for index in range(self.topLevelItemCount()):
            item = self.topLevelItem(index)
            if Path(_key(item)[1]) == Path(path):
                self.clearSelection()
                self.setCurrentItem(item)
                item.setSelected(True)
                self.scrollToItem(item)
                return True
        return False

    def model_names(self) -> list[str]:
        """The model rows as they read, top to bottom (what the tests check)."""
        return [self.topLevelItem(i).text(0) for i in range(self.topLevelItemCount())]

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        model = self.model_of(item)
        if model is not None:
            self.model_activated.emit(str(model.path))


KIND_ROLE, PATH_ROLE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


def _set_key(item: QTreeWidgetItem, kind: str, path: Path) -> None:
    item.setData(0, KIND_ROLE, kind)
    item.setData(0, PATH_ROLE, str(path))


def _key(item: QTreeWidgetItem) -> tuple[str, str]:
    return item.data(0, KIND_ROLE), item.data(0, PATH_ROLE)
