"""The scene: graphics items that follow the graph document.

GraphScene subscribes to the document's events and adds, moves, rewires and
removes items to match; it never changes the document (undo commands do). The
compiler's analysis arrives through ``apply_analysis`` and becomes shape text,
red outlines and tooltips. Mouse events are offered first to an interaction
handler (interactions.py), which turns gestures into undo commands.
"""
from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsScene, QGraphicsSceneContextMenuEvent,
                               QGraphicsSceneMouseEvent)

from components import registry
from components.compiler import Analysis
from components.errors import StudioError
from components.events import Subscriptions
from components.graph import Edge, Frame, GraphDocument, Node

from .items import EdgeItem, FrameItem, NodeItem, PortItem
from .labels import LabelLayer
from .sketch import GraphSketch, SketchItem

EXTENT = 100_000.0
"""Half the side of the scene rect: large, so the canvas can be panned freely."""


class InteractionHandler(Protocol):
    """What the scene forwards mouse events to; True means 'handled, stop here'."""

    def mouse_press(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def mouse_double_click(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def context_menu(self, event: QGraphicsSceneContextMenuEvent) -> bool: ...


class GraphScene(QGraphicsScene):
    """Items for every node, wire and frame of one document."""

    sketch_changed = Signal()  # anything the sketch (far zoom, minimap) draws changed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSceneRect(QRectF(-EXTENT, -EXTENT, 2 * EXTENT, 2 * EXTENT))
        self.document: GraphDocument | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.frames: dict[str, FrameItem] = {}
        self.handler: InteractionHandler | None = None
        self.analysis: Analysis | None = None
        self.pictures: dict[str, QImage] = {}  # the live previews' thumbnails, by node id
        self.captions: dict[str, str] = {}      # what each of them shows
        self._subscriptions = Subscriptions()
        self.sketch = GraphSketch(self)
        self.sketch_item = SketchItem(self.sketch)
        self.addItem(self.sketch_item)
        self.far_zoom = False
        self.labels = LabelLayer(self)
        self.addItem(self.labels)
        self.selectionChanged.connect(self.graph_changed)

    # --- following a document --------------------------------------------------------
    def set_document(self, document: GraphDocument | None) -> None:
        """Show ``document`` (None stops following one, e.g. when the window closes)."""
        self._subscriptions.close()
        self.document = document
        if document is not None:
            follow = self._subscriptions.subscribe
            follow(document.node_added, self._on_node_added)
            follow(document.node_removed, self._on_node_removed)
            follow(document.node_moved, self._on_node_moved)
            follow(document.setting_changed, self._on_setting_changed)
            follow(document.edge_added, self._on_edge_added)
            follow(document.edge_removed, self._on_edge_removed)
            follow(document.frame_added, self._on_frame_added)
            follow(document.frame_removed, self._on_frame_removed)
            follow(document.frame_changed, self._on_frame_changed)
            follow(document.reset, self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        """Drop every item and make them again from the document (open, new, reset)."""
        for item in [*self.frames.values(), *self.edges.values(), *self.nodes.values()]:
            self.removeItem(item)
        self.nodes, self.edges, self.frames = {}, {}, {}
        if self.document is None:
            self.graph_changed()
            return
        for node in self.document.nodes:
            self._on_node_added(node)
        for edge in self.document.edges:
            self._on_edge_added(edge)
        for frame in self.document.frames:
            self._on_frame_added(frame)
        if self.analysis is not None:
            self.apply_analysis(self.analysis)
        self.graph_changed()

    def _on_node_added(self, node: Node) -> None:
        doc = self.document
        item = NodeItem(node.id, registry.get(node.type), doc.input_ports(node.id),
                        doc.output_ports(node.id))
        item.setPos(*node.position)
        item.set_picture(self.pictures.get(node.id), self.captions.get(node.id, ""))
        self._paint_mode(item)
        self.nodes[node.id] = item
        self.addItem(item)
        self.graph_changed()

    def _on_node_removed(self, node: Node) -> None:
        item = self.nodes.pop(node.id, None)
        if item is not None:
            for frame in list(item.frames):
                frame.set_members([m for m in frame.members if m is not item])
            self.removeItem(item)
            self.graph_changed()

    def _on_node_moved(self, node: Node) -> None:
        item = self.nodes.get(node.id)
        if item is not None and (item.pos().x(), item.pos().y()) != node.position:
            item.setPos(*node.position)

    def _on_setting_changed(self, node: Node, name: str, old: Any, new: Any) -> None:
        item = self.nodes.get(node.id)
        if item is None:
            return
        try:
            inputs, outputs = self.document.input_ports(node.id), self.document.output_ports(node.id)
        except StudioError:
            return
        item.set_ports(inputs, outputs)
        for edge in item.edges:
            edge.update_path()
        for frame in item.frames:
            frame.update_geometry()
        self.graph_changed()

    def _on_edge_added(self, edge: Edge) -> None:
        source, target = self.nodes[edge.source], self.nodes[edge.target]
        item = EdgeItem(edge, source.ports[edge.source_port], target.ports[edge.target_port])
        source.edges.append(item)
        target.edges.append(item)
        self.edges[edge] = item
        self._paint_mode(item)
        self.addItem(item)
        self._count_wires(item)
        self.graph_changed()

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is None:
            return
        for node_item in (self.nodes.get(edge.source), self.nodes.get(edge.target)):
            if node_item is not None and item in node_item.edges:
                node_item.edges.remove(item)
        self.removeItem(item)
        self._count_wires(item)
        self.graph_changed()

    def _count_wires(self, item: EdgeItem) -> None:
        for port in (item.source, item.target):
            node = self.nodes.get(port.node_id)
            if node is not None:
                port.set_connected(sum(1 for e in node.edges if e.source is port or e.target is port))

    def _on_frame_added(self, frame: Frame) -> None:
        item = FrameItem(frame.id, frame.title)
        self.frames[frame.id] = item
        self.addItem(item)
        item.set_members([self.nodes[n] for n in frame.nodes if n in self.nodes])
        self.graph_changed()

    def _on_frame_removed(self, frame: Frame) -> None:
        item = self.frames.pop(frame.id, None)
        if item is not None:
            item.set_members([])
            self.removeItem(item)
            self.graph_changed()

    def _on_frame_changed(self, frame: Frame) -> None:
        item = self.frames.get(frame.id)
        if item is not None:
            item.set_title(frame.title)
            item.set_members([self.nodes[n] for n in frame.nodes if n in self.nodes])
            self.graph_changed()

    # --- the compiler's view ---------------------------------------------------------
    def apply_analysis(self, analysis: Analysis) -> None:
        """Shape text, red outlines and tooltips from one analyze() result."""
        self.analysis = analysis
        problems: dict[str, list[str]] = {}
        warnings: dict[str, list[str]] = {}
        for problem in analysis.problems:
            problems.setdefault(problem.node_id, []).append(problem.message)
        for warning in analysis.warnings:
            warnings.setdefault(warning.node_id, []).append(warning.message)
        for node_id, item in self.nodes.items():
            item.set_status(analysis.shapes.get(node_id), problems.get(node_id, []),
                            warnings.get(node_id, []))
        self.graph_changed()

    def apply_previews(self, pictures: dict[str, QImage],
                       captions: dict[str, str] | None = None) -> None:
        """The live previews' thumbnails, one per node id (a node left out shows none),
        and what each shows (for the node's tooltip)."""
        self.pictures, self.captions = dict(pictures), dict(captions or {})
        for node_id, item in self.nodes.items():
            item.set_picture(self.pictures.get(node_id), self.captions.get(node_id, ""))
        self.graph_changed()

    # --- the sketch: the whole graph in a few draw calls --------------------------------
    def graph_changed(self) -> None:
        """Something the sketch draws moved, appeared, went or changed colour."""
        self.sketch.invalidate()
        self.labels.invalidate()
        self.sketch_item.changed()
        self.sketch_changed.emit()

    def set_far_zoom(self, far: bool) -> None:
        """Zoomed far out: draw the sketch instead of the items; items keep hit-testing."""
        if far == self.far_zoom:
            return
        self.far_zoom = far
        self.sketch_item.setVisible(far)
        for item in [*self.nodes.values(), *self.edges.values()]:
            self._paint_mode(item)
        self.sketch_item.changed()

    def set_labels_shown(self, shown: bool) -> None:
        """Zoomed out below the nodes' own titles: draw their names readably on top."""
        if shown != self.labels.isVisible():
            self.labels.setVisible(shown)
            self.labels.invalidate()

    def _paint_mode(self, item: QGraphicsItem) -> None:
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, self.far_zoom)

    # --- reading the selection and the geometry ------------------------------------
    def selected_node_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [n for n in self.nodes if n in chosen]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_frame_ids(self) -> list[str]:
        chosen = {i.frame_id for i in self.selectedItems() if isinstance(i, FrameItem)}
        return [f for f in self.frames if f in chosen]

    def select_items(self, items: list[QGraphicsItem]) -> None:
        """Select exactly ``items``, with one selectionChanged signal (or none)."""
        before = set(self.selectedItems())
        wanted = set(items)
        if before == wanted:
            return
        self.blockSignals(True)
        try:
            for item in before - wanted:
                item.setSelected(False)
            for item in wanted - before:
                item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def select_nodes(self, node_ids: list[str]) -> None:
        self.select_items([self.nodes[n] for n in node_ids if n in self.nodes])

    def is_empty_at(self, scene_pos) -> bool:
        """No node or port under ``scene_pos`` (a wire may be dropped there)."""
        return not any(isinstance(i, (NodeItem, PortItem)) for i in self.items(scene_pos))

    def graph_bounds(self) -> QRectF:
        """The rectangle around every node and frame (empty when there are none)."""
        bounds = QRectF()
        for item in [*self.nodes.values(), *self.frames.values()]:
            if item.isVisible():
                bounds = bounds.united(item.sceneBoundingRect())
        return bounds

    def port_at(self, scene_pos) -> PortItem | None:
        for item in self.items(scene_pos):
            if isinstance(item, PortItem):
                return item
        return None

    # --- gestures ------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.handler is not None and self.handler.mouse_press(event):
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.handler is not None and self.handler.mouse_move(event):
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.handler is not None and self.handler.mouse_release(event):
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.handler is not None and self.handler.mouse_double_click(event):
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:  # noqa: N802
        if self.handler is not None and self.handler.context_menu(event):
            event.accept()
        else:
            super().contextMenuEvent(event)
