"""The data wizard: choose the data, see what was found, fix or skip problems, finish.

The scan runs on a QThreadPool thread with a progress bar and Cancel; the dialog
shows image/mask pairs with the mask overlaid, counts per split, class
frequencies (names and colours editable), image sizes, an augmentation preview
and every problem. Finish is refused while a problem is neither fixed nor
skipped. Finish changes the project's data section, the Input's channels and
size and the Target's classes as one undoable step.
"""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from app.data.dataset_info import DataSet
from app.data.preview import Thumbnail, augmented
from app.data.problems import plural
from app.data.spec import ClassInfo, data_problems
from app.panels.data_source_form import SourceForm
from app.panels.data_wizard_parts import (ERROR_STYLE, AugmentPanel, ClassTable, CountsPanel,
                                          ProblemsPanel, ScanJob, ScanSignals, ThumbnailGrid,
                                          apply_data)
from app.panels.data_wizard_text import (in_form_words, kind_text, status_text,
                                         unskipped_text)
from app.project import Project


class DataWizard(QDialog):
    """Set up a project's data: source, classes, split, augmentation, skipped pairs."""

    def __init__(self, project: Project, undo_stack: QUndoStack, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Data Wizard — {project.name}")
        self.project, self.undo_stack = project, undo_stack
        self.dataset: DataSet | None = None
        self.thumbs: list[Thumbnail] = []
        self.previews: list[Thumbnail] = []
        self.classes: list[ClassInfo] = []
        self._overrides = {k: copy.deepcopy(project.data.get(k)) for k in ("classes", "mask")}
        self._job, self._running = 0, None
        # Finish writes the form: it must still say what the shown DataSet was scanned from
        self._scanned_form: dict[str, Any] | None = None
        self._running_form: dict[str, Any] | None = None
        self._cancelled = False
        self._detect_input = True
        self._preview_seed = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = ScanSignals(self)
        self.signals.progress.connect(self._on_progress)
        self.signals.finished.connect(self._on_finished)
        self.signals.failed.connect(self._on_failed)
        self._scan_timer = self._timer(250, self.start_scan)
        self._preview_timer = self._timer(150, self.refresh_preview)
        self._build()
        self.form.load(project.data, self._node_settings("Input"))
        self.augment.load(project.data.get("augment", {}))
        self.skip_box.setChecked(bool(project.data.get("skip")))
        self.resize(1280, 820)
        self.start_scan()

    # --- layout ---------------------------------------------------------------------------
    def _timer(self, milliseconds: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(milliseconds)
        timer.timeout.connect(slot)
        return timer

    def _build(self) -> None:
        self.form = SourceForm(self.project.folder if self.project.path else None, self)
        self.form.changed.connect(self._source_changed)
        self.form.input_changed.connect(self._input_changed)
        self.counts = CountsPanel(self)
        left = QVBoxLayout()
        left.addWidget(self._group("Data source", self.form))
        left.addWidget(self.counts)
        left.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._tabs())
        splitter.addWidget(self._details())
        splitter.setSizes([520, 240])
        top = QHBoxLayout()
        top.addLayout(left, 0)
        top.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addLayout(self._bottom_bar())

    def _group(self, title: str, *widgets: QWidget) -> QGroupBox:
        group = QGroupBox(title, self)
        layout = QVBoxLayout(group)
        for widget in widgets:
            layout.addWidget(widget)
        return group

    def _tabs(self) -> QTabWidget:
        self.tabs = QTabWidget(self)
        self.grid = ThumbnailGrid(parent=self)
        self.tabs.addTab(self.grid, "Samples (mask over image)")
        page = QWidget(self)
        self.augment = AugmentPanel(page)
        self.augment.changed.connect(self._preview_timer.start)
        self.preview_grid = ThumbnailGrid(parent=page)
        shuffle = QPushButton("Other random draws", page)
        shuffle.clicked.connect(self._reshuffle)
        layout = QVBoxLayout(page)
        layout.addWidget(self.augment)
        layout.addWidget(self.preview_grid, 1)
        layout.addWidget(shuffle, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(page, "Augmentation")
        self.tabs.currentChanged.connect(lambda index: index == 1 and self._preview_timer.start())
        return self.tabs

    def _details(self) -> QWidget:
        self.class_table = ClassTable(self)
        self.class_table.edited.connect(self._classes_edited)
        self.class_table.table_edited.connect(self._table_edited)
        self.kind_label = QLabel(self)
        redetect = QPushButton("Detect classes again", self)
        redetect.clicked.connect(self._redetect)
        head = QHBoxLayout()
        head.addWidget(self.kind_label, 1)
        head.addWidget(redetect)
        classes = QGroupBox("Classes (names and colours can be edited)", self)
        box = QVBoxLayout(classes)
        box.addLayout(head)
        box.addWidget(self.class_table)
        problems = ProblemsPanel(self)
        self.problem_list, self.skip_box = problems.list, problems.skip_box
        self.problems = problems
        self.skip_box.toggled.connect(self._update_finish)
        widget = QWidget(self)
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(classes, 3)
        row.addWidget(problems, 2)
        return widget

    def _bottom_bar(self) -> QHBoxLayout:
        self.progress = QProgressBar(self)
        self.status = QLabel(self)
        self.cancel_scan = QPushButton("Cancel scan", self)
        self.cancel_scan.clicked.connect(self.stop_scan)
        self.rescan = QPushButton("Scan again", self)
        self.rescan.setToolTip("Read the files again (after fixing them on disk)")
        self.rescan.clicked.connect(self.start_scan)
        self.refusal = QLabel(self)
        self.refusal.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.finish_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.finish_button.setText("Finish")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.status, 2)
        bar.addWidget(self.cancel_scan)
        bar.addWidget(self.rescan)
        bar.addWidget(self.refusal, 2)
        bar.addWidget(self.buttons)
        return bar

    # --- scanning -------------------------------------------------------------------------
    def scan_data(self) -> dict[str, Any]:
        """What the form says, with the person's class names and colour table kept."""
        data = self.form.data()
        for key in ("classes", "mask"):
            override = self._overrides.get(key)
            if override and key == "mask":
                kept = {k: v for k, v in override.items() if k in ("colors", "values")}
                data["mask"] = {**data["mask"], **kept}
            elif override:
                data[key] = override
        return data

    def start_scan(self) -> None:
        """Scan again (cancelling a scan in progress); results arrive in _on_finished."""
        self.stop_scan()
        self._job += 1
        data = self.scan_data()
        problems = self.form.problems() or [in_form_words(p) for p in data_problems(data)]
        if problems:
            self._running_form = self.form.data()
            self._on_failed(self._job, "\n".join(problems))
            return
        self._running = ScanJob(self._job, data, self.project.folder, self.signals)
        self._running_form, self._cancelled = self.form.data(), False
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_scan.setVisible(True)
        self.status.setText("Scanning…")
        self.pool.start(self._running)
        self._update_finish()

    def stop_scan(self) -> None:
        """Cancel the scan in progress; the window says so at once (the worker's own
        'cancelled' arrives a moment later, through the event queue)."""
        if self._running is not None:
            self._running.cancel.set()
            self._running = None
            self._cancelled = True
            self.progress.setVisible(False)
            self.status.setText("Scan cancelled.")
        self.cancel_scan.setVisible(False)
        self._update_finish()

    @property
    def scanning(self) -> bool:
        return self._running is not None

    def _on_progress(self, job: int, done: int, total: int, message: str) -> None:
        if job != self._job:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(f"{message} {done}/{total}" if total else message)

    def _on_failed(self, job: int, message: str) -> None:
        if job != self._job:
            return
        self._running = None
        self.progress.setVisible(False)
        self.cancel_scan.setVisible(False)
        self.status.setText("" if message else "Scan cancelled.")
        self._cancelled = not message
        if message:
            self._clear_results()
            self.problems.show_failure(f"The data cannot be scanned:\n{message}")
        self._update_finish()

    def _clear_results(self) -> None:
        """Nothing of an older source stays on show when the new one fails."""
        self.dataset, self.thumbs, self.previews, self.classes = None, [], [], []
        self._scanned_form = None
        self.grid.clear()
        self.preview_grid.clear()
        self.counts.clear()
        self.class_table.clear()
        self.kind_label.setText("")

    def _on_finished(self, job: int, dataset: DataSet, thumbs: list[Thumbnail]) -> None:
        if job != self._job:
            return
        self._running = None
        self.dataset, self.thumbs = dataset, thumbs
        self._scanned_form = self._running_form
        self.progress.setVisible(False)
        self.cancel_scan.setVisible(False)
        self.status.setText(status_text(dataset))
        self.classes = list(dataset.classes)
        if self._detect_input and dataset.pairs:
            _, height, width = self.form.input_shape()
            self.form.set_input(dataset.channels, height, width)
            self._detect_input = False
        self._show_dataset()
        self._preview_timer.start()

    # --- showing results -------------------------------------------------------------------
    def _show_dataset(self) -> None:
        dataset = self.dataset
        assert dataset is not None
        self.counts.show_dataset(dataset, self.form.input_shape()[1:])
        self.kind_label.setText(kind_text(dataset))
        self.class_table.show_classes(dataset, self.classes)
        self._show_thumbnails()
        self.problems.show_dataset(dataset)
        self._update_finish()

    def _colors(self) -> list[tuple[int, int, int]]:
        return [c.color for c in self.classes]

    def _show_thumbnails(self) -> None:
        colors = self._colors()
        self.grid.show_pictures([(f"{t.split} · {t.key.rsplit('/', 1)[-1]}", t.key, t.rgb(colors))
                                 for t in self.thumbs])

    def refresh_preview(self) -> None:
        """Augmented versions of one training sample, as training would see them."""
        if self.dataset is None or self.tabs.currentIndex() != 1:
            return
        channels, height, width = self.form.input_shape()
        try:
            self.previews = augmented(self.dataset, self.augment.options(), channels,
                                      (height, width), count=8, seed=self._preview_seed)
        except Exception as error:  # noqa: BLE001 - a preview must not take the dialog down
            self.previews = []
            self.status.setText(f"No augmentation preview: {error}")
        colors = self._colors()
        self.preview_grid.show_pictures([(f"draw {i + 1}", p.key, p.rgb(colors))
                                         for i, p in enumerate(self.previews)])

    def _reshuffle(self) -> None:
        self._preview_seed += 1
        self.refresh_preview()

    # --- edits ------------------------------------------------------------------------------
    def _source_changed(self, other_data: bool) -> None:
        if other_data:  # the bad pairs of the old source say nothing about the new one
            self._overrides = {"classes": None, "mask": None}
            self._detect_input = True
            self.skip_box.setChecked(False)
        self._scan_timer.start()

    def _input_changed(self) -> None:
        if self.dataset is not None:
            self._show_dataset()
        self._preview_timer.start()

    def _classes_edited(self) -> None:
        self.classes = list(self.class_table.classes)
        self._overrides["classes"] = [c.to_dict() for c in self.classes]
        self._show_thumbnails()
        self.refresh_preview()

    def _table_edited(self) -> None:
        dataset = self.dataset
        table = self.class_table.table(dataset.encoding) if dataset else None
        if table is None:
            self.status.setText("A mask value must be 'r, g, b' (colour masks) or one number")
            return
        key = "colors" if dataset.encoding == "color" else "values"
        self._overrides["mask"] = {key: table}
        self._scan_timer.start()

    def _redetect(self) -> None:
        self._overrides = {"classes": None, "mask": None}
        self.form.kind.setCurrentText("auto")
        self.form.set_ignore("auto")
        self._scan_timer.start()

    # --- finishing ----------------------------------------------------------------------------
    def refusal_reason(self) -> str:
        """Why Finish is refused now ('' when it is allowed)."""
        dataset = self.dataset
        if self.scanning or self._scan_timer.isActive():
            return "Wait for the scan to end"
        if self._cancelled:
            return "The scan was cancelled: press Scan again"
        if dataset is None:
            return "The data could not be scanned"
        if self.form.data() != self._scanned_form:
            return "The data settings changed since the scan: press Scan again"
        blocking = [p for p in dataset.problems if not p.skippable]
        if blocking:
            return f"{plural(len(blocking), 'problem')} must be fixed in the data first"
        if dataset.bad_keys and not self.skip_box.isChecked():
            return unskipped_text(dataset)
        if not dataset.pairs:
            return "No usable pairs"
        return ""

    def _update_finish(self) -> None:
        reason = self.refusal_reason()
        self.finish_button.setEnabled(not reason)
        self.refusal.setText(reason)

    def finished_data(self) -> dict[str, Any]:
        """The data section Finish writes: source, detection, names, skips, augmentation."""
        dataset = self.dataset
        data = self.form.data()
        data["mask"] = dataset.detected_mask()
        data["classes"] = [c.to_dict() for c in self.classes]
        options = {k: True for k, v in self.augment.options().items() if v}
        if options:
            data["augment"] = options
        if dataset.bad_keys and self.skip_box.isChecked():
            data["skip"] = dataset.bad_keys
        return data

    def accept(self) -> None:
        reason = self.refusal_reason()
        if reason:
            self.refusal.setText(reason)
            return
        data = self.finished_data()
        problems = data_problems(data)
        if problems:
            self.refusal.setText("; ".join(problems))
            return
        self.apply(data)
        super().accept()

    def apply(self, data: dict[str, Any]) -> None:
        """One undoable step: the data section, the Input's shape, the Target's classes."""
        apply_data(self.project, self.undo_stack, data, self.form.input_shape(),
                   len(self.classes))

    def _node_settings(self, type_name: str) -> dict[str, Any] | None:
        for node in self.project.graph.nodes:
            if node.type == type_name:
                return node.settings
        return None

    def done(self, result: int) -> None:
        """Stop a running scan before the dialog goes: no thread outlives it."""
        self._scan_timer.stop()
        self._preview_timer.stop()
        self.stop_scan()
        self.pool.waitForDone()
        super().done(result)
