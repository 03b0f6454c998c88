"""A node on the canvas: header with icon and title, the output shape, port rows, and
below them, once the live previews have one, a small picture of what the node makes of
the sample (the scene hands it over with ``set_picture``, from the preview service).

The item mirrors one document node; it never holds state of its own beyond
what it needs to draw (the scene refreshes it from the document and the
compiler's analysis). Everything is painted as vectors and the icon is rendered
at the device size it is shown at, so the node is sharp at any zoom; below
``theme.DETAIL_LOD`` it is drawn as a plain box, which keeps a zoomed-out 500-node
graph fast.
"""
from __future__ import annotations

from html import escape
from typing import Any, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen,
                           QPixmap)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from components.base import describe_shape

from .. import icons, theme
from .port_item import PortItem



class AttachedWire(Protocol):
    """A wire item ending at one of this node's ports (edge_item.py)."""

    source: PortItem
    target: PortItem

    def update_path(self) -> None: ...


class AttachedFrame(Protocol):
    """A frame item this node is a member of (frame_item.py)."""

    members: list

    def set_members(self, members: list) -> None: ...
    def update_geometry(self) -> None: ...


class NodeItem(QGraphicsItem):
    """The picture of one document node."""

    def __init__(self, node_id: str, component_cls: type, inputs: list[str],
                 outputs: list[str]) -> None:
        super().__init__()
        self.node_id = node_id
        self.type_name: str = component_cls.type_name
        self.description: str = component_cls.description
        self.icon_name: str = component_cls.icon or icons.FALLBACK
        self.color = theme.category_color(component_cls.category)
        self.tint = theme.header_tint(component_cls.category)
        self.ports: dict[str, PortItem] = {}
        self.edges: list[AttachedWire] = []
        self.frames: list[AttachedFrame] = []
        self.shape_text = theme.UNKNOWN_SHAPE
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self._height = theme.node_height(1)
        self._rows = 1
        self.picture: QPixmap | None = None
        self.picture_caption = ""
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.set_ports(inputs, outputs)
        self._refresh_tooltip()

    # --- updates from the scene ------------------------------------------------------
    def set_ports(self, inputs: list[str], outputs: list[str]) -> None:
        """Make the port items match the component's ports (Merge's count can change)."""
        wanted = [(n, "input") for n in inputs] + [(n, "output") for n in outputs]
        for name in [n for n in self.ports if (n, self.ports[n].direction) not in wanted]:
            port = self.ports.pop(name)
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self._rows = max(len(inputs), len(outputs))
        self._set_height()
        for index, name in enumerate(inputs):
            self._port(name, "input").setPos(0.0, theme.port_y(index))
        for index, name in enumerate(outputs):
            self._port(name, "output").setPos(theme.NODE_WIDTH, theme.port_y(index))
        self.update()

    def _set_height(self) -> None:
        self.prepareGeometryChange()
        self._height = theme.node_height(self._rows) + (theme.PREVIEW_HEIGHT if self.picture
                                                        else 0.0)
        margin = theme.PORT_RADIUS + 7  # the ports' halos stick out of the body
        self._body = QRectF(0.0, 0.0, theme.NODE_WIDTH, self._height)
        self._bounds = self._body.adjusted(-margin, -5, margin, 5)

    def set_picture(self, image: QImage | None, caption: str = "") -> None:
        """Show the live preview's picture under the ports (None: no picture, no room);
        ``caption`` says in the tooltip what the picture shows."""
        caption = caption if image is not None else ""
        if caption != self.picture_caption:
            self.picture_caption = caption
            self._refresh_tooltip()
        if image is None and self.picture is None:
            return
        had = self.picture is not None
        self.picture = None if image is None else QPixmap.fromImage(image)
        if had != (self.picture is not None):
            self._set_height()
            for frame in self.frames:
                frame.update_geometry()
        self.update()

    def _port(self, name: str, direction: str) -> PortItem:
        if name not in self.ports:
            self.ports[name] = PortItem(self, name, direction, self.color)
        return self.ports[name]

    def set_status(self, shape: tuple | None, problems: list[str], warnings: list[str]) -> None:
        """Show the compiler's view of this node: its output shape and what is wrong."""
        text = describe_shape(shape) if shape is not None else theme.UNKNOWN_SHAPE
        if (text, problems, warnings) == (self.shape_text, self.problems, self.warnings):
            return
        self.shape_text, self.problems, self.warnings = text, list(problems), list(warnings)
        self._refresh_tooltip()
        self.update()

    def _refresh_tooltip(self) -> None:
        lines = [f"<b>{escape(self.node_id)}</b> &nbsp;<i>{escape(self.type_name)}</i>",
                 escape(self.description), f"Output: {escape(self.shape_text)}"]
        lines += [f"<span style='color:{theme.ERROR.name()}'>Problem: {escape(p)}</span>"
                  for p in self.problems]
        lines += [f"<span style='color:{theme.WARNING.name()}'>Note: {escape(w)}</span>"
                  for w in self.warnings]
        if self.picture_caption:
            lines.append(f"Picture: {escape(self.picture_caption)}")
        self.setToolTip("<br>".join(lines))

    @property
    def has_problem(self) -> bool:
        return bool(self.problems)

    def input_ports(self) -> list[PortItem]:
        return [p for p in self.ports.values() if p.is_input]

    def output_ports(self) -> list[PortItem]:
        return [p for p in self.ports.values() if not p.is_input]

    def body_rect(self) -> QRectF:
        return QRectF(self._body)

    # --- QGraphicsItem -----------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), theme.CORNER, theme.CORNER)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
            for frame in self.frames:
                frame.update_geometry()
            scene = self.scene()
            if scene is not None and hasattr(scene, "graph_changed"):
                scene.graph_changed()
        return super().itemChange(change, value)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < theme.DETAIL_LOD:
            self._paint_box(painter, selected, lod)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.body_rect()
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_alpha(theme.ACCENT, 55))
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), theme.CORNER + 3, theme.CORNER + 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(theme.NODE_BODY))
        painter.drawRoundedRect(rect, theme.CORNER, theme.CORNER)
        self._paint_header(painter, rect, lod)
        self._paint_info(painter, rect)
        self._paint_port_labels(painter)
        if self.picture is not None:
            self._paint_picture(painter, rect)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._outline_pen(selected))
        painter.drawRoundedRect(rect, theme.CORNER, theme.CORNER)
        if selected and self.problems:  # the red outline wins; a blue ring says 'selected'
            painter.setPen(_PENS["selected"])
            painter.drawRoundedRect(rect.adjusted(-3.5, -3.5, 3.5, 3.5), theme.CORNER + 3,
                                    theme.CORNER + 3)
        for port in self.ports.values():
            port.draw(painter, True)

    def _outline_pen(self, selected: bool) -> QPen:
        if self.problems:
            return _PENS["problem"]
        return _PENS["selected"] if selected else _PENS["normal"]

    def _paint_box(self, painter: QPainter, selected: bool, lod: float) -> None:
        """The overview look: body and header band (the scene's label layer writes the
        name over it at a size that can be read)."""
        rect = self._body
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        key = "problem" if self.problems else ("selected" if selected else "normal")
        painter.setPen(_PENS["box_" + key])
        if lod < theme.LABEL_LOD:  # a few pixels tall: one tinted box says enough
            painter.setBrush(self.tint)
            painter.drawRect(rect)
            return
        painter.setBrush(theme.NODE_BODY)
        painter.drawRect(rect)
        painter.fillRect(QRectF(0, 0, rect.width(), theme.HEADER_HEIGHT), self.tint)
        painter.fillRect(QRectF(0, 0, rect.width(), 5), self.color)
        for port in self.ports.values():  # the name: canvas/labels.py, readable and whole
            port.draw(painter, False)

    def _paint_header(self, painter: QPainter, rect: QRectF, lod: float) -> None:
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, rect.width(), theme.HEADER_HEIGHT + theme.CORNER),
                              theme.CORNER, theme.CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, rect.width(), theme.HEADER_HEIGHT))
        painter.fillPath(header.intersected(clip), self.tint)
        painter.fillRect(QRectF(0, theme.HEADER_HEIGHT - 1, rect.width(), 1), theme.SEPARATOR)
        size = theme.ICON_SIZE
        top = (theme.HEADER_HEIGHT - size) / 2
        # The world transform leaves out the screen's device pixel ratio: on a 2x
        # screen an icon rendered at ``size * lod`` pixels would be stretched, blurred.
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        pixels = max(1, round(size * lod * ratio))
        painter.drawPixmap(QRectF(10, top, size, size),
                           icons.pixmap(self.icon_name, self.color.name(), pixels),
                           QRectF(0, 0, pixels, pixels))
        right = rect.width() - 10
        if self.problems or self.warnings:
            right = self._paint_badge(painter, right)
        title_font = theme.font("title")
        painter.setFont(title_font)
        painter.setPen(theme.TEXT)
        width = right - 36
        title = QFontMetricsF(title_font).elidedText(self.node_id, Qt.TextElideMode.ElideRight,
                                                     width)
        painter.drawText(QRectF(36, 0, width, theme.HEADER_HEIGHT),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)

    def _paint_badge(self, painter: QPainter, right: float) -> float:
        """A round '!' at the right of the header; returns where the title must stop."""
        color = theme.ERROR if self.problems else theme.WARNING
        centre = QPointF(right - 7, theme.HEADER_HEIGHT / 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(centre, 7.5, 7.5)
        painter.setPen(QPen(QColor("white")))
        painter.setFont(theme.font("title"))
        painter.drawText(QRectF(centre.x() - 7.5, centre.y() - 7.5, 15, 15),
                         Qt.AlignmentFlag.AlignCenter, "!")
        return right - 18

    def _paint_info(self, painter: QPainter, rect: QRectF) -> None:
        top = theme.HEADER_HEIGHT
        row = QRectF(10, top + 1, rect.width() - 20, theme.INFO_HEIGHT)
        painter.setFont(theme.font("port"))
        painter.setPen(theme.TEXT_MUTED)
        painter.drawText(row, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         self.type_name)
        painter.setFont(theme.font("info"))
        painter.setPen(theme.ERROR if self.problems else theme.TEXT)
        painter.drawText(row, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         self.shape_text)
        painter.fillRect(QRectF(0, top + theme.INFO_HEIGHT + 2, rect.width(), 1), theme.SEPARATOR)

    def _paint_picture(self, painter: QPainter, rect: QRectF) -> None:
        """The preview, aspect kept, centred in the strip under the ports."""
        top = rect.bottom() - theme.PREVIEW_HEIGHT
        painter.fillRect(QRectF(0, top, rect.width(), 1), theme.SEPARATOR)
        room = QRectF(8, top + 4, rect.width() - 16, theme.PREVIEW_HEIGHT - 8)
        size = self.picture.size()
        scale = min(room.width() / max(size.width(), 1), room.height() / max(size.height(), 1))
        width, height = size.width() * scale, size.height() * scale
        target = QRectF(room.center().x() - width / 2, room.center().y() - height / 2,
                        width, height)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(target, self.picture, QRectF(self.picture.rect()))

    def _paint_port_labels(self, painter: QPainter) -> None:
        painter.setFont(theme.font("port"))
        painter.setPen(theme.TEXT_MUTED)
        half = theme.NODE_WIDTH / 2 - 14
        for port in self.ports.values():
            y = port.pos().y() - theme.PORT_ROW / 2
            if port.is_input:
                box, align = QRectF(12, y, half, theme.PORT_ROW), Qt.AlignmentFlag.AlignLeft
            else:
                box = QRectF(theme.NODE_WIDTH - 12 - half, y, half, theme.PORT_ROW)
                align = Qt.AlignmentFlag.AlignRight
            painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, port.name)


def _pen(color: QColor, width: float, cosmetic: bool = False) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(cosmetic)
    return pen


_PENS = {"normal": _pen(theme.NODE_BORDER, 1.0), "selected": _pen(theme.ACCENT, 2.0),
         "problem": _pen(theme.ERROR, 2.2), "box_normal": _pen(theme.NODE_BORDER, 1.0, True),
         "box_selected": _pen(theme.ACCENT, 2.0, True), "box_problem": _pen(theme.ERROR, 2.0, True)}


def _alpha(color: QColor, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
