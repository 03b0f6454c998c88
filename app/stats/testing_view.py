"""The Test view (issue 11 item 5): a run's test metrics, confusion matrix and images.

The evaluation runs elsewhere (a child process the owner starts on
``evaluate_requested``); this view shows its progress (``set_progress``), offers
Cancel (``cancel_requested``) and shows the `eval` result (``set_evaluation``) with
the per-image overlays the owner supplies. "Compare runs" puts the saved results
of several runs side by side.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from .comparison import RunComparison, load_results
from .confusion import ConfusionMatrixView
from .evaluation import Evaluation, EvaluationError, TestImage, parse_evaluation
from .images_panel import Predictor, TestImagesPanel
from .metrics_table import MetricsTable

NO_RUN = "Choose a trained run in the Runs list to evaluate it on the test split."
CHECKPOINTS = (("best.pt", "best checkpoint"), ("last.pt", "last checkpoint"))


class TestView(QWidget):
    """Evaluate controls and progress over Results | Compare runs."""

    __test__ = False  # not a pytest class
    evaluate_requested = Signal(str, str)   # run directory, checkpoint file ("best.pt")
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.evaluation: Evaluation | None = None
        self.run_label = QLabel(NO_RUN)
        self.run_label.setWordWrap(True)
        self.checkpoint = QComboBox()
        for file, label in CHECKPOINTS:
            self.checkpoint.addItem(label, file)
        self.evaluate_button = QPushButton("Evaluate on test split")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(160)
        self.progress.setFormat("%v / %m images")
        self.cancel_button = QPushButton("Cancel")
        self.metrics = MetricsTable()
        self.matrix = ConfusionMatrixView()
        self.images = TestImagesPanel()
        self.comparison = RunComparison()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._lay_out()
        self.set_run(None)
        self._show_progress(False)
        self.evaluate_button.clicked.connect(self._evaluate_clicked)
        self.cancel_button.clicked.connect(self.cancel_requested)

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 0)
        bar.addWidget(self.run_label, 1)
        bar.addWidget(self.checkpoint)
        bar.addWidget(self.evaluate_button)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.metrics, self.matrix, self.images):
            split.addWidget(widget)
        split.setSizes([380, 280, 540])
        split.setChildrenCollapsible(False)
        self.tabs.addTab(split, "Results")
        self.tabs.addTab(self.comparison, "Compare runs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

    # --- the run and its evaluation ----------------------------------------------------
    def set_run(self, run_dir: Path | None, checkpoints: Sequence[str] = ("best.pt", "last.pt")
                ) -> None:
        """The run to evaluate, and which of its checkpoints exist."""
        self.run_dir = Path(run_dir) if run_dir else None
        for index, (file, _) in enumerate(CHECKPOINTS):
            self.checkpoint.model().item(index).setEnabled(file in checkpoints)
        usable = [i for i, (file, _) in enumerate(CHECKPOINTS) if file in checkpoints]
        if usable and self.checkpoint.currentIndex() not in usable:
            self.checkpoint.setCurrentIndex(usable[0])
        self.evaluate_button.setEnabled(self.run_dir is not None and bool(usable))
        self.run_label.setText(f"Run {self.run_dir.name}" if self.run_dir else NO_RUN)

    def set_predictor(self, predictor: Predictor | None) -> None:
        """The chosen run's model for "Open image..." (image path -> class ids), or None."""
        self.images.set_predictor(predictor)

    def set_progress(self, done: int, total: int) -> None:
        """An evaluation is running: ``done`` of ``total`` images (total 0: unknown)."""
        self.progress.setRange(0, max(0, total))
        self.progress.setValue(min(done, total) if total else 0)
        self._show_progress(True)

    def set_evaluation(self, result: Mapping[str, Any] | Evaluation,
                       images: Iterable[TestImage] | None = None,
                       colors: Sequence[Sequence[int]] | None = None) -> bool:
        """Show an `eval` result (the JSON object, or parsed); ``images`` add the overlays
        (without them the list names the images and their IoU). False, with the reason
        shown, when the result cannot be read."""
        self._show_progress(False)
        try:
            evaluation = result if isinstance(result, Evaluation) else parse_evaluation(result)
        except EvaluationError as error:
            self.set_failed(str(error))
            return False
        self.evaluation = evaluation
        self.metrics.set_evaluation(evaluation)
        self.matrix.set_evaluation(evaluation)
        if images is None:
            images = [TestImage(i.file, i.mean_iou) for i in evaluation.images]
        self.images.set_images(list(images), evaluation.class_names, colors)
        self.tabs.setCurrentIndex(0)
        return True

    def set_failed(self, message: str) -> None:
        """The evaluation ended without a result (cancelled or failed)."""
        self._show_progress(False)
        self.metrics.summary.setText(f"<b style='color:#b91c1c'>Evaluation failed</b>: {message}")

    def compare(self, results: Sequence[tuple[str, Evaluation | None]]) -> None:
        self.comparison.set_results(results)
        self.tabs.setCurrentIndex(1)

    def compare_runs(self, run_dirs: Iterable[Path], split: str = "test") -> None:
        """Compare the results saved in run directories (runs.save_evaluation)."""
        self.compare(load_results(run_dirs, split))

    def shutdown(self) -> None:
        self.images.shutdown()

    # --- internals ---------------------------------------------------------------------
    def _evaluate_clicked(self) -> None:
        if self.run_dir is not None:
            self.set_progress(0, 0)
            self.evaluate_requested.emit(str(self.run_dir), self.checkpoint.currentData())

    def _show_progress(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.evaluate_button.setVisible(not running)
        self.checkpoint.setEnabled(not running)
