"""A frame: a titled box drawn around a group of nodes.

The frame has no geometry of its own in the document (only a title and its
member ids), so its rectangle is always the members' bounds plus padding and it
follows them as they move. Only the title bar is clickable; a click inside the
box goes through to the canvas, so rubber-band selection works inside a frame.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from .. import theme
from .node_item import NodeItem


class FrameItem(QGraphicsItem):
    """The picture of one document frame."""

    def __init__(self, frame_id: str, title: str) -> None:
        super().__init__()
        self.frame_id = frame_id
        self.title = title
        self.members: list[NodeItem] = []
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-10)
        self.setToolTip(f"Group '{title}': drag the title to move its nodes, "
                        "double-click it to rename")

    def set_title(self, title: str) -> None:
        self.title = title
        self.setToolTip(f"Group '{title}': drag the title to move its nodes, "
                        "double-click it to rename")
        self.update()

    def set_members(self, members: list[NodeItem]) -> None:
        for item in self.members:
            if self in item.frames:
                item.frames.remove(self)
        self.members = list(members)
        for item in self.members:
            item.frames.append(self)
        self.update_geometry()

    def update_geometry(self) -> None:
        bounds = QRectF()
        for item in self.members:
            bounds = bounds.united(item.sceneBoundingRect())
        if bounds.isNull():
            rect = QRectF()
        else:
            pad = theme.FRAME_PADDING
            rect = bounds.adjusted(-pad, -pad - theme.FRAME_TITLE_HEIGHT, pad, pad)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.setVisible(not rect.isNull())

    def title_rect(self) -> QRectF:
        r = self._rect
        return QRectF(r.left(), r.top(), r.width(), theme.FRAME_TITLE_HEIGHT)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.title_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._rect.isNull():
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(theme.ACCENT if selected else theme.FRAME_BORDER,
                            2.0 if selected else 1.2))
        painter.setBrush(theme.FRAME_FILL)
        painter.drawRoundedRect(self._rect, 8, 8)
        title = self.title_rect()
        path = QPainterPath()
        path.addRoundedRect(title.adjusted(0, 0, 0, 8), 8, 8)
        clip = QPainterPath()
        clip.addRect(title)
        painter.fillPath(path.intersected(clip), theme.FRAME_TITLE_FILL)
        font = theme.font("frame")
        painter.setFont(font)
        painter.setPen(theme.FRAME_TEXT)
        text_box = title.adjusted(12, 0, -12, 0)
        text = QFontMetricsF(font).elidedText(self.title, Qt.TextElideMode.ElideRight,
                                              text_box.width())
        painter.drawText(text_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
