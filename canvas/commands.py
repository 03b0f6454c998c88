"""Undo commands: every edit a person makes on the canvas, as one QUndoCommand.

Commands touch only the graph document; the scene follows through the
document's notifications, so undo and redo need no view code. Each command
checks its edit when it is made (a refused wire or a bad setting raises there,
before anything reaches the undo stack) and records what undo needs when it is
*redone*, so commands compose in a CompoundCommand (several edits, one step).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from PySide6.QtGui import QUndoCommand

from components import registry
from components.errors import GraphError
from components.graph import Edge, GraphDocument, Node, Position
from components.serialize import graph_from_dict

SET_SETTING_ID = 1001
NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A node id a person may give: a Python name, like the ids the canvas makes (``conv3``)."""


class CompoundCommand(QUndoCommand):
    """Several commands as one undo step, run in order and undone in reverse.

    Qt's own way, ``QUndoCommand(text, parent)``, is unsafe from Python: PySide
    does not keep a child's Python object alive, so a child made inline is
    garbage-collected while Qt still holds it (a crash on push). Here the
    children live in a Python list.
    """

    def __init__(self, text: str, commands: Iterable[QUndoCommand] = ()) -> None:
        super().__init__(text)
        self.commands: list[QUndoCommand] = list(commands)

    def add(self, command: QUndoCommand) -> QUndoCommand:
        self.commands.append(command)
        return command

    def redo(self) -> None:
        for command in self.commands:
            command.redo()

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class AddNodeCommand(QUndoCommand):
    """Place one component; its id is fixed when the command is made."""

    def __init__(self, document: GraphDocument, type_name: str, position: Position,
                 settings: Mapping[str, Any] | None = None, node_id: str | None = None) -> None:
        super().__init__(f"Add {type_name}")
        registry.create(type_name, settings)  # unknown type or bad settings: raise now
        self.document = document
        self.type_name = type_name
        self.position = (float(position[0]), float(position[1]))
        self.settings = dict(settings or {})
        self.node_id = node_id or document.new_node_id(type_name)

    def redo(self) -> None:
        self.document.add_node(self.type_name, self.position, self.settings, self.node_id)

    def undo(self) -> None:
        self.document.remove_node(self.node_id)


class RemoveNodesCommand(QUndoCommand):
    """Remove nodes with their wires (and frames left empty) in one step."""

    def __init__(self, document: GraphDocument, node_ids: Iterable[str]) -> None:
        self.node_ids = [document.node(n).id for n in dict.fromkeys(node_ids)]
        count = len(self.node_ids)
        super().__init__(f"Delete {self.node_ids[0]}" if count == 1 else f"Delete {count} nodes")
        self.document = document
        self._nodes: list[tuple[int, Node]] = []
        self._edges: list[Edge] = []
        self._frames: list[tuple[str, list[str]]] = []
        self._emptied: list[tuple[str, str]] = []

    def redo(self) -> None:
        doc, gone = self.document, set(self.node_ids)
        self._nodes = [(i, n.copy()) for i, n in enumerate(doc.nodes) if n.id in gone]
        self._edges = [e for e in doc.edges if e.source in gone or e.target in gone]
        touched = [f for f in doc.frames if gone & set(f.nodes)]
        self._frames = [(f.id, list(f.nodes)) for f in touched]
        self._emptied = [(f.id, f.title) for f in touched if set(f.nodes) <= gone]
        for node_id in self.node_ids:
            doc.remove_node(node_id)
        for frame_id, _ in self._emptied:
            doc.remove_frame(frame_id)

    def undo(self) -> None:
        doc = self.document
        for index, node in self._nodes:  # ascending: each goes back to its old place
            doc.add_node(node.type, node.position, node.settings, node.id, index=index,
                         invalid=node.invalid)
        for edge in self._edges:
            doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
        for frame_id, title in self._emptied:
            doc.add_frame(title, [], frame_id)
        for frame_id, members in self._frames:
            doc.set_frame(frame_id, node_ids=members)


class ConnectCommand(QUndoCommand):
    """Add one wire; ``check=False`` when an earlier command of the same compound adds
    its nodes (the check would fail before that command has run)."""

    def __init__(self, document: GraphDocument, source: str, source_port: str, target: str,
                 target_port: str, check: bool = True) -> None:
        super().__init__(f"Connect {source} to {target}")
        self.document = document
        self.edge = (document.check_connection(source, source_port, target, target_port)
                     if check else Edge(source, source_port, target, target_port))

    def redo(self) -> None:
        e = self.edge
        self.document.connect(e.source, e.source_port, e.target, e.target_port)

    def undo(self) -> None:
        self.document.disconnect(self.edge)


class DisconnectCommand(QUndoCommand):
    """Remove one wire."""

    def __init__(self, document: GraphDocument, edge: Edge) -> None:
        super().__init__(f"Disconnect {edge.source} from {edge.target}")
        self.document = document
        self.edge = edge

    def redo(self) -> None:
        self.document.disconnect(self.edge)

    def undo(self) -> None:
        e = self.edge
        self.document.connect(e.source, e.source_port, e.target, e.target_port)


class MoveNodesCommand(QUndoCommand):
    """Move any number of nodes: a drag of several nodes or an auto-layout is one step."""

    def __init__(self, document: GraphDocument, positions: Mapping[str, Position],
                 text: str = "") -> None:
        self.positions = {document.node(n).id: (float(p[0]), float(p[1]))
                          for n, p in positions.items()}
        count = len(self.positions)
        default = f"Move {next(iter(self.positions), '')}" if count == 1 else f"Move {count} nodes"
        super().__init__(text or default)
        self.document = document
        self._before: dict[str, Position] = {}

    def redo(self) -> None:
        self._before = {n: self.document.node(n).position for n in self.positions}
        self.document.move_nodes(self.positions)

    def undo(self) -> None:
        self.document.move_nodes(self._before)


class SetSettingCommand(QUndoCommand):
    """Change one setting of one node; consecutive edits of the same setting merge."""

    def __init__(self, document: GraphDocument, node_id: str, name: str, value: Any) -> None:
        super().__init__(f"Set {node_id}.{name}")
        self.document = document
        self.node_id = node_id
        self.name = name
        self.new = document.check_setting(node_id, name, value)
        node = document.node(node_id)
        self.old = node.invalid.get(name, node.settings[name])  # a file's bad value too

    def id(self) -> int:  # noqa: A003 - Qt's name
        return SET_SETTING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetSettingCommand) or other.document is not self.document:
            return False
        if (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old and type(self.new) is type(self.old))
        return True

    def redo(self) -> None:
        self.document.set_setting(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.document.restore_setting(self.node_id, self.name, self.old)


class RenameNodeCommand(QUndoCommand):
    """Give a node another id; its wires, its place in document order and its groups follow.

    An id that is taken, empty or not a Python name (the generated code names its
    layers after the ids) is refused here, before the command reaches a stack."""

    def __init__(self, document: GraphDocument, node_id: str, new_id: str) -> None:
        self.new_id = check_node_id(document, node_id, new_id)
        super().__init__(f"Rename {node_id} to {self.new_id}")
        self.document = document
        self.node_id = node_id

    def redo(self) -> None:
        _rename(self.document, self.node_id, self.new_id)

    def undo(self) -> None:
        _rename(self.document, self.new_id, self.node_id)


def check_node_id(document: GraphDocument, node_id: str, new_id: str) -> str:
    """``new_id`` stripped, or GraphError saying why a node cannot be called that."""
    document.node(node_id)
    wanted = str(new_id).strip()
    if not wanted:
        raise GraphError("an id cannot be empty", node_id)
    if not NODE_ID.fullmatch(wanted):
        raise GraphError(f"'{wanted}' is not a valid id: use letters, digits and _, "
                         "not starting with a digit", node_id)
    if wanted != node_id and document.has_node(wanted):
        raise GraphError(f"'{wanted}' is taken by another node", node_id)
    return wanted


def _rename(doc: GraphDocument, old: str, new: str) -> None:
    """Replace node ``old`` by the same node called ``new``. The wires from the first one
    touching it onwards are re-made in their order, so the project file and the
    generated code read the same after a rename and its undo."""
    if old == new:
        return
    node, index = doc.node(old).copy(), doc.node_index(old)
    edges = doc.edges
    first = next((i for i, e in enumerate(edges) if e.touches(old)), len(edges))
    tail = edges[first:]
    frames = [(f.id, [new if n == old else n for n in f.nodes]) for f in doc.frames
              if old in f.nodes]
    for edge in tail:
        if not edge.touches(old):
            doc.disconnect(edge)
    doc.remove_node(old)  # with the wires touching it
    doc.add_node(node.type, node.position, node.settings, new, index=index, invalid=node.invalid)
    for e in tail:
        doc.connect(new if e.source == old else e.source, e.source_port,
                    new if e.target == old else e.target, e.target_port)
    for frame_id, members in frames:
        doc.set_frame(frame_id, node_ids=members)


class PasteCommand(QUndoCommand):
    """Add a graph fragment (the clipboard's JSON) with fresh ids, shifted by ``offset``.

    Wires and frames between the pasted nodes come along; ids that clash with
    the document are renumbered (``conv1`` -> ``conv4``). Bad JSON raises
    GraphFormatError here, before the command reaches the stack.
    """

    def __init__(self, document: GraphDocument, fragment: Mapping[str, Any],
                 offset: Position = (0.0, 0.0), text: str = "Paste") -> None:
        super().__init__(text)
        self.document = document
        self.fragment = graph_from_dict(dict(fragment), "clipboard", keep_invalid=True)
        taken = {n.id for n in document.nodes}
        self.id_map = {}
        for node in self.fragment.nodes:
            self.id_map[node.id] = _fresh_id(node.id, taken)
            taken.add(self.id_map[node.id])
        frames_taken = {f.id for f in document.frames}
        self.frame_map = {}
        for frame in self.fragment.frames:
            self.frame_map[frame.id] = _fresh_id(frame.id, frames_taken)
            frames_taken.add(self.frame_map[frame.id])
        self.offset = (float(offset[0]), float(offset[1]))
        self.setText(f"{text} {len(self.id_map)} node{'s' if len(self.id_map) != 1 else ''}")

    @property
    def node_ids(self) -> list[str]:
        """The ids the pasted nodes have in the document."""
        return list(self.id_map.values())

    def redo(self) -> None:
        doc, dx, dy, ids = self.document, *self.offset, self.id_map
        for node in self.fragment.nodes:
            x, y = node.position
            doc.add_node(node.type, (x + dx, y + dy), node.settings, ids[node.id],
                         invalid=node.invalid)
        for e in self.fragment.edges:
            doc.connect(ids[e.source], e.source_port, ids[e.target], e.target_port)
        for frame in self.fragment.frames:
            doc.add_frame(frame.title, [ids[n] for n in frame.nodes], self.frame_map[frame.id])

    def undo(self) -> None:
        for frame_id in self.frame_map.values():
            self.document.remove_frame(frame_id)
        for node_id in self.id_map.values():
            self.document.remove_node(node_id)


class GroupCommand(QUndoCommand):
    """Put nodes into a new titled frame."""

    def __init__(self, document: GraphDocument, node_ids: Iterable[str], title: str) -> None:
        super().__init__(f"Group as '{title}'")
        self.document = document
        self.node_ids = [document.node(n).id for n in dict.fromkeys(node_ids)]
        self.title = title
        self.frame_id = document.new_frame_id()

    def redo(self) -> None:
        self.document.add_frame(self.title, self.node_ids, self.frame_id)

    def undo(self) -> None:
        self.document.remove_frame(self.frame_id)


class UngroupCommand(QUndoCommand):
    """Remove a frame; its nodes stay where they are."""

    def __init__(self, document: GraphDocument, frame_id: str) -> None:
        frame = document.frame(frame_id)
        super().__init__(f"Ungroup '{frame.title}'")
        self.document = document
        self.frame_id = frame_id
        self._saved: tuple[str, list[str]] = (frame.title, list(frame.nodes))

    def redo(self) -> None:
        frame = self.document.frame(self.frame_id)
        self._saved = (frame.title, list(frame.nodes))
        self.document.remove_frame(self.frame_id)

    def undo(self) -> None:
        title, members = self._saved
        self.document.add_frame(title, members, self.frame_id)


class RenameFrameCommand(QUndoCommand):
    """Change a frame's title."""

    def __init__(self, document: GraphDocument, frame_id: str, title: str) -> None:
        super().__init__(f"Rename group to '{title}'")
        self.document = document
        self.frame_id = frame_id
        self.title = str(title)
        self.old = document.frame(frame_id).title

    def redo(self) -> None:
        self.document.set_frame(self.frame_id, title=self.title)

    def undo(self) -> None:
        self.document.set_frame(self.frame_id, title=self.old)


def _fresh_id(wanted: str, taken: set[str]) -> str:
    """``wanted`` if free, else its stem with the lowest free number (conv1 -> conv2)."""
    if wanted not in taken:
        return wanted
    stem = wanted.rstrip("0123456789") or "node"
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"
