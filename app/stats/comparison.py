"""The test metrics of two or more runs side by side (Qt).

One column per run, one row per metric (mean IoU, pixel accuracy, then IoU, Dice,
precision and recall of each class); the best value of each row is bold on green
(only where the runs differ), and "Only rows that differ" hides the rest, as W&B's
"diff only" does, so the winner per metric is found without reading every number.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app import runs

from .evaluation import Evaluation, EvaluationError, parse_evaluation
from .metrics_table import UNDEFINED, score_text

HINT = "Evaluate two or more runs on the test split, then choose them in the Runs list."
BEST_FILL = QColor("#dcfce7")
PER_CLASS = (("iou", "IoU"), ("dice", "Dice"), ("precision", "Precision"), ("recall", "Recall"))


def load_results(run_dirs: Iterable[Path], split: str = "test"
                 ) -> list[tuple[str, Evaluation | None]]:
    """(run name, its saved evaluation or None) for each run directory."""
    results = []
    for run_dir in run_dirs:
        data = runs.read_evaluation(Path(run_dir), split)
        try:
            evaluation = parse_evaluation(data) if data is not None else None
        except EvaluationError:
            evaluation = None
        results.append((Path(run_dir).name, evaluation))
    return results


def metric_rows(results: Sequence[tuple[str, Evaluation | None]]) -> list[tuple[str, str, str]]:
    """(label, class name, metric) of every row, classes in first-seen order."""
    rows = [("Mean IoU", "", "mean_iou"), ("Pixel accuracy", "", "pixel_accuracy")]
    names: list[str] = []
    for _, evaluation in results:
        for name in evaluation.class_names if evaluation else ():
            if name not in names:
                names.append(name)
    for metric, label in PER_CLASS:
        rows += [(f"{label} · {name}", name, metric) for name in names]
    return rows


class RunComparison(QWidget):
    """A table of runs (columns) by metrics (rows)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.only_differences = QCheckBox("Only rows that differ")
        self.only_differences.setToolTip("Hide the metrics on which all these runs agree "
                                         "(to three decimals)")
        self.only_differences.toggled.connect(self._apply_filter)
        self._same_rows: list[int] = []
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.hint, 1)
        top.addWidget(self.only_differences)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def set_results(self, results: Sequence[tuple[str, Evaluation | None]]) -> None:
        """Runs to compare: (label, evaluation or None when it has not been evaluated)."""
        rows = metric_rows(results)
        self.table.clear()
        self.table.setColumnCount(len(results))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(
            [label if evaluation else f"{label}\n(not evaluated)" for label, evaluation in results])
        self.table.setVerticalHeaderLabels([label for label, _, _ in rows])
        evaluated = sum(1 for _, evaluation in results if evaluation)
        self.hint.setVisible(evaluated < 2)
        self._same_rows = []
        for row, (_, name, metric) in enumerate(rows):
            values = [e.score(name, metric) if e else None for _, e in results]
            known = [v for v in values if v is not None]
            differ = len({score_text(v) for v in known}) > 1
            best = max(known) if differ else None
            if not differ:
                self._same_rows.append(row)
            for column, value in enumerate(values):
                item = QTableWidgetItem(score_text(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if value is not None and value == best:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(QBrush(BEST_FILL))
                    item.setToolTip("best of these runs")
                if value is None:
                    item.setToolTip("not evaluated" if results[column][1] is None
                                    else "undefined for this class")
                self.table.setItem(row, column, item)
        self._apply_filter()

    def _apply_filter(self) -> None:
        hide = self.only_differences.isChecked()
        for row in range(self.table.rowCount()):
            self.table.setRowHidden(row, hide and row in self._same_rows)

    def visible_rows(self) -> list[str]:
        return [self.table.verticalHeaderItem(row).text() for row in range(self.table.rowCount())
                if not self.table.isRowHidden(row)]

    def value(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item else UNDEFINED
