"""A picture of a model's graph for the hub, painted from the project file's graph
section: no scene, no items, no window.

Building a canvas scene per model would cost tens of milliseconds each and every
node's text is unreadable at this size anyway, so the painter draws what the
canvas's far zoom shows (canvas/sketch.py): each node a box with a header in its
category's colour, at its place on the canvas and the canvas's size, each wire a
curve between its ports, each group a tinted rectangle.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap

from canvas import theme
from components import registry

MAX_SCALE = 0.45          # a three-node graph stays a picture of boxes, not three blocks
MARGIN = 10.0
BACKGROUND = theme.CANVAS
BROKEN = QColor("#fde8e8")


def node_boxes(graph: dict[str, Any]) -> dict[str, tuple[QRectF, str, list[str], list[str]]]:
    """node id -> (scene rectangle, category, input ports, output ports)."""
    boxes = {}
    for node in graph.get("nodes") or []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        position = node.get("position")
        x, y = (position if isinstance(position, list) and len(position) == 2
                and all(isinstance(v, (int, float)) for v in position) else (0.0, 0.0))
        category, inputs, outputs = _ports(str(node.get("type")), node.get("settings"))
        height = theme.node_height(max(len(inputs), len(outputs)))
        boxes[node["id"]] = (QRectF(float(x), float(y), theme.NODE_WIDTH, height), category,
                             inputs, outputs)
    return boxes


def _ports(kind: str, settings: Any) -> tuple[str, list[str], list[str]]:
    try:
        cls = registry.get(kind)
        component = cls(settings if isinstance(settings, dict) else {})
        return cls.category, component.input_ports(), component.output_ports()
    except Exception:  # noqa: BLE001 - an unknown type or a bad setting: a plain box
        return "", ["in"], ["out"]


def graph_pixmap(graph: dict[str, Any] | None, size: QSize, broken: bool = False,
                 ratio: float = 1.0) -> QPixmap:
    """The graph fitted into ``size`` (logical pixels; ``ratio`` is the screen's device
    pixel ratio); a tinted empty picture for an empty graph or a file that cannot be read."""
    image = QImage(round(size.width() * ratio), round(size.height() * ratio),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(BROKEN if broken else BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(theme.NODE_BORDER, 1))
    painter.drawRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1))
    boxes = node_boxes(graph) if isinstance(graph, dict) else {}
    if boxes:
        _paint_graph(painter, graph, boxes, QRectF(0, 0, size.width(), size.height()))
    painter.end()
    return QPixmap.fromImage(image)


def _paint_graph(painter: QPainter, graph: dict[str, Any], boxes: dict, area: QRectF) -> None:
    bounds = QRectF()
    for rect, *_ in boxes.values():
        bounds = bounds.united(rect)
    frames = _frame_rects(graph, boxes)
    for rect in frames:
        bounds = bounds.united(rect)
    room = area.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    scale = min(MAX_SCALE, room.width() / max(bounds.width(), 1.0),
                room.height() / max(bounds.height(), 1.0))
    painter.save()
    painter.translate(area.center())
    painter.scale(scale, scale)
    painter.translate(-bounds.center())
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.FRAME_FILL)
    for rect in frames:
        painter.drawRect(rect)
    _paint_wires(painter, graph, boxes, scale)
    _paint_nodes(painter, boxes, scale)
    painter.restore()


def _frame_rects(graph: dict[str, Any], boxes: dict) -> list[QRectF]:
    rects = []
    for frame in graph.get("frames") or []:
        members = [boxes[n][0] for n in (frame.get("nodes") or []) if n in boxes] \
            if isinstance(frame, dict) else []
        if members:
            rect = QRectF()
            for member in members:
                rect = rect.united(member)
            pad = theme.FRAME_PADDING
            rects.append(rect.adjusted(-pad, -pad - theme.FRAME_TITLE_HEIGHT, pad, pad))
    return rects


def _paint_wires(painter: QPainter, graph: dict[str, Any], boxes: dict, scale: float) -> None:
    path = QPainterPath()
    for edge in graph.get("edges") or []:
        if not isinstance(edge, dict):
            continue
        source, target = boxes.get(edge.get("source")), boxes.get(edge.get("target"))
        if source is None or target is None:
            continue
        start = QPointF(source[0].right(), source[0].top()
                        + theme.port_y(_index(source[3], edge.get("source_port"))))
        end = QPointF(target[0].left(), target[0].top()
                      + theme.port_y(_index(target[2], edge.get("target_port"))))
        bend = max(40.0, abs(end.x() - start.x()) / 2)
        path.moveTo(start)
        path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
    pen = QPen(theme.WIRE, 1.3 / scale)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


def _paint_nodes(painter: QPainter, boxes: dict, scale: float) -> None:
    border = QPen(theme.NODE_BORDER, 1.0 / scale)
    for rect, category, _, _ in boxes.values():
        painter.setPen(border)
        painter.setBrush(theme.NODE_BODY)
        painter.drawRoundedRect(rect, theme.CORNER, theme.CORNER)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.category_color(category))
        header = QRectF(rect.x(), rect.y(), rect.width(), theme.HEADER_HEIGHT)
        painter.drawRoundedRect(header, theme.CORNER, theme.CORNER)


def _index(ports: list[str], name: Any) -> int:
    return ports.index(name) if name in ports else 0
