"""A small dark label on the canvas, e.g. why a port refuses the wire being dragged.

It ignores the view's zoom, so the text has the same readable size however far
the person has zoomed out.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .. import theme

MAX_WIDTH = 360.0
PAD = 6.0


class HintItem(QGraphicsItem):
    """Text in a rounded box, drawn at a fixed screen size just below-right of a point."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(100)
        self.text = ""
        self._rect = QRectF()
        self.hide()

    def show_text(self, text: str, scene_pos: QPointF) -> None:
        if text != self.text:
            metrics = QFontMetricsF(theme.font("hint"))
            box = metrics.boundingRect(QRectF(0, 0, MAX_WIDTH, 1000),
                                       Qt.TextFlag.TextWordWrap, text)
            self.prepareGeometryChange()
            self.text = text
            self._rect = QRectF(14, 16, box.width() + 2 * PAD, box.height() + 2 * PAD)
        self.setPos(scene_pos)
        self.show()

    def clear(self) -> None:
        self.text = ""
        self.hide()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.HINT_FILL)
        painter.drawRoundedRect(self._rect, 5, 5)
        painter.setPen(theme.HINT_TEXT)
        painter.setFont(theme.font("hint"))
        painter.drawText(self._rect.adjusted(PAD, PAD, -PAD, -PAD), Qt.TextFlag.TextWordWrap,
                         self.text)
