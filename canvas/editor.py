"""The canvas editor: document, scene, view, gestures and edit operations together.

This is what a window embeds. Every operation here (add, delete, copy, paste,
duplicate, group, auto-layout...) builds an undo command from commands.py and
pushes it on the shared QUndoStack; nothing writes to the document directly.
The scene redraws from the document's notifications and the debounced
analysis, so undo and redo need no code here at all.

What a window or a panel may use is the public API below: the signals, the edit
operations, ``selected_node_ids`` / ``select_nodes`` / ``focus_node``, ``view``,
``actions`` and ``close``. The gestures (interactions.py) and the actions
(actions.py) see it through the small protocols they declare, so neither imports
this module. ``scene`` is public for tests and benchmarks that check what is drawn.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, Signal
from PySide6.QtGui import QGuiApplication, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QMenu

from components import registry
from components.compiler import Analysis
from components.errors import StudioError
from components.events import Subscriptions
from components.graph import GraphDocument
from components.layout import layered_layout
from components.serialize import graph_to_dict

from . import placement, theme
from .analysis import LiveAnalysis
from .actions import EditorActions
from .expand_command import expand_selected, is_expandable
from .commands import (AddNodeCommand, CompoundCommand, ConnectCommand, DisconnectCommand,
                       GroupCommand, MoveNodesCommand, PasteCommand, RemoveNodesCommand,
                       RenameFrameCommand, UngroupCommand)
from .icons import component_icon
from .interactions import Interactions, snap
from .items import EdgeItem, FrameItem, NodeItem, PortItem
from .mime import ClipboardError, graph_from_mime, graph_text
from .quick_add import QuickAddMenu
from .scene import GraphScene
from .view import CanvasView

PASTE_STEP = 2 * theme.GRID  # pasted copies stay on the grid when the originals are


class CanvasEditor(QObject):
    """Edits one graph document through one undo stack.

    ``live`` is the debounced analysis the scene draws (shapes, outlines); a window
    passes the one its project controller owns, a bare editor makes its own."""

    message = Signal(str)             # a transient note for the status bar
    selection_changed = Signal(list)  # selected node ids
    node_activated = Signal(str)      # a node was double-clicked
    rename_frame_requested = Signal(str)

    def __init__(self, document: GraphDocument, undo_stack: QUndoStack,
                 live: LiveAnalysis | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.undo_stack = undo_stack
        self.snap_to_grid = False
        self.quick_add_menu: QuickAddMenu | None = None
        self.context_menu: QMenu | None = None
        self.scene = GraphScene(self)
        self.scene.set_document(document)
        self.view = CanvasView(self.scene)
        self._owns_live = live is None
        self.live = live if live is not None else LiveAnalysis(document, self)
        self.live.updated.connect(self.show_analysis)
        self.scene.apply_analysis(self.live.analysis)
        self.interactions = Interactions(self)
        self.scene.handler = self.interactions
        self._paste_round = 0
        self.view.component_dropped.connect(self._on_dropped)
        self.view.cancel_requested.connect(self.interactions.cancel)
        self.scene.selectionChanged.connect(self._on_selection)
        self._subscriptions = Subscriptions()
        self._subscriptions.subscribe(document.reset, self._on_reset)
        self.actions = EditorActions(self, self)
        undo_stack.indexChanged.connect(self.actions.update_enabled)
        # Ctrl+Z in the middle of a drag changes the document under the gesture (its node
        # may be gone): drop the gesture; a gesture's own push comes after it has ended.
        undo_stack.indexChanged.connect(self.interactions.cancel)

    def close(self) -> None:
        """Stop following the document (the window is closing)."""
        self.interactions.cancel()
        if self._owns_live:
            self.live.close()
        self._subscriptions.close()
        self.scene.handler = None
        self.scene.set_document(None)

    def _on_reset(self) -> None:
        self.interactions.cancel()
        self._paste_round = 0

    def _on_selection(self) -> None:
        self.selection_changed.emit(self.scene.selected_node_ids())

    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def show_message(self, text: str) -> None:
        self.message.emit(text)

    def show_analysis(self, analysis: Analysis) -> None:
        """Draw an analysis: shape text, red outlines, tooltips (the live one calls this)."""
        self.scene.apply_analysis(analysis)

    def activate_node(self, node_id: str) -> None:
        """A node was double-clicked: whoever shows its details may come forward."""
        self.node_activated.emit(node_id)

    def request_frame_rename(self, frame_id: str) -> None:
        """A frame title was double-clicked: the window asks for the new title."""
        self.rename_frame_requested.emit(frame_id)

    # --- selection and focus -----------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """The selected nodes, in document order."""
        return self.scene.selected_node_ids()

    def selected_frame_ids(self) -> list[str]:
        """The selected groups (a group's title was clicked), in document order."""
        return self.scene.selected_frame_ids()

    def has_selection(self) -> bool:
        """Anything selected: nodes, wires or frames."""
        return bool(self.scene.selectedItems())

    def has_frames(self) -> bool:
        return bool(self.document.frames)

    def select_nodes(self, node_ids: list[str]) -> None:
        self.scene.select_nodes(node_ids)

    def focus_node(self, node_id: str) -> bool:
        """Select a node and centre it, zoomed in far enough to read (a 33-node U-Net
        fitted at 14 % shows only unlabelled boxes); False if there is no such node."""
        item = self.scene.nodes.get(node_id)
        if item is None:
            return False
        self.scene.select_nodes([node_id])
        if self.view.zoom < theme.DETAIL_LOD:
            self.view.reset_zoom()
        self.view.centerOn(item)
        return True

    # --- adding ------------------------------------------------------------------------------
    def _on_dropped(self, type_name: str, scene_pos: QPointF) -> None:
        self.add_component(type_name, scene_pos)

    def add_component(self, type_name: str, scene_pos: QPointF | None = None) -> str | None:
        """Add a node with its header under ``scene_pos``, or (a palette double-click, no
        position) in the free space nearest the view's centre, so a new node never lands
        on top of the nodes already there."""
        centred = scene_pos is None
        if scene_pos is None:
            scene_pos = self.view.mapToScene(self.view.viewport().rect().center())
        top_left = scene_pos - QPointF(theme.NODE_WIDTH / 2, theme.HEADER_HEIGHT / 2)
        if self.snap_to_grid:
            top_left = snap(top_left)
        if centred:
            size = placement.node_size(self.document, type_name)
            top_left = placement.free_spot(self.scene, top_left, size)
        position = (float(round(top_left.x())), float(round(top_left.y())))  # whole units
        try:
            command = AddNodeCommand(self.document, type_name, position)
        except StudioError as error:
            self.show_message(f"Cannot add '{type_name}': {error}")
            return None
        self.push(command)
        self.scene.select_nodes([command.node_id])
        if centred:  # the free spot may lie past the edge of the view
            self.view.ensureVisible(self.scene.nodes[command.node_id].sceneBoundingRect(),
                                    placement.GAP, placement.GAP)
        return command.node_id

    def open_quick_add(self, port: PortItem, scene_pos: QPointF) -> QuickAddMenu:
        """The searchable menu at a wire dropped on empty canvas."""
        menu = QuickAddMenu(self.view, "input" if not port.is_input else "output")
        node_id, port_name, from_output = port.node_id, port.name, not port.is_input
        menu.chosen.connect(lambda name: self.add_connected(name, node_id, port_name,
                                                            from_output, scene_pos))
        self.quick_add_menu = _replace_menu(self.quick_add_menu, menu)
        menu.popup(self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos)))
        return menu

    def add_connected(self, type_name: str, node_id: str, port: str, from_output: bool,
                      scene_pos: QPointF) -> str:
        """Add a node whose first fitting port lands at ``scene_pos``, wired, as one step."""
        component = registry.create(type_name)
        new_port = (component.input_ports() if from_output else component.output_ports())[0]
        x = scene_pos.x() if from_output else scene_pos.x() - theme.NODE_WIDTH
        top_left = QPointF(x, scene_pos.y() - theme.port_y(0))
        if self.snap_to_grid:
            top_left = snap(top_left)
        add = AddNodeCommand(self.document, type_name, (top_left.x(), top_left.y()))
        ends = (node_id, port, add.node_id, new_port)
        wire = ConnectCommand(self.document, *(ends if from_output else ends[2:] + ends[:2]),
                              check=False)
        self.push(CompoundCommand(f"Add {type_name} and connect", [add, wire]))
        self.scene.select_nodes([add.node_id])
        return add.node_id

    # --- selection-based edits ---------------------------------------------------------------
    def select_all(self) -> None:
        self.scene.select_items(list(self.scene.nodes.values()))

    def delete_selection(self, text: str = "") -> None:
        """Delete selected nodes (with their wires), wires and frames as one step."""
        nodes = self.scene.selected_node_ids()
        gone = set(nodes)
        edges = [e for e in self.scene.selected_edges() if not (e.source in gone or e.target in gone)]
        frames = self.scene.selected_frame_ids()
        if not (nodes or edges or frames):
            return
        parts = [f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}"] if nodes else []
        parts += [f"{len(edges)} wire{'s' if len(edges) != 1 else ''}"] if edges else []
        parts += [f"{len(frames)} group{'s' if len(frames) != 1 else ''}"] if frames else []
        steps = CompoundCommand(text or "Delete " + ", ".join(parts))
        for edge in edges:
            steps.add(DisconnectCommand(self.document, edge))
        for frame_id in frames:  # before the nodes: removing them all removes the frame too
            steps.add(UngroupCommand(self.document, frame_id))
        if nodes:
            steps.add(RemoveNodesCommand(self.document, nodes))
        self.push(steps)

    def copy(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self.show_message("Nothing to copy: select nodes first")
            return False
        QGuiApplication.clipboard().setText(graph_text(self._fragment(nodes)))
        self._paste_round = 0
        self.show_message(f"Copied {len(nodes)} node{'s' if len(nodes) != 1 else ''}")
        return True

    def cut(self) -> None:
        if self.copy():
            self.delete_selection("Cut")

    def paste(self) -> list[str]:
        """Paste the clipboard's nodes (from this or another window), offset and selected."""
        try:
            fragment = graph_from_mime(QGuiApplication.clipboard().mimeData())
        except ClipboardError as error:
            self.show_message(f"Cannot paste: {error}")
            return []
        self._paste_round += 1
        return self._paste(fragment, PASTE_STEP * self._paste_round, "Paste")

    def duplicate(self) -> list[str]:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            return []
        return self._paste(self._fragment(nodes), PASTE_STEP, "Duplicate")

    def _fragment(self, nodes: list[str]) -> dict:
        """The selected nodes, the wires between them, and the groups wholly selected."""
        fragment = graph_to_dict(self.document, nodes)
        chosen = set(nodes)
        whole = {f.id for f in self.document.frames if f.nodes and set(f.nodes) <= chosen}
        frames = [f for f in fragment.pop("frames", []) if f["id"] in whole]
        return {**fragment, "frames": frames} if frames else fragment

    def _paste(self, fragment: dict, offset: float, text: str) -> list[str]:
        try:
            command = PasteCommand(self.document, fragment, (offset, offset), text)
        except StudioError as error:
            self.show_message(f"Cannot paste: {error}")
            return []
        offset = placement.paste_offset(self.scene, command.fragment, offset)
        command.offset = (offset, offset)  # further along when a group's title is in the way
        self.push(command)
        self.scene.select_nodes(command.node_ids)
        count = len(command.node_ids)
        done = {"Paste": "Pasted", "Duplicate": "Duplicated"}.get(text, text)
        self.show_message(f"{done} {count} node{'s' if count != 1 else ''}")
        bounds = QRectF()
        for node_id in command.node_ids:
            bounds = bounds.united(self.scene.nodes[node_id].sceneBoundingRect())
        self.view.ensureVisible(bounds, 40, 40)
        return command.node_ids

    def expand_selection(self) -> list[str]:
        """Edit > Expand to Components: the one selected UNet node becomes the nodes it is
        made of, framed, in one undo step; a refusal names the node and why."""
        command, message = expand_selected(self.document, self.scene.selected_node_ids())
        if command is not None:
            self.push(command)
            self.scene.select_nodes(command.node_ids)
            self.view.fit_to_graph()  # the new nodes reach far past where the UNet stood
        self.show_message(message)
        return command.node_ids if command is not None else []

    def can_expand(self) -> bool:
        return is_expandable(self.document, self.scene.selected_node_ids())

    # --- frames --------------------------------------------------------------------------------
    def group_selection(self, title: str | None = None) -> str | None:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self.show_message("Select the nodes to group first")
            return None
        title = title or f"Group {len(self.document.frames) + 1}"
        command = GroupCommand(self.document, nodes, title)
        self.push(command)
        return command.frame_id

    def ungroup_selection(self) -> None:
        frames = self.scene.selected_frame_ids()
        if not frames:
            chosen = set(self.scene.selected_node_ids())
            frames = [f.id for f in self.document.frames if chosen & set(f.nodes)]
        if not frames:
            return
        self.push(CompoundCommand("Ungroup" if len(frames) == 1 else f"Ungroup {len(frames)} groups",
                                  [UngroupCommand(self.document, f) for f in frames]))

    def rename_frame(self, frame_id: str, title: str) -> None:
        if title and title != self.document.frame(frame_id).title:
            self.push(RenameFrameCommand(self.document, frame_id, title))

    # --- layout ----------------------------------------------------------------------------------
    def auto_layout(self) -> None:
        """Layered, left-to-right layout of the whole graph, as one undoable move."""
        nodes = self.document.nodes
        if not nodes:
            return
        sizes, inset = placement.framed_sizes(
            self.document, {n: (i.body_rect().width(), i.body_rect().height())
                            for n, i in self.scene.nodes.items()})
        origin = (min(n.position[0] - inset[n.id].x() for n in nodes),  # a second run
                  min(n.position[1] - inset[n.id].y() for n in nodes))  # moves nothing
        rooms = layered_layout([n.id for n in nodes],
                               [(e.source, e.target) for e in self.document.edges],
                               sizes, origin=origin)
        positions = {n: (x + inset[n].x(), y + inset[n].y()) for n, (x, y) in rooms.items()}
        if self.snap_to_grid:  # node sizes are not multiples of the grid: snap every node
            snapped = {n: snap(QPointF(*xy)) for n, xy in positions.items()}
            positions = {n: (p.x(), p.y()) for n, p in snapped.items()}
        changed = {n: p for n, p in positions.items() if self.document.node(n).position != p}
        if changed:
            self.push(MoveNodesCommand(self.document, changed, "Auto layout"))
        self.view.fit_to_graph()

    # --- context menu ----------------------------------------------------------------------------
    def show_context_menu(self, scene_pos: QPointF, screen_pos: QPoint,
                          item: QGraphicsItem | None) -> QMenu:
        """Actions for what was right-clicked; shown with popup() so nothing blocks."""
        menu = QMenu(self.view)
        acts = self.actions
        if isinstance(item, PortItem):
            item = self.scene.nodes.get(item.node_id)
        if isinstance(item, (NodeItem, EdgeItem, FrameItem)) and not item.isSelected():
            self.scene.select_items([item])
        if isinstance(item, NodeItem):
            menu.addActions([acts.copy, acts.cut, acts.duplicate, acts.delete])
            menu.addSeparator()
            menu.addActions([acts.group, acts.ungroup])
            if item.type_name == "UNet":
                menu.addActions([acts.expand])
        elif isinstance(item, EdgeItem):
            menu.addAction(acts.delete)
        elif isinstance(item, FrameItem):
            frame_id = item.frame_id
            menu.addAction("Rename Group…", lambda: self.rename_frame_requested.emit(frame_id))
            menu.addActions([acts.ungroup])
        else:
            self._add_component_menu(menu, scene_pos)
            menu.addActions([acts.paste, acts.select_all])
            menu.addSeparator()
            menu.addActions([acts.auto_layout, acts.fit])
        self.context_menu = _replace_menu(self.context_menu, menu)
        menu.popup(screen_pos)
        return menu

    def _add_component_menu(self, menu: QMenu, scene_pos: QPointF) -> None:
        add = menu.addMenu("Add Component")
        for category, classes in registry.by_category().items():
            add.addSection(category)
            for cls in classes:
                add.addAction(component_icon(cls), cls.type_name,
                              lambda n=cls.type_name: self.add_component(n, scene_pos))


def _replace_menu(old: QMenu | None, new: QMenu) -> QMenu:
    """Keep one menu of a kind alive (a test or a slot may still look at it)."""
    if old is not None:
        old.deleteLater()
    return new
