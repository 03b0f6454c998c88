"""A small dark label on the canvas, e.g. why a port refuses the wire being dragged.

It ignores the view's zoom, so the text has the same readable size however far
the person has zoomed out. It sits below-right of the cursor, and flips to the
left of or above it where it would run off the view, so a refusal next to the
canvas edge can still be read.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .. import theme

MAX_WIDTH = 360.0
PAD = 6.0
OFFSET = (14.0, 16.0)  # from the cursor to the box, in screen pixels


class HintItem(QGraphicsItem):
    """Text in a rounded box, drawn at a fixed screen size just below-right of a point."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(100)
        self.text = ""
        self._size = (0.0, 0.0)
        self._rect = QRectF()
        self.hide()

    def show_text(self, text: str, scene_pos: QPointF) -> None:
        if text != self.text:
            metrics = QFontMetricsF(theme.font("hint"))
            box = metrics.boundingRect(QRectF(0, 0, MAX_WIDTH, 1000),
                                       Qt.TextFlag.TextWordWrap, text)
            self.text = text
            self._size = (box.width() + 2 * PAD, box.height() + 2 * PAD)
            self.update()
        self.setPos(scene_pos)
        self._place(scene_pos)
        self.show()

    def _place(self, scene_pos: QPointF) -> None:
        """Below-right of the point, or flipped where that would leave the view."""
        width, height = self._size
        x, y = OFFSET
        views = self.scene().views() if self.scene() is not None else []
        if views:
            view = views[0]
            at, area = view.mapFromScene(scene_pos), view.viewport().rect()
            if at.x() + x + width > area.right() and at.x() - x - width >= area.left():
                x = -x - width
            if at.y() + y + height > area.bottom() and at.y() - y - height >= area.top():
                y = -y - height
        rect = QRectF(x, y, width, height)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

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
