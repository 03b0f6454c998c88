"""What can be asked of a graph without changing it.

Nodes, wires, frames and ports; the roles of the nodes; the one topological order
and the one reachability search of a graph (the compiler, the loader's cycle
report and the editor's wire checks all use these, so they cannot disagree);
and the plain ``snapshot`` that work off the GUI thread takes instead of the
document. GraphDocument (graph.py) adds the edits and their notifications on
top; keeping the two halves apart keeps each file about one thing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, Iterable

from . import registry
from .base import Component, Role
from .errors import ConnectionRefused, GraphCycleError, GraphError, RefusalReason

Position = tuple[float, float]


@dataclass
class Node:
    """A placed component: its type name, settings (complete, validated) and position.

    ``invalid`` holds the values a project file gave that their schema refuses (a U-Net
    depth of 12), exactly as the file had them: the file still opens, ``settings`` has
    the default for each of them (so the component builds and the graph can be drawn),
    the analysis names each one as a problem of this node, the snapshot (and so the
    saved file) writes them back unchanged, and setting a valid value drops the entry.
    Nothing is lost and nothing invalid reaches a model: a graph with problems does
    not compile."""

    id: str
    type: str
    position: Position = (0.0, 0.0)
    settings: dict[str, Any] = field(default_factory=dict)
    invalid: dict[str, Any] = field(default_factory=dict)

    def raw_settings(self) -> dict[str, Any]:
        """The settings as a file holds them: the valid ones, with the invalid ones as
        they were given."""
        return {name: self.invalid.get(name, value) for name, value in self.settings.items()}

    def copy(self) -> "Node":
        return Node(self.id, self.type, self.position, dict(self.settings), dict(self.invalid))


@dataclass(frozen=True)
class Edge:
    """A wire from an output port to an input port."""

    source: str
    source_port: str
    target: str
    target_port: str

    def touches(self, node_id: str) -> bool:
        return node_id in (self.source, self.target)


@dataclass
class Frame:
    """A titled group of nodes; the canvas draws it around its members."""

    id: str
    title: str
    nodes: list[str] = field(default_factory=list)


_ID_SAFE = re.compile(r"[^0-9a-zA-Z_]")


class GraphQueries:
    """The storage of a graph document and everything that reads it."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: dict[Edge, None] = {}    # an ordered set: file order, O(1) removal
        self._edge_at_input: dict[tuple[str, str], Edge] = {}
        self._edges_from: dict[str, list[Edge]] = {}
        self._frames: dict[str, Frame] = {}
        self._components: dict[str, tuple[tuple, Component]] = {}
        self._revision = 0

    # --- reading ---------------------------------------------------------------
    @property
    def revision(self) -> int:
        """A number that grows with every real change (an edit that changes nothing keeps
        it), so a result computed from a snapshot can tell that it is out of date."""
        return self._revision

    def _bump(self) -> None:
        self._revision += 1

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    @property
    def frames(self) -> list[Frame]:
        return list(self._frames.values())

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphError(f"no node with id '{node_id}'", node_id) from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def frame(self, frame_id: str) -> Frame:
        try:
            return self._frames[frame_id]
        except KeyError:
            raise GraphError(f"no frame with id '{frame_id}'") from None

    def component(self, node_id: str) -> Component:
        """The node's component instance (cached until its settings change)."""
        node = self.node(node_id)
        key = (node.type, tuple(sorted(node.settings.items())))
        cached = self._components.get(node_id)
        if cached is None or cached[0] != key:
            cached = (key, registry.create(node.type, node.settings))
            self._components[node_id] = cached
        return cached[1]

    def input_ports(self, node_id: str) -> list[str]:
        return self.component(node_id).input_ports()

    def output_ports(self, node_id: str) -> list[str]:
        return self.component(node_id).output_ports()

    def edges_into(self, node_id: str) -> list[Edge]:
        found = (self._edge_at_input.get((node_id, p)) for p in self.input_ports(node_id))
        return [e for e in found if e is not None]

    def node_index(self, node_id: str) -> int:
        """Position of the node in document order (undo puts it back there)."""
        return list(self._nodes).index(self.node(node_id).id)

    def edges_from(self, node_id: str) -> list[Edge]:
        return list(self._edges_from.get(node_id, ()))

    def edge_at_input(self, node_id: str, port: str) -> Edge | None:
        return self._edge_at_input.get((node_id, port))

    # --- roles, order and reachability ------------------------------------------
    def nodes_with_role(self, role: Role) -> list[Node]:
        """The nodes whose component has ``role``, in document order."""
        return [n for n in self._nodes.values() if self.component(n.id).role is role]

    def source_node(self) -> Node | None:
        """The node images enter through (the first source; the compiler names any other)."""
        found = self.nodes_with_role(Role.SOURCE)
        return found[0] if found else None

    def sink_node(self) -> Node | None:
        """The node the model ends in and that describes the task (the first sink)."""
        found = self.nodes_with_role(Role.SINK)
        return found[0] if found else None

    def topological_order(self) -> list[str]:
        """Every node after all the nodes that feed it, or GraphCycleError naming a cycle.

        graphlib's static order over the nodes and wires in document order: the
        generated model's lines follow it, so it must not change between versions."""
        sorter = TopologicalSorter({n: [] for n in self._nodes})
        for edge in self._edges:
            sorter.add(edge.target, edge.source)
        try:
            return list(sorter.static_order())
        except CycleError as error:
            raise GraphCycleError(list(error.args[1])) from None

    def downstream(self, node_id: str) -> set[str]:
        """``node_id`` and every node it feeds, directly or not: what an edit of it invalidates."""
        return self._reachable(self.node(node_id).id, forward=True)

    def upstream(self, node_id: str) -> set[str]:
        """``node_id`` and every node that feeds it, directly or not."""
        return self._reachable(self.node(node_id).id, forward=False)

    def _reachable(self, start: str, forward: bool) -> set[str]:
        """The one graph search: nodes reached from ``start`` along wires (or against them)."""
        seen, stack = set(), [start]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                if forward:
                    stack.extend(e.target for e in self._edges_from.get(current, ()))
                else:
                    stack.extend(e.source for e in self.edges_into(current))
        return seen

    # --- the plain form ------------------------------------------------------------
    def snapshot(self, node_ids: Iterable[str] | None = None) -> dict[str, Any]:
        """The document as plain JSON data (the project file's graph section), sharing
        nothing with it: the only form of a graph that crosses a thread or process
        boundary. With ``node_ids``, only those nodes, the wires between them and the
        frames holding any of them (what the clipboard gets)."""
        keep = set(node_ids) if node_ids is not None else set(self._nodes)
        nodes = [{"id": n.id, "type": n.type, "position": [n.position[0], n.position[1]],
                  "settings": {k: _plain(v) for k, v in n.raw_settings().items()}}
                 for n in self._nodes.values() if n.id in keep]
        edges = [{"source": e.source, "source_port": e.source_port,
                  "target": e.target, "target_port": e.target_port}
                 for e in self._edges if e.source in keep and e.target in keep]
        result: dict[str, Any] = {"nodes": nodes, "edges": edges}
        frames = [{"id": f.id, "title": f.title, "nodes": [n for n in f.nodes if n in keep]}
                  for f in self._frames.values() if node_ids is None or set(f.nodes) & keep]
        if frames:
            result["frames"] = frames
        return result

    def new_node_id(self, type_name: str) -> str:
        """A fresh, readable id such as ``conv3`` (also a valid Python name)."""
        stem = _ID_SAFE.sub("_", type_name.lower()) or "node"
        stem = {"convolution": "conv", "pooling": "pool", "upsample": "up"}.get(stem, stem)
        n = 1
        while f"{stem}{n}" in self._nodes:
            n += 1
        return f"{stem}{n}"

    def new_frame_id(self) -> str:
        n = 1
        while f"frame{n}" in self._frames:
            n += 1
        return f"frame{n}"

    def _direction(self, node_id: str, port: str) -> str:
        component = self.component(node_id)
        if port in component.output_ports():
            return "output"
        if port in component.input_ports():
            return "input"
        valid = component.input_ports() + component.output_ports()
        raise ConnectionRefused(RefusalReason.UNKNOWN_PORT,
                                f"'{node_id}' ({self._nodes[node_id].type}) has no port "
                                f"'{port}' (ports: {', '.join(valid) or 'none'})", node_id)



def _plain(value: Any) -> Any:
    """A setting value as JSON data, shared with nothing: tuples (``floats`` settings)
    become lists; an invalid value kept from a file may be any JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value
