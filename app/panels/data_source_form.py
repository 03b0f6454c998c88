"""The data wizard's source form: where the data is, how to read it, the Input's shape.

Edits are reported as ``changed(other_data)``; the dialog decides when to scan.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget)

from app.data.spec import DEFAULT_SPLIT, IGNORE_AUTO, IGNORE_NONE, INSTANCE_MODES, MASK_KINDS

SOURCES = (("Two folders: images and masks", "folders"),
           ("One folder with train/ val/ test/", "split"),
           ("CSV file with image and mask columns", "csv"),
           ("Demo: nuclei microscopy sample", "nuclei"),
           ("Demo: synthetic shapes", "shapes"))
FITS = (("Resize to the Input size", "resize"), ("Cut into Input-size tiles", "tile"))


class PathField(QWidget):
    """A line edit with a Browse button (folder or file)."""

    changed = Signal()

    def __init__(self, folder: bool, base: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder, self.base = folder, base
        self.edit = QLineEdit(self)
        self.edit.editingFinished.connect(self._finished)
        self._last = ""
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self._last = self.text()

    def _finished(self) -> None:
        """Only a real change asks for a new scan (leaving the field is not one). A typed
        absolute path is shown (and saved) as the project file keeps it: relative."""
        if self.text() and Path(self.text()).expanduser().is_absolute():
            self.edit.setText(relative(Path(self.text()).expanduser(), self.base))
        if self.text() != self._last:
            self._last = self.text()
            self.changed.emit()

    def _browse(self) -> None:
        base = self.base or Path.cwd()
        start = str(base / self.text()) if self.text() else str(base)
        if self.folder:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        else:
            chosen = QFileDialog.getOpenFileName(self, "Choose a CSV file", start,
                                                 "CSV files (*.csv);;All files (*)")[0]
        if chosen:
            self.set_text(relative(Path(chosen), self.base))
            self.changed.emit()


def relative(path: Path, base: Path | None) -> str:
    """A path as the project file stores it: relative to the project folder (``../data``
    too), so a project moved together with its data still finds it.

    Absolute only when the project was never saved (it has no folder yet) or the path
    is on another drive (Windows has no relative path between drives).
    """
    if base is None:
        return path.as_posix()
    try:
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base))).as_posix()
    except ValueError:
        return path.as_posix()


class SourceForm(QWidget):
    """Where the data is and how to read it.

    ``changed(other_data)`` asks for a new scan; ``other_data`` is True when the
    source, the paths or the mask reading changed, so class names found for the
    old data no longer apply.
    """

    changed = Signal(bool)
    input_changed = Signal()

    def __init__(self, base: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.source = QComboBox(self)
        for label, key in SOURCES:
            self.source.addItem(label, key)
        self.images, self.masks = PathField(True, base, self), PathField(True, base, self)
        self.keep_split = QCheckBox("they hold train/ val/ test/ sub-folders: keep that split",
                                    self)
        self.root, self.csv = PathField(True, base, self), PathField(False, base, self)
        self.image_column, self.mask_column = QLineEdit("image", self), QLineEdit("mask", self)
        self.kind, self.instances = QComboBox(self), QComboBox(self)
        self.kind.addItems(MASK_KINDS)
        self.ignore = QComboBox(self)
        self.ignore.setEditable(True)
        self.ignore.addItems([IGNORE_AUTO, IGNORE_NONE, "255"])
        self.ignore.setToolTip("Mask value (or 'r, g, b' colour) of pixels to leave out of "
                               "training and metrics, such as VOC's 255 border; 'auto' proposes "
                               "one when the masks have such a border")
        self.instances.addItems(INSTANCE_MODES)
        self.fit = QComboBox(self)
        for label, key in FITS:
            self.fit.addItem(label, key)
        self.split = [self._fraction(v) for v in DEFAULT_SPLIT]
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.split_note = QLabel("kept from the train/ val/ test/ folders", self)
        self._last_ignore = IGNORE_AUTO
        self.channels = QComboBox(self)
        self.channels.addItem("1 (gray)", 1)
        self.channels.addItem("3 (colour)", 3)
        self.height, self.width = self._side(), self._side()
        rows = (("Source", self.source), ("Images folder", self.images),
                ("Masks folder", self.masks),
                ("", self.keep_split),
                ("Folder", self.root), ("CSV file", self.csv), ("Image column", self.image_column),
                ("Mask column", self.mask_column), ("Mask kind", self.kind),
                ("Ignore pixels", self.ignore),
                ("Instances become", self.instances), ("Image size", self.fit),
                ("Split", self.split_note),
                ("Split train/val/test", self._row(*self.split)), ("Split seed", self.seed),
                ("Input channels", self.channels),
                ("Input height × width", self._row(self.height, self.width)))
        for label, widget in rows:
            form.addRow(label, widget)
        self._connect()
        self._show_rows()

    def _fraction(self, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(0.0, 1.0)
        box.setSingleStep(0.05)
        box.setDecimals(2)
        box.setValue(value)
        return box

    def _side(self) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(8, 8192)
        box.setSingleStep(16)
        box.setValue(256)
        return box

    def _row(self, *widgets: QWidget) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            layout.addWidget(widget)
        return row

    def _connect(self) -> None:
        for combo in (self.source, self.kind, self.instances):
            combo.currentIndexChanged.connect(self._edited)
        self.fit.currentIndexChanged.connect(lambda: self.changed.emit(False))
        for field in (self.images, self.masks, self.root, self.csv):
            field.changed.connect(lambda: self.changed.emit(True))
        self.keep_split.toggled.connect(self._edited)
        self.ignore.activated.connect(self._ignore_edited)
        self.ignore.lineEdit().editingFinished.connect(self._ignore_edited)
        for edit in (self.image_column, self.mask_column):
            edit.editingFinished.connect(lambda: self.changed.emit(True))
        for box in (*self.split, self.seed):
            box.valueChanged.connect(lambda: self.changed.emit(False))
        self.channels.currentIndexChanged.connect(self.input_changed)
        self.height.valueChanged.connect(self.input_changed)
        self.width.valueChanged.connect(self.input_changed)

    def _ignore_edited(self) -> None:
        if self.ignore.currentText() != self._last_ignore:
            self._last_ignore = self.ignore.currentText()
            self.changed.emit(True)

    def _edited(self) -> None:
        self._show_rows()
        self.changed.emit(True)

    def source_key(self) -> str:
        return self.source.currentData()

    def _show_rows(self) -> None:
        key = self.source_key()
        visible = {self.images: key == "folders", self.masks: key == "folders",
                   self.keep_split: key == "folders",
                   self.root: key == "split", self.csv: key == "csv",
                   self.image_column: key == "csv", self.mask_column: key == "csv",
                   self.instances: self.kind.currentText() == "instances"}
        fixed_split = self.fixed_split()
        visible.update({self.split_note: fixed_split, self.split[0].parentWidget(): not fixed_split,
                        self.seed: not fixed_split})
        for widget, shown in visible.items():
            self.form.setRowVisible(widget, shown)

    def fixed_split(self) -> bool:
        """True when the data brings its own train/val/test split."""
        key = self.source_key()
        return key in ("split", "nuclei") or (key == "folders" and self.keep_split.isChecked())

    def load(self, data: dict[str, Any], input_settings: dict[str, Any] | None) -> None:
        """Fill the form from a data section (and the Input's settings)."""
        widgets = [self.source, self.kind, self.instances, self.fit, *self.split, self.seed,
                   self.keep_split]
        for widget in widgets:
            widget.blockSignals(True)
        key = data.get("source")
        if key == "demo":
            key = data.get("name", "shapes")
        elif key == "folders" and data.get("split") == "folders" and "root" in data:
            key = "split"
        self.keep_split.setChecked(key == "folders" and data.get("split") == "folders")
        self.source.setCurrentIndex(max(0, self.source.findData(key)))
        self.images.set_text(data.get("images", ""))
        self.masks.set_text(data.get("masks", ""))
        self.root.set_text(data.get("root", "") if key == "split" else "")
        self.csv.set_text(data.get("csv", ""))
        self.image_column.setText(data.get("image_column", "image"))
        self.mask_column.setText(data.get("mask_column", "mask"))
        mask = data.get("mask", {})
        self.kind.setCurrentText(mask.get("kind", "auto"))
        self.set_ignore(mask.get("ignore", IGNORE_AUTO))
        self.instances.setCurrentText(mask.get("instances", "foreground"))
        self.fit.setCurrentIndex(max(0, self.fit.findData(data.get("fit", "resize"))))
        split = data.get("split") if isinstance(data.get("split"), list) else DEFAULT_SPLIT
        for box, value in zip(self.split, split):
            box.setValue(value)
        self.seed.setValue(data.get("seed", 0))
        for widget in widgets:
            widget.blockSignals(False)
        if input_settings:
            self.set_input(input_settings.get("channels", 3), input_settings.get("height", 256),
                           input_settings.get("width", 256))
        self._show_rows()

    def set_input(self, channels: int, height: int, width: int) -> None:
        for widget in (self.channels, self.height, self.width):
            widget.blockSignals(True)
        self.channels.setCurrentIndex(max(0, self.channels.findData(channels)))
        self.height.setValue(height)
        self.width.setValue(width)
        for widget in (self.channels, self.height, self.width):
            widget.blockSignals(False)
        self.input_changed.emit()

    def input_shape(self) -> tuple[int, int, int]:
        return self.channels.currentData(), self.height.value(), self.width.value()

    def data(self) -> dict[str, Any]:
        """The data section the form describes (classes, skip and augment added elsewhere)."""
        key = self.source_key()
        if key in ("nuclei", "shapes"):
            data: dict[str, Any] = {"source": "demo", "name": key}
        elif key == "csv":
            data = {"source": "csv", "csv": self.csv.text(),
                    "image_column": self.image_column.text() or "image",
                    "mask_column": self.mask_column.text() or "mask"}
        elif key == "split":
            data = {"source": "folders", "root": self.root.text() or "."}
        else:
            data = {"source": "folders", "images": self.images.text(), "masks": self.masks.text()}
        data["split"] = "folders" if self.fixed_split() else self.fractions()
        data["seed"] = self.seed.value()
        data["fit"] = self.fit.currentData()
        mask: dict[str, Any] = {"kind": self.kind.currentText()}
        if mask["kind"] == "instances":
            mask["instances"] = self.instances.currentText()
        ignore = self.ignore_value()
        if ignore != IGNORE_AUTO:
            mask["ignore"] = ignore
        data["mask"] = mask
        return data

    def set_ignore(self, value: Any) -> None:
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        self.ignore.blockSignals(True)
        self.ignore.setCurrentText(text)
        self.ignore.blockSignals(False)
        self._last_ignore = text

    def ignore_value(self) -> Any:
        """What the Ignore field says: 'auto', 'none', a value or an [r, g, b] colour
        (unreadable text is passed on as typed: the data check names it)."""
        text = self.ignore.currentText().strip().lower()
        if text in ("", IGNORE_AUTO):
            return IGNORE_AUTO
        parts = [part.strip() for part in text.split(",")]
        if all(part.isdigit() for part in parts) and len(parts) in (1, 3):
            return int(parts[0]) if len(parts) == 1 else [int(part) for part in parts]
        return text

    def problems(self) -> list[str]:
        """What the person must still choose, in the form's words ('' fields first)."""
        key = self.source_key()
        wanted = {"folders": ((self.images, "Images folder: choose a folder"),
                              (self.masks, "Masks folder: choose a folder")),
                  "csv": ((self.csv, "CSV file: choose a CSV file"),)}.get(key, ())
        return [message for field, message in wanted if not field.text()]

    def fractions(self) -> list[float]:
        values = [round(box.value(), 4) for box in self.split]
        total = sum(values)
        if total <= 0 or values[0] <= 0:
            return list(DEFAULT_SPLIT)
        return [round(v / total, 4) for v in values[:2]] + [round(1 - sum(
            round(v / total, 4) for v in values[:2]), 4)]
