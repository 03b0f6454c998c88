"""Widgets of the data wizard: the scan job, the tables and grids of what was found.

Each part shows one thing and reports edits through signals; the dialog
(data_wizard.py) owns the project, the scan results and the undo step.
"""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap, QUndoStack
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QGridLayout, QGroupBox, QHeaderView,
                               QLabel, QListView, QListWidget, QListWidgetItem, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.data.augment import DESCRIPTIONS
from app.data.dataset import sample_refs
from app.data.dataset_info import DataSet
from app.data.masks import unpack
from app.data.preview import Thumbnail, thumbnails
from app.data.problems import ScanCancelled
from app.data.scan import scan
from app.data.spec import AUGMENTATIONS, ClassInfo
from app.data.split import SPLITS
from app.panels.data_wizard_text import skip_text, summary_text
from app.project import Project
from app.project_commands import SetDataCommand
from components.errors import StudioError

WARNING_STYLE = "color: #b45309;"
ERROR_STYLE = "color: #b91c1c; font-weight: bold;"


def pixmap(rgb: np.ndarray) -> QPixmap:
    """A QPixmap holding its own copy of an (h, w, 3) uint8 array."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())


def apply_data(project: Project, undo_stack: QUndoStack, data: dict[str, Any],
               input_shape: tuple[int, int, int], classes: int) -> None:
    """One undoable step: the data section, the Input's shape, the Target's classes."""
    from canvas.commands import SetSettingCommand

    channels, height, width = input_shape
    wanted = {"Input": {"channels": channels, "height": height, "width": width},
              "Target": {"classes": classes}}
    graph = project.graph
    undo_stack.beginMacro("Set up data")
    undo_stack.push(SetDataCommand(project, data))
    for node in graph.nodes:
        settings = dict(wanted.get(node.type, {}))
        imagenet = node.settings.get("normalization") == "imagenet"
        if node.type == "Input" and channels != 3 and imagenet:
            settings["normalization"] = "per_image"  # ImageNet statistics need 3 channels
        for name, value in settings.items():
            if node.settings.get(name) != value:
                undo_stack.push(SetSettingCommand(graph, node.id, name, value))
    undo_stack.endMacro()


# --- the scan, off the GUI thread -------------------------------------------------------
class ScanSignals(QObject):
    progress = Signal(int, int, int, str)   # job, done, total, message
    finished = Signal(int, object, object)  # job, DataSet, thumbnails
    failed = Signal(int, str)               # job, message (cancelled: "")


class ScanJob(QRunnable):
    """Scans a data section and makes the thumbnails, on a QThreadPool thread."""

    def __init__(self, job: int, data: dict[str, Any], base: Path, signals: ScanSignals,
                 thumbs: int = 12) -> None:
        super().__init__()
        self.job, self.data, self.base, self.signals, self.thumbs = job, data, base, signals, thumbs
        self.cancel = threading.Event()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            dataset = scan(self.data, self.base, progress=self._progress, cancel=self.cancel)
            pictures = self._thumbnails(dataset)
        except ScanCancelled:
            self.signals.failed.emit(self.job, "")
        except StudioError as error:  # a person's mistake: its message names the place
            self.signals.failed.emit(self.job, str(error))
        except Exception as error:  # noqa: BLE001 - shown to the person, never a crash
            self.signals.failed.emit(self.job, f"unexpected error while reading the data "
                                     f"({type(error).__name__}: {error})")
        else:
            self.signals.finished.emit(self.job, dataset, pictures)

    def _progress(self, done: int, total: int, message: str) -> None:
        self.signals.progress.emit(self.job, done, total, message)

    def _thumbnails(self, dataset: DataSet) -> list[Thumbnail]:
        try:
            return thumbnails(dataset, self.thumbs)
        except Exception:  # noqa: BLE001 - a file changed since the scan: no pictures, no crash
            return []


# --- what was found -----------------------------------------------------------------------
class CountsPanel(QGroupBox):
    """Pairs and samples per split, image sizes and depth, and the scan's notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Counts per split", parent)
        self.table = QTableWidget(4, 2, self)
        self.table.setHorizontalHeaderLabels(["Pairs", "Samples"])
        self.table.setVerticalHeaderLabels([*SPLITS, "total"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFixedHeight(self.table.verticalHeader().length()
                                  + self.table.horizontalHeader().height() + 4)
        self.sizes, self.notes = QLabel(self), QLabel(self)
        for label in (self.sizes, self.notes):
            label.setWordWrap(True)
        self.notes.setStyleSheet(WARNING_STYLE)
        layout = QVBoxLayout(self)
        for widget in (self.table, self.sizes, self.notes):
            layout.addWidget(widget)

    def show_dataset(self, dataset: DataSet, size: tuple[int, int]) -> None:
        rows = []
        for split in SPLITS:
            pairs = dataset.split_pairs(split)
            rows.append((len(pairs), len(sample_refs(pairs, dataset.spec.fit, size))))
        rows.append((sum(r[0] for r in rows), sum(r[1] for r in rows)))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        sizes = Counter(dataset.sizes())
        listed = ", ".join(f"{w}×{h} ({n})" for (w, h), n in sizes.most_common(4))
        more = f" and {len(sizes) - 4} other sizes" if len(sizes) > 4 else ""
        depth = " and ".join(f"{b}-bit" for b in sorted({p.bits for p in dataset.pairs})) or "none"
        colour = "colour" if dataset.channels == 3 else "gray"
        fit = "cut into tiles of" if dataset.spec.fit == "tile" else "resized to"
        self.sizes.setText(f"Image sizes: {listed}{more}\nImages: {colour}, {depth}; samples "
                           f"are {fit} {size[0]}×{size[1]}" if dataset.pairs
                           else "No image could be read.")
        self.notes.setText("\n".join(dataset.notes))
        self.notes.setVisible(bool(dataset.notes))

    def clear(self) -> None:
        """Nothing was scanned: no counts of an older source may stay on show."""
        for row in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                self.table.setItem(row, column, QTableWidgetItem(""))
        self.sizes.setText("")
        self.notes.setText("")
        self.notes.setVisible(False)


class ProblemsPanel(QGroupBox):
    """Every problem found, and the choice to skip the bad pairs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)  # wrapped problems must not run together
        self.list.setSpacing(2)
        self.skip_box = QCheckBox(self)
        layout = QVBoxLayout(self)
        for widget in (self.summary, self.list, self.skip_box):
            layout.addWidget(widget)

    def show_dataset(self, dataset: DataSet) -> None:
        self.list.clear()
        for problem in dataset.problems:
            item = QListWidgetItem(str(problem))
            item.setToolTip(str(problem))
            self.list.addItem(item)
        blocking = any(not p.skippable for p in dataset.problems)
        style = ERROR_STYLE if blocking else WARNING_STYLE if dataset.problems else ""
        self.say(summary_text(dataset), style)
        self.skip_box.setText(skip_text(dataset))
        self.skip_box.setVisible(bool(dataset.bad_keys))

    def show_failure(self, message: str) -> None:
        """The source could not be scanned: say why, and list nothing of an older scan."""
        self.list.clear()
        self.skip_box.setVisible(False)
        self.say(message, ERROR_STYLE)

    def say(self, text: str, style: str) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(style)


class ThumbnailGrid(QListWidget):
    """Image/mask pairs, the mask drawn over the image, labelled with split and name."""

    def __init__(self, box: int = 150, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(box, box))
        self.setGridSize(QSize(box + 44, box + 40))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)

    def show_pictures(self, pictures: Sequence[tuple[str, str, np.ndarray]]) -> None:
        """(label, tooltip, rgb) per picture."""
        self.clear()
        for label, tip, rgb in pictures:
            item = QListWidgetItem(QIcon(pixmap(rgb)), label)
            item.setToolTip(tip)
            self.addItem(item)


class ClassTable(QTableWidget):
    """One row per class: colour, name (editable), mask value, pixels, pairs per split."""

    edited = Signal()          # a name or display colour changed
    table_edited = Signal()    # a colour-table entry changed: scan again
    HEADERS = ("Colour", "Name", "Mask value", "Pixels", "Pairs: train/val/test")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        self.setColumnWidth(0, 48)
        self.classes: list[ClassInfo] = []
        self.table_values: list[str] = []
        self._filling = False
        self.itemChanged.connect(self._item_changed)
        self.cellDoubleClicked.connect(self._double_clicked)

    def clear(self) -> None:
        self.classes, self.table_values = [], []
        self.setRowCount(0)

    def show_classes(self, dataset: DataSet, classes: list[ClassInfo]) -> None:
        if not dataset.pairs:  # no mask was read: there is nothing to say about classes
            self.clear()
            return
        self._filling = True
        self.classes = list(classes)
        ignored = dataset.ignored_pixels()
        self.setRowCount(len(classes) + (dataset.ignore_index is not None))
        pixels = dataset.class_pixels()
        total = max(1, sum(pixels) + ignored)
        per_split = [dataset.pairs_with_class(s) for s in ("train", "val", "test")]
        self.table_values = [self._value(dataset, i) for i in range(len(classes))]
        for row, info in enumerate(classes):
            count = pixels[row] if row < len(pixels) else 0
            cells = ("", info.name, self.table_values[row], f"{100 * count / total:.2f} %",
                     " / ".join(str(s[row]) if row < len(s) else "0" for s in per_split))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                editable = column == 1 or (column == 2 and dataset.decoder.kind == "colors")
                if not editable:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.setItem(row, column, item)
            self.item(row, 0).setBackground(QColor(*info.color))
            self.item(row, 0).setToolTip("Double-click to choose the display colour")
        if dataset.ignore_index is not None:
            self._ignore_row(dataset, len(classes), f"{100 * ignored / total:.2f} %")
        self._filling = False

    def _ignore_row(self, dataset: DataSet, row: int, share: str) -> None:
        """The ignored pixels, hatched as in the pictures: not a class, left out of training."""
        decoder = dataset.decoder
        value = (", ".join(map(str, unpack(decoder.ignore))) if decoder.encoding == "color"
                 else str(decoder.ignore))
        for column, text in enumerate(("", "ignored (not a class)", value, share, "")):
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(f"Left out of training and metrics: {dataset.ignore_reason}")
            self.setItem(row, column, item)
        self.item(row, 0).setBackground(QBrush(QColor(90, 90, 90), Qt.BrushStyle.BDiagPattern))

    @staticmethod
    def _value(dataset: DataSet, index: int) -> str:
        decoder = dataset.decoder
        if decoder.kind == "colors":
            code = decoder.table[index]
            return ", ".join(map(str, unpack(code))) if decoder.encoding == "color" else str(code)
        if decoder.kind == "binary":
            names = ("0", "255 or 1") if decoder.encoding == "values" else ("black", "white")
            return names[index]
        if decoder.kind == "instances":
            return "(from instance ids)"
        return str(index)

    def set_color(self, row: int, color: tuple[int, int, int]) -> None:
        self.classes[row] = ClassInfo(self.classes[row].name, tuple(color))
        self.item(row, 0).setBackground(QColor(*color))
        self.edited.emit()

    def table(self, encoding: str) -> list | None:
        """The colour table as edited: [[r, g, b], ...] or gray values; None if unreadable."""
        parsed = []
        for text in self.table_values:
            parts = [p.strip() for p in text.split(",")]
            wanted = 3 if encoding == "color" else 1
            if not all(p.isdigit() for p in parts) or len(parts) != wanted:
                return None
            values = [int(p) for p in parts]
            parsed.append(values if encoding == "color" else values[0])
        return parsed

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        if item.column() == 1 and item.text().strip():
            row = item.row()
            self.classes[row] = ClassInfo(item.text().strip(), self.classes[row].color)
            self.edited.emit()
        elif item.column() == 2 and item.row() < len(self.table_values):
            self.table_values[item.row()] = item.text()
            self.table_edited.emit()

    def _double_clicked(self, row: int, column: int) -> None:
        if column != 0 or row >= len(self.classes):
            return
        chosen = QColorDialog.getColor(QColor(*self.classes[row].color), self, "Class colour")
        if chosen.isValid():
            self.set_color(row, (chosen.red(), chosen.green(), chosen.blue()))


class AugmentPanel(QWidget):
    """On/off switches for each augmentation, with what it does."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for index, name in enumerate(AUGMENTATIONS):
            box = QCheckBox(f"{name}: {DESCRIPTIONS[name]}", self)
            box.toggled.connect(self.changed)
            layout.addWidget(box, index // 2, index % 2)
            self.boxes[name] = box

    def load(self, options: dict[str, bool]) -> None:
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(options.get(name)))
            box.blockSignals(False)

    def options(self) -> dict[str, bool]:
        return {name: box.isChecked() for name, box in self.boxes.items()}
