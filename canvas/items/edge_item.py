"""Wires: a document edge drawn as a curve, and the preview while one is dragged.

A wire is a cubic Bézier that leaves its output to the right and enters its
input from the left, so it reads left to right even when the target sits
behind the source. It follows its nodes because each node item calls
``update_path`` when it moves. The clickable shape is a wide stroke around the
curve, so a thin wire is still easy to select.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from components.graph import Edge

from .. import theme
from .port_item import PortItem

HIT_WIDTH = 12.0


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """The curve from an output at ``start`` to an input at ``end``."""
    dx = max(40.0, abs(end.x() - start.x()) * 0.5, min(160.0, abs(end.y() - start.y()) * 0.4))
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class EdgeItem(QGraphicsPathItem):
    """The picture of one document edge between two port items."""

    def __init__(self, edge: Edge, source: PortItem, target: PortItem) -> None:
        super().__init__()
        self.edge = edge
        self.source = source
        self.target = target
        self._hovered = False
        self._shape = QPainterPath()
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.setToolTip(f"{edge.source}.{edge.source_port} → {edge.target}.{edge.target_port}")
        self.update_path()

    def update_path(self) -> None:
        path = wire_path(self.source.scenePos(), self.target.scenePos())
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        self._shape = stroker.createStroke(path)
        self._bounds = self._shape.boundingRect()
        self.setPath(path)

    def shape(self) -> QPainterPath:
        return self._shape

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self._hovered = False
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        # Antialiasing a wire a fraction of a pixel wide costs time and shows nothing.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing,
                              painter.worldTransform().m11() >= theme.DETAIL_LOD)
        painter.setPen(_PENS["selected" if selected else "hover" if self._hovered else "normal"])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())


def _round_pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


_PENS = {"normal": _round_pen(theme.WIRE, 2.0), "hover": _round_pen(theme.WIRE_HOVER, 2.6),
         "selected": _round_pen(theme.ACCENT, 3.0)}


class WirePreview(QGraphicsPathItem):
    """The wire under the cursor while one is dragged; green when it would connect."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(50)
        self.set_ok(None)

    def set_ends(self, output_end: QPointF, input_end: QPointF) -> None:
        self.setPath(wire_path(output_end, input_end))

    def set_ok(self, ok: bool | None) -> None:
        """None: over empty canvas; True: over a port that accepts; False: one that refuses."""
        color = {None: theme.ACCENT, True: theme.OK, False: theme.ERROR}[ok]
        pen = QPen(QColor(color), 2.2, Qt.PenStyle.SolidLine if ok else Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
