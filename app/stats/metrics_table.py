"""Per-class IoU, Dice, precision and recall of an evaluation, with its summary (Qt)."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from .evaluation import Evaluation

COLUMNS = ("Class", "IoU", "Dice", "Precision", "Recall", "Pixels")
UNDEFINED = "–"
UNDEFINED_TIP = "undefined: the class is in neither the truth nor the prediction of this split"


def score_text(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def summary_text(evaluation: Evaluation) -> str:
    mean = score_text(evaluation.mean_iou)
    accuracy = score_text(evaluation.pixel_accuracy)
    checkpoint = Path(evaluation.checkpoint).name if evaluation.checkpoint else ""
    where = html.escape(f"{evaluation.split} split" + (f", {checkpoint}" if checkpoint else ""))
    return (f"<b>Mean IoU {mean}</b> &nbsp; pixel accuracy {accuracy} &nbsp; "
            f"<span style='color:#6a7384'>{where}, {len(evaluation.images)} images</span>")


class MetricsTable(QWidget):
    """A summary line over a read-only table, one row per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No evaluation yet.")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self.table.setRowCount(0)
        if evaluation is None:
            self.summary.setText("No evaluation yet.")
            return
        self.summary.setText(summary_text(evaluation))
        self.summary.setToolTip(evaluation.checkpoint)
        self.table.setRowCount(len(evaluation.classes))
        for row, scores in enumerate(evaluation.classes):
            values = (scores.iou, scores.dice, scores.precision, scores.recall)
            cells = [scores.name] + [score_text(v) for v in values] + \
                [f"{scores.pixels:,}" if scores.pixels is not None else UNDEFINED]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                if value == UNDEFINED:
                    item.setToolTip(UNDEFINED_TIP)
                self.table.setItem(row, column, item)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item else ""
