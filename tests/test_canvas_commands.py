"""Undo commands touch only the document; each edit is one step that undoes exactly."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QUndoCommand, QUndoStack

from canvas.commands import (AddNodeCommand, CompoundCommand, ConnectCommand, DisconnectCommand, GroupCommand,
                             MoveNodesCommand, PasteCommand, RemoveNodesCommand,
                             RenameFrameCommand, SetSettingCommand, UngroupCommand)
from canvas_helpers import state
from components.errors import (ConnectionRefused, GraphError, GraphFormatError, RefusalReason,
                               SettingError, UnknownComponentError)
from components.graph import GraphDocument
from components.serialize import graph_to_dict


@pytest.fixture
def doc() -> GraphDocument:
    d = GraphDocument()
    d.add_node("Input", (0, 0), node_id="input")
    d.add_node("Convolution", (200, 0), {"filters": 8}, node_id="conv1")
    d.add_node("Merge", (400, 0), node_id="merge1")
    d.add_node("Target", (600, 0), node_id="target")
    d.connect("input", "out", "conv1", "in")
    d.connect("input", "out", "merge1", "in1")
    d.connect("conv1", "out", "merge1", "in2")
    return d


@pytest.fixture
def stack(qapp) -> QUndoStack:
    return QUndoStack()


def roundtrip(stack: QUndoStack, doc: GraphDocument, command: QUndoCommand) -> None:
    """Push, undo, redo: the document must return to each state exactly."""
    before = state(doc)
    stack.push(command)
    after = state(doc)
    assert after != before
    stack.undo()
    assert state(doc) == before
    stack.redo()
    assert state(doc) == after


def test_add_node(doc, stack):
    command = AddNodeCommand(doc, "Pooling", (10, 20))
    roundtrip(stack, doc, command)
    assert command.node_id == "pool1"
    assert doc.node("pool1").position == (10.0, 20.0)


def test_add_node_refuses_unknown_types_before_the_stack(doc, stack):
    with pytest.raises(UnknownComponentError):
        AddNodeCommand(doc, "Dense", (0, 0))
    assert stack.count() == 0


def test_remove_nodes_with_their_wires_is_one_step(doc, stack):
    doc.add_frame("Encoder", ["conv1", "merge1"], "frame1")
    roundtrip(stack, doc, RemoveNodesCommand(doc, ["conv1"]))
    assert stack.count() == 1
    stack.undo()
    assert doc.frame("frame1").nodes == ["conv1", "merge1"]
    assert len(doc.edges) == 3


def test_removing_every_member_removes_the_frame_and_undo_restores_it(doc, stack):
    doc.add_frame("Pair", ["conv1", "merge1"], "frame1")
    stack.push(RemoveNodesCommand(doc, ["conv1", "merge1"]))
    assert doc.frames == [] and [n.id for n in doc.nodes] == ["input", "target"]
    stack.undo()
    assert doc.frame("frame1").title == "Pair"
    assert doc.frame("frame1").nodes == ["conv1", "merge1"]


def test_connect_and_disconnect(doc, stack):
    roundtrip(stack, doc, ConnectCommand(doc, "merge1", "out", "target", "in"))
    edge = doc.edge_at_input("target", "in")
    roundtrip(stack, doc, DisconnectCommand(doc, edge))


def test_connect_accepts_ports_in_either_order(doc, stack):
    stack.push(ConnectCommand(doc, "target", "in", "merge1", "out"))
    assert doc.edge_at_input("target", "in").source == "merge1"


@pytest.mark.parametrize("ends, reason", [
    (("conv1", "out", "merge1", "out"), RefusalReason.SAME_DIRECTION),
    (("input", "out", "merge1", "in1"), RefusalReason.DUPLICATE),
    (("target", "in", "conv1", "out"), None),
    (("merge1", "out", "conv1", "in"), RefusalReason.PORT_TAKEN),
    (("conv1", "out", "conv1", "in"), RefusalReason.SAME_NODE),
])
def test_refused_wires_never_reach_the_stack(doc, stack, ends, reason):
    before = state(doc)
    if reason is None:  # a legal wire, for contrast
        stack.push(ConnectCommand(doc, *ends))
        assert stack.count() == 1
        return
    with pytest.raises(ConnectionRefused) as refused:
        ConnectCommand(doc, *ends)
    assert refused.value.reason is reason
    assert stack.count() == 0 and state(doc) == before


def test_cycle_is_refused(doc):
    doc.add_node("Convolution", (0, 200), node_id="conv2")
    doc.connect("merge1", "out", "conv2", "in")
    doc.set_setting("merge1", "inputs", 3)
    with pytest.raises(ConnectionRefused) as refused:
        ConnectCommand(doc, "conv2", "out", "merge1", "in3")
    assert refused.value.reason is RefusalReason.CYCLE


def test_move_several_nodes_is_one_command(doc, stack):
    command = MoveNodesCommand(doc, {"conv1": (220, 40), "merge1": (420, 40)})
    roundtrip(stack, doc, command)
    assert stack.count() == 1 and command.text() == "Move 2 nodes"


def test_set_setting_merges_consecutive_edits_and_validates(doc, stack):
    stack.push(SetSettingCommand(doc, "conv1", "filters", 16))
    stack.push(SetSettingCommand(doc, "conv1", "filters", 32))
    assert stack.count() == 1 and doc.node("conv1").settings["filters"] == 32
    stack.undo()
    assert doc.node("conv1").settings["filters"] == 8
    stack.redo()
    stack.push(SetSettingCommand(doc, "conv1", "kernel_size", 5))
    assert stack.count() == 2
    with pytest.raises(SettingError):
        SetSettingCommand(doc, "conv1", "filters", -1)
    stack.push(SetSettingCommand(doc, "merge1", "inputs", 3))
    stack.push(ConnectCommand(doc, "conv1", "out", "merge1", "in3"))
    with pytest.raises(GraphError):  # would drop the wired port in3
        SetSettingCommand(doc, "merge1", "inputs", 2)


def test_set_setting_back_to_the_original_value_drops_the_step(doc, stack):
    stack.push(SetSettingCommand(doc, "conv1", "filters", 16))
    stack.push(SetSettingCommand(doc, "conv1", "filters", 8))
    assert stack.count() == 0 and doc.node("conv1").settings["filters"] == 8


def test_set_setting_inside_a_macro(doc, stack):
    stack.beginMacro("Data wizard")
    stack.push(SetSettingCommand(doc, "input", "channels", 1))
    stack.push(SetSettingCommand(doc, "target", "classes", 3))
    stack.endMacro()
    assert stack.count() == 1
    stack.undo()
    assert doc.node("input").settings["channels"] == 3
    assert doc.node("target").settings["classes"] == 2


def test_paste_renumbers_ids_and_keeps_inner_wires_and_frames(doc, stack):
    doc.add_frame("Block", ["conv1", "merge1"], "frame1")
    fragment = graph_to_dict(doc, ["conv1", "merge1"])
    command = PasteCommand(doc, fragment, (40, 40))
    roundtrip(stack, doc, command)
    new_conv, new_merge = command.node_ids
    assert (new_conv, new_merge) == ("conv2", "merge2")
    assert doc.node(new_conv).position == (240.0, 40.0)
    assert doc.node(new_conv).settings["filters"] == 8
    assert doc.edge_at_input(new_merge, "in2").source == new_conv
    assert doc.edge_at_input(new_merge, "in1") is None  # its source was not copied
    assert [f.nodes for f in doc.frames if f.id != "frame1"] == [[new_conv, new_merge]]


def test_paste_refuses_bad_json_before_the_stack(doc):
    with pytest.raises(GraphFormatError):
        PasteCommand(doc, {"nodes": [{"id": "x", "type": "Nope"}], "edges": []})


def test_group_rename_ungroup(doc, stack):
    group = GroupCommand(doc, ["conv1", "merge1"], "Encoder")
    roundtrip(stack, doc, group)
    roundtrip(stack, doc, RenameFrameCommand(doc, group.frame_id, "Stage 1"))
    roundtrip(stack, doc, UngroupCommand(doc, group.frame_id))
    stack.undo()
    assert doc.frame(group.frame_id).title == "Stage 1"


def test_compound_delete_undoes_in_one_step(doc, stack):
    doc.add_frame("Block", ["conv1", "merge1"], "frame1")
    roundtrip(stack, doc, CompoundCommand("Delete", [
        DisconnectCommand(doc, doc.edge_at_input("conv1", "in")),
        RemoveNodesCommand(doc, ["merge1"]),
        UngroupCommand(doc, "frame1")]))
    assert stack.count() == 1


# --- any sequence of edits undoes to the start and redoes to the end -------------------------
TYPES = ["Convolution", "Pooling", "Upsample", "Merge"]


def _random_command(doc: GraphDocument, data) -> QUndoCommand | None:
    ids = [n.id for n in doc.nodes]
    kind = data.draw(st.sampled_from(["add", "remove", "connect", "move", "setting", "group"]))
    if kind == "add" or not ids:
        return AddNodeCommand(doc, data.draw(st.sampled_from(TYPES)),
                              (data.draw(st.integers(-500, 500)), 0))
    node = data.draw(st.sampled_from(ids))
    if kind == "remove":
        return RemoveNodesCommand(doc, [node])
    if kind == "move":
        return MoveNodesCommand(doc, {node: (data.draw(st.integers(-500, 500)), 7)})
    if kind == "group":
        return GroupCommand(doc, [node], "g")
    if kind == "setting" and doc.node(node).type == "Convolution":
        return SetSettingCommand(doc, node, "filters", data.draw(st.integers(1, 64)))
    other = data.draw(st.sampled_from(ids))
    ports = doc.output_ports(node), doc.input_ports(other)
    if not ports[0] or not ports[1] or not doc.can_connect(node, ports[0][0], other,
                                                           ports[1][0])[0]:
        return None
    return ConnectCommand(doc, node, ports[0][0], other, ports[1][0])


@given(st.data())
def test_any_edit_sequence_undoes_and_redoes_exactly(qapp, data):
    doc, stack = GraphDocument(), QUndoStack()
    doc.add_node("Input", (0, 0), node_id="input")
    states = [state(doc)]
    for _ in range(data.draw(st.integers(1, 12))):
        command = _random_command(doc, data)
        if command is not None:
            stack.push(command)
            states.append(state(doc))
    final = state(doc)
    while stack.canUndo():
        stack.undo()
    assert state(doc) == states[0]
    while stack.canRedo():
        stack.redo()
    assert state(doc) == final
