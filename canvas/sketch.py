"""The sketch: the whole graph in a few draw calls, for far-out zoom and the minimap.

Zoomed far out, a node is a few pixels and a wire a hairline; painting 500 node
items and 600 wire items one Python call at a time costs more than a frame.
GraphSketch collects, once per change, every node box (grouped by colour),
every wire (one path) and the selected and broken nodes, and paints them with a
handful of calls. Two things draw it: the scene's *far-zoom* mode, through
SketchItem, when the view is zoomed out below ``theme.LABEL_LOD`` (the node and
wire items then skip painting but stay where they are, so clicking, dragging
and rubber-band selection still work), and the *minimap* in the canvas corner
(minimap.py; the View menu calls it "Overview").
"""
from __future__ import annotations

from typing import Mapping, Protocol

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from components.graph import Edge

from . import theme
from .items import EdgeItem, FrameItem, NodeItem, SceneOverlay


class SketchSource(Protocol):
    """The items a sketch is drawn from (the scene's)."""

    nodes: Mapping[str, NodeItem]
    edges: Mapping[Edge, EdgeItem]
    frames: Mapping[str, FrameItem]


def _cosmetic(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


WIRE_PEN = _cosmetic(theme.WIRE, 1.0)
SELECTED_PEN = _cosmetic(theme.ACCENT, 2.0)
PROBLEM_PEN = _cosmetic(theme.ERROR, 2.0)
NODE_PEN = _cosmetic(theme.NODE_BORDER, 1.0)
FRAME_PEN = _cosmetic(theme.FRAME_BORDER, 1.0)


class GraphSketch:
    """Cached boxes and paths of one scene's nodes, wires and frames."""

    def __init__(self, scene: SketchSource) -> None:
        self.scene = scene
        self.dirty = True
        self.bounds = QRectF()
        self.boxes: dict[int, tuple[QColor, list[QRectF]]] = {}
        self.wires = QPainterPath()
        self.selected_wires = QPainterPath()
        self.selected: list[QRectF] = []
        self.problems: list[QRectF] = []
        self.frames: list[QRectF] = []

    def invalidate(self) -> None:
        self.dirty = True

    def refresh(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        scene = self.scene
        self.boxes, self.selected, self.problems = {}, [], []
        bounds = QRectF()
        for item in scene.nodes.values():
            rect = item.mapRectToScene(item.body_rect())
            bounds = bounds.united(rect)
            self.boxes.setdefault(item.tint.rgba(), (item.tint, []))[1].append(rect)
            if item.problems:
                self.problems.append(rect)
            elif item.isSelected():
                self.selected.append(rect)
        self.wires, self.selected_wires = QPainterPath(), QPainterPath()
        for edge in scene.edges.values():
            (self.selected_wires if edge.isSelected() else self.wires).addPath(edge.path())
        self.frames = [f.boundingRect() for f in scene.frames.values() if f.isVisible()]
        for rect in self.frames:
            bounds = bounds.united(rect)
        self.bounds = bounds

    def paint(self, painter: QPainter, frames: bool = False) -> None:
        """Draw in scene coordinates (the painter maps scene to device); the canvas
        draws frames itself, the minimap asks for them here."""
        self.refresh()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if frames and self.frames:
            painter.setPen(FRAME_PEN)
            painter.setBrush(theme.FRAME_FILL)
            painter.drawRects(self.frames)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(WIRE_PEN)
        painter.drawPath(self.wires)
        painter.setPen(SELECTED_PEN)
        painter.drawPath(self.selected_wires)
        painter.setPen(NODE_PEN)
        for color, rects in self.boxes.values():
            painter.setBrush(color)
            painter.drawRects(rects)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen, rects in ((SELECTED_PEN, self.selected), (PROBLEM_PEN, self.problems)):
            if rects:
                painter.setPen(pen)
                painter.drawRects(rects)


class SketchItem(SceneOverlay):
    """Paints the scene's GraphSketch in far-zoom mode (the view zoomed far out);
    the geometry is gathered lazily, at the next paint."""

    def __init__(self, sketch: GraphSketch) -> None:
        super().__init__(z=0.5)
        self.sketch = sketch

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        self.sketch.paint(painter)
