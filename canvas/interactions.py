"""Mouse gestures, one small class each, from press to release.

``Interactions`` receives the scene's mouse events and starts the gesture the
press asks for: a press on a port draws a new wire (or picks up an existing
one from a wired input), on a node or a frame title moves the selection, on
empty canvas draws a rubber band. While a gesture runs, items may move or light
up; the document changes only at release, through one undo command.

The gestures know the editor only as a ``GestureHost``: the few things they ask
of it (push a command, say something, open a menu, report a double-click).
"""
from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen, QUndoCommand
from PySide6.QtWidgets import (QApplication, QGraphicsItem, QGraphicsRectItem,
                               QGraphicsSceneContextMenuEvent, QGraphicsSceneMouseEvent)

from components.graph import GraphDocument

from . import theme
from .commands import CompoundCommand, ConnectCommand, DisconnectCommand, MoveNodesCommand
from .items import EdgeItem, FrameItem, HintItem, NodeItem, PortItem, PortState, WirePreview
from .scene import GraphScene


class GestureHost(Protocol):
    """What the gestures need from the editor that hosts them (editor.py)."""

    scene: GraphScene
    document: GraphDocument
    snap_to_grid: bool

    def push(self, command: QUndoCommand) -> None: ...
    def show_message(self, text: str) -> None: ...
    def open_quick_add(self, port: PortItem, scene_pos: QPointF) -> object: ...
    def show_context_menu(self, scene_pos: QPointF, screen_pos: QPoint,
                          item: QGraphicsItem | None) -> object: ...
    def activate_node(self, node_id: str) -> None: ...
    def request_frame_rename(self, frame_id: str) -> None: ...


def snap(point: QPointF) -> QPointF:
    g = theme.GRID
    return QPointF(round(point.x() / g) * g, round(point.y() / g) * g)


def _ctrl(event: QGraphicsSceneMouseEvent) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)


def _dragged_far(event: QGraphicsSceneMouseEvent, start_screen) -> bool:
    return (event.screenPos() - start_screen).manhattanLength() >= QApplication.startDragDistance()


class Gesture:
    """Base: a gesture sees its host editor; ``cancel`` undoes its visual effects."""

    def __init__(self, editor: GestureHost) -> None:
        self.editor = editor
        self.scene = editor.scene

    def move(self, event: QGraphicsSceneMouseEvent) -> None:
        """The mouse moved with the button held."""

    def release(self, event: QGraphicsSceneMouseEvent) -> None:
        """The button came up: commit."""

    def cancel(self) -> None:
        """Escape, or the document was replaced: forget the gesture."""


class MoveGesture(Gesture):
    """Click selects; dragging moves every selected node (and grouped members) together."""

    def __init__(self, editor: GestureHost, event: QGraphicsSceneMouseEvent,
                 item: NodeItem | FrameItem) -> None:
        super().__init__(editor)
        self.item = item
        self.ctrl = _ctrl(event)
        self.deselect_on_click = self.ctrl and item.isSelected()
        if self.ctrl:
            item.setSelected(True)
        elif not item.isSelected():
            self.scene.select_items([item])
        self.start, self.start_screen = event.scenePos(), event.screenPos()
        movers: list[NodeItem] = []
        for selected in self.scene.selectedItems():
            movers += [selected] if isinstance(selected, NodeItem) else []
            movers += selected.members if isinstance(selected, FrameItem) else []
        self.origins = {m: m.pos() for m in dict.fromkeys(movers)}
        self.dragging = False

    def move(self, event: QGraphicsSceneMouseEvent) -> None:
        if not self.dragging and not _dragged_far(event, self.start_screen):
            return
        self.dragging = True
        delta = event.scenePos() - self.start
        for item, origin in self.origins.items():
            target = origin + delta
            item.setPos(snap(target) if self.editor.snap_to_grid else target)

    def release(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.dragging:
            moved = {i.node_id: (float(round(i.pos().x())), float(round(i.pos().y())))
                     for i, origin in self.origins.items() if i.pos() != origin}  # whole units
            if moved:
                self.editor.push(MoveNodesCommand(self.editor.document, moved))
        elif self.deselect_on_click:
            self.item.setSelected(False)
        elif not self.ctrl:
            self.scene.select_items([self.item])

    def cancel(self) -> None:
        for item, origin in self.origins.items():
            if item.scene() is not None:
                item.setPos(origin)


class RubberBandGesture(Gesture):
    """Drag on empty canvas: select the nodes the rectangle touches (Ctrl adds)."""

    def __init__(self, editor: GestureHost, event: QGraphicsSceneMouseEvent) -> None:
        super().__init__(editor)
        self.initial = list(self.scene.selectedItems()) if _ctrl(event) else []
        if not _ctrl(event):
            self.scene.select_items([])
        self.start, self.start_screen = event.scenePos(), event.screenPos()
        self.band: QGraphicsRectItem | None = None

    def move(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.band is None:
            if not _dragged_far(event, self.start_screen):
                return
            self.band = QGraphicsRectItem()
            pen = QPen(theme.ACCENT, 1)
            pen.setCosmetic(True)
            self.band.setPen(pen)
            fill = QColor(theme.ACCENT)
            fill.setAlpha(28)
            self.band.setBrush(QBrush(fill))
            self.band.setZValue(90)
            self.scene.addItem(self.band)
        rect = QRectF(self.start, event.scenePos()).normalized()
        self.band.setRect(rect)
        hits = [i for i in self.scene.items(rect, Qt.ItemSelectionMode.IntersectsItemShape)
                if isinstance(i, NodeItem)]
        self.scene.select_items(self.initial + hits)

    def release(self, event: QGraphicsSceneMouseEvent) -> None:
        self._remove_band()

    def cancel(self) -> None:
        self._remove_band()
        self.scene.select_items(self.initial)

    def _remove_band(self) -> None:
        if self.band is not None:
            self.scene.removeItem(self.band)
            self.band = None


class WireGesture(Gesture):
    """Drag from a port to a port. Ports light up green where the wire fits; a refusing
    port shows why. Pressing a wired input picks its wire up (drop it elsewhere to
    rewire, on empty canvas to remove it). A new wire dropped on empty canvas opens the
    quick-add menu."""

    def __init__(self, editor: GestureHost, event: QGraphicsSceneMouseEvent,
                 port: PortItem) -> None:
        super().__init__(editor)
        doc = editor.document
        taken = doc.edge_at_input(port.node_id, port.name) if port.is_input else None
        self.detached: EdgeItem | None = self.scene.edges.get(taken) if taken else None
        self.picked_from = port
        self.fixed = self.detached.source if self.detached else port
        if self.detached:
            self.detached.hide()
        self.preview = WirePreview()
        self.hint = HintItem()
        self.scene.addItem(self.preview)
        self.scene.addItem(self.hint)
        self.hovered: PortItem | None = None
        self._mark_ports()
        self._follow(event.scenePos())

    def _mark_ports(self) -> None:
        doc, fixed = self.editor.document, self.fixed
        for node_item in self.scene.nodes.values():
            for port in node_item.ports.values():
                if port is fixed:
                    port.set_state(PortState.SOURCE)
                elif self.detached is not None and port is self.picked_from:
                    port.set_state(PortState.COMPATIBLE)
                else:
                    ok, _, message = doc.can_connect(fixed.node_id, fixed.name,
                                                     port.node_id, port.name)
                    port.set_state(PortState.COMPATIBLE if ok else PortState.REFUSED, message)

    def target_at(self, pos: QPointF) -> PortItem | None:
        """The port under ``pos``; over a node body, its best port for this wire."""
        port = self.scene.port_at(pos)
        if port is not None:
            return None if port is self.fixed else port
        node = next((i for i in self.scene.items(pos) if isinstance(i, NodeItem)), None)
        if node is None or node.node_id == self.fixed.node_id:
            return None
        candidates = node.output_ports() if self.fixed.is_input else node.input_ports()
        fitting = [p for p in candidates if p.state in (PortState.COMPATIBLE, PortState.HOVER_OK)]
        return (fitting or candidates or [None])[0]

    def _follow(self, pos: QPointF) -> None:
        target = self.target_at(pos)
        if self.hovered is not None and self.hovered is not target:
            refused = self.hovered.state is PortState.HOVER_REFUSED
            self.hovered.set_state(PortState.REFUSED if refused else PortState.COMPATIBLE,
                                   self.hovered.refusal)
        self.hovered = target
        end, ok = pos, None
        if target is not None and target.state in (PortState.COMPATIBLE, PortState.HOVER_OK):
            target.set_state(PortState.HOVER_OK)
            end, ok = target.scenePos(), True
        elif target is not None:
            target.set_state(PortState.HOVER_REFUSED, target.refusal)
            ok = False
        if ok is False:
            self.hint.show_text(f"Cannot connect: {target.refusal}", pos)
        else:
            self.hint.clear()
        self.preview.set_ok(ok)
        start = self.fixed.scenePos()
        if self.fixed.is_input:
            self.preview.set_ends(end, start)
        else:
            self.preview.set_ends(start, end)

    def move(self, event: QGraphicsSceneMouseEvent) -> None:
        self._follow(event.scenePos())

    def release(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        target = self.target_at(pos)
        refusal = target.refusal if target is not None else ""
        compatible = target is not None and target.state in (PortState.COMPATIBLE,
                                                             PortState.HOVER_OK)
        self.cancel()
        doc, fixed = self.editor.document, self.fixed
        if target is None:
            if self.detached is not None:
                self.editor.push(DisconnectCommand(doc, self.detached.edge))
            elif self.scene.is_empty_at(pos):
                self.editor.open_quick_add(fixed, pos)
            return
        if self.detached is not None and target is self.picked_from:
            return
        if not compatible:
            self.editor.show_message(f"Cannot connect {fixed.node_id}.{fixed.name} to "
                                     f"{target.node_id}.{target.name}: {refusal}")
            return
        if self.detached is None:
            self.editor.push(ConnectCommand(doc, fixed.node_id, fixed.name,
                                            target.node_id, target.name))
            return
        self.editor.push(CompoundCommand(
            f"Rewire {fixed.node_id} to {target.node_id}",
            [DisconnectCommand(doc, self.detached.edge),
             ConnectCommand(doc, fixed.node_id, fixed.name, target.node_id, target.name,
                            check=False)]))

    def cancel(self) -> None:
        for item in (self.preview, self.hint):
            if item.scene() is not None:
                self.scene.removeItem(item)
        for node_item in self.scene.nodes.values():
            for port in node_item.ports.values():
                port.set_state(PortState.IDLE)
        if self.detached is not None and self.detached.scene() is not None:
            self.detached.show()


class Interactions:
    """The scene's interaction handler: picks and drives the current gesture."""

    def __init__(self, editor: GestureHost) -> None:
        self.editor = editor
        self.active: Gesture | None = None
        self._pressed = False  # a left press was ours, so its release is ours too

    def item_at(self, pos: QPointF) -> QGraphicsItem | None:
        for item in self.editor.scene.items(pos):
            if isinstance(item, (PortItem, NodeItem, EdgeItem, FrameItem)) and item.isVisible():
                return item
        return None

    def mouse_press(self, event: QGraphicsSceneMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return event.button() == Qt.MouseButton.RightButton  # context menu comes next
        self.cancel()
        self._pressed = True
        item = self.item_at(event.scenePos())
        if isinstance(item, PortItem):
            self.active = WireGesture(self.editor, event, item)
        elif isinstance(item, (NodeItem, FrameItem)):
            self.active = MoveGesture(self.editor, event, item)
        elif isinstance(item, EdgeItem):
            self._click_edge(event, item)
        else:
            self.active = RubberBandGesture(self.editor, event)
        return True

    def _click_edge(self, event: QGraphicsSceneMouseEvent, item: EdgeItem) -> None:
        if _ctrl(event):
            item.setSelected(not item.isSelected())
        else:
            self.editor.scene.select_items([item])

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self.active is None:
            return False
        self.active.move(event)
        return True

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return self.active is not None
        pressed, self._pressed = self._pressed, False
        gesture, self.active = self.active, None
        if gesture is not None:
            gesture.release(event)
        return pressed

    def mouse_double_click(self, event: QGraphicsSceneMouseEvent) -> bool:
        item = self.item_at(event.scenePos())
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, FrameItem):
            self.editor.request_frame_rename(item.frame_id)
            return True
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, NodeItem):
            self.editor.activate_node(item.node_id)
            return True
        return self.mouse_press(event)

    def context_menu(self, event: QGraphicsSceneContextMenuEvent) -> bool:
        self.cancel()
        self.editor.show_context_menu(event.scenePos(), event.screenPos(),
                                      self.item_at(event.scenePos()))
        return True

    def cancel(self) -> None:
        gesture, self.active = self.active, None
        if gesture is not None:
            gesture.cancel()
