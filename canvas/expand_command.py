"""Edit > Expand to Components: a UNet node replaced by the nodes it is made of, one step.

components/expand.py plans the change (``expand_unet``: the new nodes, their wires,
the moves that make room, a frame title) and refuses a UNet that has no exact
equivalent with an ExpandError naming the node and why. The command here makes the
same edits ``apply_expansion`` makes (remove the UNet with its wires at index i, add
the k-th new node at i + k, wire them, move the nodes to the right, frame the new
nodes), and undo takes them back: the single UNet node returns with its wires, its
place in document order, its groups and its position.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from components.errors import StudioError
from components.expand import Expansion, expand_unet
from components.graph import Edge, GraphDocument, Node, Position


class ExpandUnetCommand(QUndoCommand):
    """Replace one UNet node by its planned subgraph, framed."""

    def __init__(self, document: GraphDocument, expansion: Expansion) -> None:
        super().__init__(f"Expand {expansion.unet_id} to components")
        self.document = document
        self.expansion = expansion
        self.frame_id = document.new_frame_id()
        self._unet: Node | None = None
        self._index = 0
        self._edges: list[Edge] = []
        self._frames: list[tuple[str, list[str]]] = []
        self._before: dict[str, Position] = {}

    @property
    def node_ids(self) -> list[str]:
        """The ids of the nodes the UNet becomes."""
        return self.expansion.node_ids

    def redo(self) -> None:
        doc, plan = self.document, self.expansion
        unet_id = plan.unet_id
        self._unet, self._index = doc.node(unet_id).copy(), doc.node_index(unet_id)
        edges = doc.edges
        first = next((i for i, e in enumerate(edges) if e.touches(unet_id)), len(edges))
        self._edges = edges[first:]  # re-made in this order by undo: the file reads the same
        self._frames = [(f.id, list(f.nodes)) for f in doc.frames if unet_id in f.nodes]
        self._before = {n: doc.node(n).position for n in plan.moves}
        doc.remove_node(unet_id)
        for offset, node in enumerate(plan.nodes):
            doc.add_node(node.type, node.position, node.settings, node.id, self._index + offset)
        for edge in plan.edges:
            doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
        doc.move_nodes(plan.moves)
        doc.add_frame(plan.frame_title, plan.node_ids, self.frame_id)

    def undo(self) -> None:
        doc, unet = self.document, self._unet
        assert unet is not None, "undo before redo"
        doc.remove_frame(self.frame_id)
        doc.move_nodes(self._before)
        for node_id in reversed(self.expansion.node_ids):
            doc.remove_node(node_id)
        for edge in self._edges:
            if not edge.touches(unet.id):
                doc.disconnect(edge)
        doc.add_node(unet.type, unet.position, unet.settings, unet.id, index=self._index,
                     invalid=unet.invalid)
        for edge in self._edges:
            doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
        for frame_id, members in self._frames:
            doc.set_frame(frame_id, node_ids=members)


def expand_command(document: GraphDocument, node_id: str) -> ExpandUnetCommand:
    """The command expanding UNet ``node_id``, or ExpandError (a StudioError) saying why not."""
    return ExpandUnetCommand(document, expand_unet(document, node_id))


def expand_selected(document: GraphDocument, node_ids: list[str]
                    ) -> tuple[ExpandUnetCommand | None, str]:
    """The command for the canvas's selection and what the status bar says about it:
    (None, why not) for anything but one UNet node that can be expanded."""
    if len(node_ids) != 1:
        return None, "Select one UNet node to expand it into components"
    try:
        command = expand_command(document, node_ids[0])
    except StudioError as error:
        return None, str(error)
    notes = "; ".join(command.expansion.notes)
    return command, (f"Expanded {node_ids[0]} into {len(command.node_ids)} nodes"
                     + (f" ({notes})" if notes else ""))


def is_expandable(document: GraphDocument, node_ids: list[str]) -> bool:
    """Whether Expand to Components applies: exactly one node, a UNet."""
    return (len(node_ids) == 1 and document.has_node(node_ids[0])
            and document.node(node_ids[0]).type == "UNet")
