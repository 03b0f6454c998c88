"""A port: the circle on a node's edge where a wire starts or ends.

Inputs sit on the left edge, outputs on the right. While a wire is being
dragged every port shows whether it would accept it (``PortState``); the reason
a port refuses is kept here so the hint under the cursor can say it. A port
item is only a hit area with a state: its node paints it (``draw``), which saves
one Python paint call per port on every repaint of a large graph.
"""
from __future__ import annotations

from enum import Enum
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .. import theme



class PortOwner(Protocol):
    """What a port needs from the node item it sits on (node_item.py), which paints it."""

    node_id: str

    def update(self, *args: object) -> None: ...


class PortState(Enum):
    IDLE = "idle"
    SOURCE = "source"            # the port a wire is dragged from
    COMPATIBLE = "compatible"    # would accept the wire being dragged
    REFUSED = "refused"          # would not; ``refusal`` says why
    HOVER_OK = "hover_ok"        # compatible and under the cursor
    HOVER_REFUSED = "hover_refused"


class PortItem(QGraphicsItem):
    """One named input or output port of a node item."""

    def __init__(self, node_item: PortOwner, name: str, direction: str, color: QColor) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.name = name
        self.direction = direction  # "input" or "output"
        self.color = QColor(color)
        self.connected = 0
        self.state = PortState.IDLE
        self.refusal = ""
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.setZValue(2)
        self._hovered = False

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    @property
    def is_input(self) -> bool:
        return self.direction == "input"

    def set_state(self, state: PortState, refusal: str = "") -> None:
        if (state, refusal) != (self.state, self.refusal):
            self.state, self.refusal = state, refusal
            self.update()

    def set_connected(self, count: int) -> None:
        if count != self.connected:
            self.connected = count
            self.update()

    # --- QGraphicsItem -----------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        r = theme.PORT_HIT_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), theme.PORT_HIT_RADIUS, theme.PORT_HIT_RADIUS)
        return path

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self._hovered = False
        self.update()

    def update(self, *args) -> None:
        """Ports are drawn by their node (one paint call per node, not per port)."""
        self.node_item.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Never called (ItemHasNoContents): the node item paints its ports."""

    def draw(self, painter: QPainter, detailed: bool) -> None:
        """Paint this port in its node's coordinates; ``detailed`` adds the halo."""
        radius, ring, fill, halo = self._look()
        centre = self.pos()
        if halo is not None and detailed:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(centre, radius + 4, radius + 4)
        painter.setPen(QPen(ring, 1.8))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(centre, radius, radius)

    def _look(self) -> tuple[float, QColor, QColor, QColor | None]:
        """(radius, ring colour, fill colour, halo colour or None) for the state."""
        base = theme.PORT_RADIUS
        filled = self.color if self.connected else theme.NODE_BODY
        state = self.state
        if state is PortState.IDLE:
            return (base + 1 if self._hovered else base), self.color, filled, None
        if state is PortState.SOURCE:
            return base + 1, theme.ACCENT, theme.ACCENT, _alpha(theme.ACCENT, 60)
        if state in (PortState.COMPATIBLE, PortState.HOVER_OK):
            hover = state is PortState.HOVER_OK
            return base + (2 if hover else 1), theme.OK, (theme.OK if hover else filled), \
                _alpha(theme.OK, 110 if hover else 55)
        if state is PortState.HOVER_REFUSED:
            return base + 1, theme.ERROR, theme.ERROR, _alpha(theme.ERROR, 70)
        return base - 1, _alpha(self.color, 70), _alpha(filled, 70), None  # refused: faded


def _alpha(color: QColor, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
