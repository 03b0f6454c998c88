"""Node names that stay readable when the view is zoomed out.

Below ``theme.DETAIL_LOD`` a node is drawn as a box a few dozen pixels wide, and a
name drawn inside it either shrinks below reading size or is cut ("bottom_co…" at
41 %). Fitting the 33-node U-Net into a window zooms to 14-30 %, so after F a person
saw boxes without names. This layer draws every node's name at a fixed screen size
(``LABEL_PX``) over its box, broken after an underscore onto a second line when that
keeps it narrow, the way a map labels its towns: a name that would overlap a name
already placed is left out (the box stays, and its tooltip names it), selected and
broken nodes first, then in document order. Which names fit depends only on the zoom
and the graph, never on the pan, so a scrolled strip repaints the same names.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Protocol

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from . import theme
from .items import NodeItem, SceneOverlay

LABEL_PX = 11.0   # the names' font size on screen, in pixels
PAD_X, PAD_Y = 4.0, 1.5
LINE_GAP = 1.0   # between the two lines of a broken name: an underscore must not touch
GAP = 2.0         # screen pixels kept between two names
FILL = QColor(255, 255, 255, 235)
MEASURED_MAX = 20_000


def label_font() -> QFont:
    font = QFont(theme.font("title"))
    font.setPixelSize(round(LABEL_PX))
    return font


def label_lines(name: str, metrics: QFontMetricsF, room: float) -> list[str]:
    """``name`` on one line when it fits ``room`` pixels, else broken after the
    underscore that balances two lines best (``bottom_`` / ``conv1``)."""
    if metrics.horizontalAdvance(name) <= room or "_" not in name.strip("_"):
        return [name]
    cuts = [i + 1 for i, ch in enumerate(name[:-1]) if ch == "_" and i > 0]
    best = min(cuts, key=lambda i: max(metrics.horizontalAdvance(name[:i]),
                                       metrics.horizontalAdvance(name[i:])))
    return [name[:best], name[best:]]


class LabelSource(Protocol):
    """The node items whose names are shown (the scene's)."""

    nodes: Mapping[str, NodeItem]


class LabelLayer(SceneOverlay):
    """Paints the readable names of a scene's nodes while it is zoomed out."""

    def __init__(self, source: LabelSource) -> None:
        super().__init__(z=20)  # above nodes and wires
        self.source = source
        self.font = label_font()
        self.metrics = QFontMetricsF(self.font)
        self._placed: list[tuple[NodeItem, list[str], QRectF]] = []
        self._key: tuple | None = None
        self._measured: dict[tuple[str, int], tuple[list[str], float]] = {}
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # exposedRect

    def invalidate(self) -> None:
        """The nodes moved, came, went or changed state: place the names again."""
        self._key = None
        self.changed()

    def placed(self, zoom: float) -> list[tuple[NodeItem, list[str], QRectF]]:
        """(node, lines, label rectangle in scene units) of every name shown at ``zoom``."""
        key = (round(zoom, 6), len(self.source.nodes))
        if key != self._key:
            self._key = key
            self._placed = self._place(zoom)
        return self._placed

    def _place(self, zoom: float) -> list[tuple[NodeItem, list[str], QRectF]]:
        line = self.metrics.lineSpacing() + LINE_GAP
        taken = _Grid(cell=max(line, 1.0) * 4 / zoom)
        result = []
        for item in _by_priority(self.source.nodes.values()):
            body = item.mapRectToScene(item.body_rect())
            lines, width = self._text(item.node_id, round(body.width() * zoom - 2 * PAD_X))
            height = line * len(lines) + 2 * PAD_Y
            rect = QRectF(0, 0, width / zoom, height / zoom)
            rect.moveCenter(body.center())
            margin = GAP / zoom
            if taken.free(rect.adjusted(-margin, -margin, margin, margin)):
                taken.add(rect)
                result.append((item, lines, rect))
        return result

    def _text(self, name: str, room: int) -> tuple[list[str], float]:
        """The lines of a name and the label's width in pixels, measured once (a drag
        places the names again on every move)."""
        key = (name, room)
        if key not in self._measured:
            if len(self._measured) > MEASURED_MAX:  # rooms change with every zoom step
                self._measured.clear()
            lines = label_lines(name, self.metrics, room)
            width = max(self.metrics.horizontalAdvance(t) for t in lines) + 2 * PAD_X
            self._measured[key] = (lines, width)
        return self._measured[key]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        world = painter.worldTransform()
        zoom = world.m11()
        if zoom <= 0:
            return
        exposed = option.exposedRect if option.exposedRect.isValid() else self.boundingRect()
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font)
        line = self.metrics.lineSpacing() + LINE_GAP
        for item, lines, rect in self.placed(zoom):
            if not rect.intersects(exposed):
                continue
            box = world.mapRect(rect)
            painter.setPen(_border(item))
            painter.setBrush(FILL)
            painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            painter.setPen(theme.ERROR if item.problems else theme.TEXT)
            top = box.top() + PAD_Y
            for text in lines:
                painter.drawText(QRectF(box.left(), top, box.width(), line),
                                 Qt.AlignmentFlag.AlignCenter, text)
                top += line
        painter.restore()


def _by_priority(items: Iterable[NodeItem]) -> list[NodeItem]:
    """Selected and broken nodes get their names first; then document order."""
    ordered = list(items)
    return sorted(ordered, key=lambda i: (not i.isSelected(), not i.problems))


def _border(item: NodeItem) -> QPen:
    if item.problems:
        return QPen(theme.ERROR, 1.6)
    if item.isSelected():
        return QPen(theme.ACCENT, 1.6)
    return QPen(item.color, 1.0)


class _Grid:
    """Rectangles bucketed by cell, so checking a label against those already placed
    costs a few comparisons, not one per node (a 500-node graph far out)."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[QRectF]] = {}

    def _keys(self, rect: QRectF) -> list[tuple[int, int]]:
        c = self.cell
        return [(x, y) for x in range(int(rect.left() // c), int(rect.right() // c) + 1)
                for y in range(int(rect.top() // c), int(rect.bottom() // c) + 1)]

    def free(self, rect: QRectF) -> bool:
        return not any(rect.intersects(r) for k in self._keys(rect) for r in self.cells.get(k, ()))

    def add(self, rect: QRectF) -> None:
        for key in self._keys(rect):
            self.cells.setdefault(key, []).append(rect)

