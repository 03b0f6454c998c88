"""The graph document: the one source of truth for a model's layout.

Nodes, wires (edges) and titled frames, with a change notification for every
edit. The canvas only listens; undo commands call these methods; the compiler
and the JSON writer read them. Every method refuses bad edits with a GraphError
that names the node or port, and emits only when something really changed.

Work off the GUI thread (previews, analysis, a training child) never touches the
document itself: it takes ``snapshot()`` (plain JSON data, the graph section of
the project file) together with ``revision`` (bumped by every real change) and a
result for an older revision is dropped. Everything that only reads the graph
(ports, roles, the topological order, reachability, the snapshot) is in
graph_queries.py; this module adds the edits.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Iterable, Mapping

from . import registry
from .base import Component
from .errors import ConnectionRefused, GraphError, RefusalReason, SettingError
from .events import Event
from .schema import Setting
from .graph_queries import Edge, Frame, GraphQueries, Node, Position

__all__ = ["Edge", "Frame", "GraphDocument", "Node", "Position"]


class GraphDocument(GraphQueries):
    """Nodes, edges and frames, with events for every change."""

    def __init__(self) -> None:
        super().__init__()
        self.node_added = Event("node_added")          # (node)
        self.node_removed = Event("node_removed")      # (node)
        self.node_moved = Event("node_moved")          # (node)
        self.setting_changed = Event("setting_changed")  # (node, name, old, new)
        self.edge_added = Event("edge_added")          # (edge)
        self.edge_removed = Event("edge_removed")      # (edge)
        self.frame_added = Event("frame_added")        # (frame)
        self.frame_removed = Event("frame_removed")    # (frame)
        self.frame_changed = Event("frame_changed")    # (frame)
        self.changed = Event("changed")                # () after any edit
        self.reset = Event("reset")                    # () after clear()/load

    # --- nodes -------------------------------------------------------------------
    def add_node(self, type_name: str, position: Position = (0.0, 0.0),
                 settings: dict[str, Any] | None = None, node_id: str | None = None,
                 index: int | None = None, invalid: Mapping[str, Any] | None = None) -> Node:
        """Add a node; unknown types, bad settings and duplicate ids are refused.

        ``index`` puts it at that place in document order (an undone delete goes
        back where it was, so the JSON and the generated code do not reorder).
        ``invalid`` are values a file gave that the schema refuses, kept as they were
        (see Node); their settings start at the defaults."""
        invalid = invalid or {}
        component = registry.create(type_name, {k: v for k, v in (settings or {}).items()
                                                if k not in invalid})
        node_id = node_id or self.new_node_id(type_name)
        if node_id in self._nodes:
            raise GraphError(f"a node with id '{node_id}' already exists", node_id)
        node = Node(node_id, type_name, _position(position), dict(component.settings),
                    _still_invalid(component, invalid, node_id))
        self._bump()
        self._nodes[node_id] = node
        if index is not None and index < len(self._nodes) - 1:
            order = list(self._nodes)
            order.insert(index, order.pop())
            self._nodes = {n: self._nodes[n] for n in order}
        self._components[node_id] = ((node.type, tuple(sorted(node.settings.items()))), component)
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its wires; returns both so an undo can restore them."""
        node = self.node(node_id)
        self._bump()
        removed = self.edges_into(node_id) + self.edges_from(node_id)
        for edge in removed:
            self._remove_edge(edge)
        for frame in self._frames.values():
            if node_id in frame.nodes:
                frame.nodes.remove(node_id)
                self.frame_changed.emit(frame)
        del self._nodes[node_id]
        self._components.pop(node_id, None)
        self.node_removed.emit(node)
        self.changed.emit()
        return node, removed

    def move_node(self, node_id: str, position: Position) -> None:
        self.move_nodes({node_id: position})

    def move_nodes(self, positions: dict[str, Position]) -> None:
        """Move several nodes with one ``changed`` notification."""
        checked = {self.node(n).id: _position(p) for n, p in positions.items()}
        moved = [self._nodes[n] for n, new in checked.items() if self._nodes[n].position != new]
        if not moved:
            return
        self._bump()
        for node in moved:
            node.position = checked[node.id]
            self.node_moved.emit(node)
        self.changed.emit()

    def check_setting(self, node_id: str, name: str, value: Any) -> Any:
        """The canonical value ``set_setting`` would store, or the error it would raise.

        Undo commands call this when they are made, so a bad edit is refused
        before it reaches an undo stack.
        """
        node = self.node(node_id)
        new_value = self.component(node_id).SCHEMA.get(name).validate(value)
        if new_value != node.settings[name] or type(new_value) is not type(node.settings[name]):
            candidate = registry.create(node.type, {**node.settings, name: new_value})
            self._check_ports_still_wired(node_id, candidate)
        return new_value

    def set_setting(self, node_id: str, name: str, value: Any) -> None:
        """Change one setting; refused if it would drop a wired port. A valid value
        replaces an invalid one kept from the file (see Node)."""
        node = self.node(node_id)
        new_value = self.check_setting(node_id, name, value)
        old_value = node.invalid.get(name, node.settings[name])
        if name not in node.invalid and _same(new_value, old_value):
            return
        self._bump()
        node.settings[name] = new_value
        node.invalid.pop(name, None)
        self.setting_changed.emit(node, name, old_value, new_value)
        self.changed.emit()

    def restore_setting(self, node_id: str, name: str, value: Any) -> None:
        """Put back a value as ``Node.raw_settings`` gave it: an invalid one is kept as
        invalid again, with the default in its place (how undo returns to a file's value)."""
        node = self.node(node_id)
        setting = self.component(node_id).SCHEMA.get(name)
        if _accepts(setting, value):
            self.set_setting(node_id, name, value)
            return
        default = self.check_setting(node_id, name, setting.default)
        old_value = node.invalid.get(name, node.settings[name])
        if name in node.invalid and node.invalid[name] == value:
            return
        self._bump()
        node.settings[name] = default
        node.invalid[name] = value
        self.setting_changed.emit(node, name, old_value, value)
        self.changed.emit()

    def _check_ports_still_wired(self, node_id: str, candidate: Component) -> None:
        inputs, outputs = set(candidate.input_ports()), set(candidate.output_ports())
        for edge in self._edges:
            if edge.target == node_id and edge.target_port not in inputs:
                raise GraphError(f"port '{edge.target_port}' of '{node_id}' is wired; "
                                 "remove that wire first", node_id)
            if edge.source == node_id and edge.source_port not in outputs:
                raise GraphError(f"port '{edge.source_port}' of '{node_id}' is wired; "
                                 "remove that wire first", node_id)

    # --- edges -------------------------------------------------------------------
    def check_connection(self, node_a: str, port_a: str, node_b: str, port_b: str) -> Edge:
        """The wire between two ports, oriented output -> input, or ConnectionRefused.

        The ports may be given in either order (a drag can start at an input).
        """
        for node_id in (node_a, node_b):
            if node_id not in self._nodes:
                raise ConnectionRefused(RefusalReason.UNKNOWN_NODE, f"'{node_id}'", node_id)
        dir_a, dir_b = self._direction(node_a, port_a), self._direction(node_b, port_b)
        if node_a == node_b:
            raise ConnectionRefused(RefusalReason.SAME_NODE, f"'{node_a}'", node_a)
        if dir_a == dir_b:
            raise ConnectionRefused(RefusalReason.SAME_DIRECTION,
                                    f"'{node_a}.{port_a}' and '{node_b}.{port_b}' are both "
                                    f"{dir_a}s", node_b)
        edge = (Edge(node_a, port_a, node_b, port_b) if dir_a == "output"
                else Edge(node_b, port_b, node_a, port_a))
        if self._edge_at_input.get((edge.target, edge.target_port)) == edge:
            raise ConnectionRefused(RefusalReason.DUPLICATE, "", edge.target)
        taken = self.edge_at_input(edge.target, edge.target_port)
        if taken is not None:
            raise ConnectionRefused(RefusalReason.PORT_TAKEN,
                                    f"'{edge.target}.{edge.target_port}' is fed by "
                                    f"'{taken.source}'", edge.target)
        if edge.source in self.downstream(edge.target):
            raise ConnectionRefused(RefusalReason.CYCLE,
                                    f"'{edge.source}' already depends on '{edge.target}'",
                                    edge.target)
        return edge

    def can_connect(self, node_a: str, port_a: str, node_b: str, port_b: str
                    ) -> tuple[bool, RefusalReason | None, str]:
        """Yes/no for the canvas while dragging: (ok, reason, message)."""
        try:
            self.check_connection(node_a, port_a, node_b, port_b)
        except ConnectionRefused as refusal:
            return False, refusal.reason, str(refusal)
        return True, None, ""

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> Edge:
        edge = self.check_connection(source, source_port, target, target_port)
        self._add_edge(edge)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def disconnect(self, edge: Edge) -> None:
        if self._edge_at_input.get((edge.target, edge.target_port)) != edge:
            raise GraphError(f"no wire {edge.source}.{edge.source_port} -> "
                             f"{edge.target}.{edge.target_port}", edge.target)
        self._remove_edge(edge)
        self.changed.emit()

    def connect_unchecked_cycles(self, source: str, source_port: str, target: str,
                                 target_port: str) -> Edge:
        """Connect with every check but the cycle search (a loader adds many wires, then
        runs one topological pass instead of a search per wire)."""
        edge = Edge(source, source_port, target, target_port)
        for node_id, port, direction in ((source, source_port, "output"),
                                         (target, target_port, "input")):
            if node_id not in self._nodes:
                raise ConnectionRefused(RefusalReason.UNKNOWN_NODE, f"'{node_id}'", node_id)
            if self._direction(node_id, port) != direction:
                raise GraphError("wire goes from an input to an output; swap source and target",
                                 node_id)
        if source == target:
            raise ConnectionRefused(RefusalReason.SAME_NODE, f"'{source}'", source)
        taken = self._edge_at_input.get((target, target_port))
        if taken is not None:
            reason = RefusalReason.DUPLICATE if taken == edge else RefusalReason.PORT_TAKEN
            raise ConnectionRefused(reason, f"'{target}.{target_port}' is fed by "
                                    f"'{taken.source}'", target)
        self._add_edge(edge)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def _add_edge(self, edge: Edge) -> None:
        """Store a checked edge in the list and both indexes (no notification)."""
        self._bump()
        self._edges[edge] = None
        self._edge_at_input[(edge.target, edge.target_port)] = edge
        self._edges_from.setdefault(edge.source, []).append(edge)

    def _remove_edge(self, edge: Edge) -> None:
        self._bump()
        del self._edges[edge]
        del self._edge_at_input[(edge.target, edge.target_port)]
        self._edges_from[edge.source].remove(edge)
        self.edge_removed.emit(edge)

    # --- frames -------------------------------------------------------------------
    def add_frame(self, title: str, node_ids: Iterable[str], frame_id: str | None = None) -> Frame:
        members = [self.node(n).id for n in node_ids]
        frame_id = frame_id or self.new_frame_id()
        if frame_id in self._frames:
            raise GraphError(f"a frame with id '{frame_id}' already exists")
        frame = Frame(frame_id, str(title), members)
        self._bump()
        self._frames[frame_id] = frame
        self.frame_added.emit(frame)
        self.changed.emit()
        return frame

    def remove_frame(self, frame_id: str) -> Frame:
        frame = self.frame(frame_id)
        self._bump()
        del self._frames[frame_id]
        self.frame_removed.emit(frame)
        self.changed.emit()
        return frame

    def set_frame(self, frame_id: str, title: str | None = None,
                  node_ids: Iterable[str] | None = None) -> None:
        frame = self.frame(frame_id)
        new_title = frame.title if title is None else str(title)
        new_nodes = frame.nodes if node_ids is None else [self.node(n).id for n in node_ids]
        if (new_title, new_nodes) == (frame.title, frame.nodes):
            return
        self._bump()
        frame.title, frame.nodes = new_title, list(new_nodes)
        self.frame_changed.emit(frame)
        self.changed.emit()

    # --- whole document --------------------------------------------------------------
    def clear(self) -> None:
        if self._nodes or self._frames:
            self._bump()
        self._nodes.clear()
        self._edges.clear()
        self._edge_at_input.clear()
        self._edges_from.clear()
        self._frames.clear()
        self._components.clear()
        self.reset.emit()
        self.changed.emit()

    def replace_with(self, other: "GraphDocument") -> None:
        """Take over another document's content (File > Open keeps listeners)."""
        self._bump()
        self._nodes = {n.id: n.copy() for n in other.nodes}
        self._edges, self._edge_at_input, self._edges_from = {}, {}, {}
        for edge in other.edges:
            self._add_edge(edge)
        self._frames = {f.id: Frame(f.id, f.title, list(f.nodes)) for f in other.frames}
        self._components.clear()
        self.reset.emit()
        self.changed.emit()


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type (1 and 1.0 and True are different settings)."""
    return a == b and type(a) is type(b)


def _still_invalid(component: Component, invalid: Mapping[str, Any], node_id: str
                   ) -> dict[str, Any]:
    """The values of ``invalid`` the schema refuses; a name it does not know is an error
    (an unknown key never opens), and a value it accepts has no business here."""
    for name, value in invalid.items():
        if _accepts(component.SCHEMA.get(name), value):  # get: SettingError if unknown
            raise GraphError(f"setting '{name}' of '{node_id}': {value!r} is valid; "
                             "pass it with the settings", node_id)
    return copy.deepcopy(dict(invalid))  # JSON data: share none of it with the file's


def _accepts(setting: Setting, value: Any) -> bool:
    try:
        setting.validate(value)
    except SettingError:
        return False
    return True


def _position(position: Iterable[float]) -> Position:
    """Two finite numbers, or GraphError: a NaN would never compare equal again."""
    try:
        x, y = position
        valid = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y))
        result = (float(x), float(y)) if valid else None
    except (TypeError, ValueError, OverflowError):
        result = None
    if result is None or not all(math.isfinite(v) for v in result):
        raise GraphError(f"a position must be two finite numbers [x, y], not {position!r}")
    return result
