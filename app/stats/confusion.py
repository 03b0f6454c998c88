"""The confusion matrix as a picture (Qt): rows normalized, counts on hover.

Each truth row is coloured by the share of its pixels predicted as each class, so a
rare class's row reads as clearly as the background's; the pixel counts, which
differ by orders of magnitude between classes, are in the tooltip.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .evaluation import Evaluation, cell_text, normalized_rows

LOW, HIGH = np.array([247, 250, 255]), np.array([30, 64, 175])
TEXT_DARK, TEXT_LIGHT = QColor("#1f2633"), QColor("#ffffff")
MARGIN = 6
AXIS_GAP = 16


def cell_color(share: float) -> QColor:
    """White-to-blue by the share of the row (sqrt: small confusions still show)."""
    mix = LOW + (HIGH - LOW) * float(np.sqrt(np.clip(share, 0.0, 1.0)))
    return QColor(*(int(v) for v in mix))


class ConfusionMatrixView(QWidget):
    """Square cells, class names on both axes, percentages in cells that have room."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluation: Evaluation | None = None
        self.shares = np.zeros((0, 0))
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self.evaluation = evaluation
        self.shares = normalized_rows(evaluation.matrix) if evaluation else np.zeros((0, 0))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt)
        return QSize(300, 300)

    # --- geometry -----------------------------------------------------------------------
    def _label_width(self) -> int:
        names = self.evaluation.class_names if self.evaluation else []
        metrics = QFontMetrics(self.font())
        return min(120, max((metrics.horizontalAdvance(n) for n in names), default=0) + 8)

    def _names_fit(self, cell: int) -> bool:
        """Whether every class name fits across a column ``cell`` pixels wide."""
        metrics = QFontMetrics(self.font())
        names = self.evaluation.class_names if self.evaluation else []
        return all(metrics.horizontalAdvance(n) <= cell - 2 for n in names)

    def _layout(self) -> tuple[QRect, bool]:
        """The cells' rectangle, and whether the column names stand upright (read
        bottom to top) because one of them is wider than its column."""
        count = len(self.shares)
        if not count:
            return QRect(), False
        left = MARGIN + AXIS_GAP + self._label_width()
        grid = self._grid(left, QFontMetrics(self.font()).height())
        if self._names_fit(grid.width() // count):
            return grid, False
        return self._grid(left, self._label_width()), True

    def _grid(self, left: int, header: int) -> QRect:
        count = len(self.shares)
        top = MARGIN + AXIS_GAP + header + 4
        side = max(0, min(self.width() - left - MARGIN, self.height() - top - MARGIN))
        cell = side // count
        return QRect(left, top, cell * count, cell * count)

    def grid_rect(self) -> QRect:
        """Where the cells are: right of the row names, below the column names."""
        return self._layout()[0]

    def upright_names(self) -> bool:
        return self._layout()[1]

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        """(truth row, predicted column) under a point, or None."""
        grid = self.grid_rect()
        if grid.isEmpty() or not grid.contains(point):
            return None
        cell = grid.width() // len(self.shares)
        return ((point.y() - grid.top()) // cell, (point.x() - grid.left()) // cell)

    def cell_rect(self, row: int, column: int) -> QRect:
        grid = self.grid_rect()
        cell = grid.width() // len(self.shares)
        return QRect(grid.left() + column * cell, grid.top() + row * cell, cell, cell)

    def hover_text(self, row: int, column: int) -> str:
        return cell_text(self.evaluation, row, column) if self.evaluation else ""

    # --- Qt -----------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.hover_text(*cell), self)
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        painter = QPainter(self)
        if self.evaluation is None or not len(self.shares):
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "The confusion matrix appears after an evaluation.")
            painter.end()
            return
        self._paint_cells(painter)
        self._paint_labels(painter)
        painter.end()

    def _paint_cells(self, painter: QPainter) -> None:
        count = len(self.shares)
        metrics = QFontMetrics(self.font())
        for row in range(count):
            for column in range(count):
                rect = self.cell_rect(row, column)
                share = self.shares[row, column]
                painter.fillRect(rect, cell_color(share))
                label = f"{share:.0%}" if share >= 0.005 or share == 0 else "<1%"
                if rect.width() >= metrics.horizontalAdvance("100%") + 4:
                    painter.setPen(TEXT_LIGHT if share > 0.45 else TEXT_DARK)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        painter.setPen(QColor("#b9c0cb"))
        painter.drawRect(self.grid_rect().adjusted(0, 0, -1, -1))

    def _paint_labels(self, painter: QPainter) -> None:
        names, grid = self.evaluation.class_names, self.grid_rect()
        metrics = QFontMetrics(self.font())
        painter.setPen(TEXT_DARK)
        width = self._label_width()
        upright = self.upright_names()
        for index, name in enumerate(names):
            row = self.cell_rect(index, 0)
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, width - 6)
            painter.drawText(QRect(grid.left() - width, row.top(), width - 6, row.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            self._paint_column_name(painter, name, self.cell_rect(0, index), upright)
        painter.setPen(QColor("#6a7384"))
        painter.drawText(QRect(grid.left(), MARGIN, grid.width(), AXIS_GAP),
                         Qt.AlignmentFlag.AlignCenter, "predicted")
        painter.save()
        painter.translate(MARGIN + AXIS_GAP - 4, grid.center().y())
        painter.rotate(-90)
        painter.drawText(QRect(-grid.height() // 2, -AXIS_GAP + 4, grid.height(), AXIS_GAP),
                         Qt.AlignmentFlag.AlignCenter, "truth")
        painter.restore()

    def _paint_column_name(self, painter: QPainter, name: str, column: QRect,
                           upright: bool) -> None:
        """Above its column: across it, or upright (rotated) when a name is too wide."""
        metrics = QFontMetrics(self.font())
        if not upright:
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, column.width() - 2)
            painter.drawText(QRect(column.left(), column.top() - metrics.height() - 4,
                                   column.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, text)
            return
        length = self._label_width()
        text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, length - 6)
        painter.save()
        painter.translate(column.center().x(), column.top() - 4)
        painter.rotate(-90)
        painter.drawText(QRect(0, -metrics.height() // 2, length - 6, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()
