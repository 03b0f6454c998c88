"""The graph document: edits, refusals with typed reasons, notifications."""
import pytest

from components.errors import ConnectionRefused, GraphError, RefusalReason, SettingError
from components.graph import Edge, GraphDocument


@pytest.fixture
def doc():
    d = GraphDocument()
    d.add_node("Input", (0, 0), {"height": 64, "width": 64}, "input")
    d.add_node("Convolution", (200, 0), {"filters": 8}, "conv1")
    d.add_node("Merge", (400, 0), {}, "merge1")
    d.add_node("Target", (600, 0), {}, "target")
    return d


def record(doc):
    events = []
    for name in ("node_added", "node_removed", "node_moved", "setting_changed", "edge_added",
                 "edge_removed", "frame_added", "frame_removed", "frame_changed", "changed"):
        getattr(doc, name).subscribe(lambda *args, n=name: events.append(n))
    return events


def test_ids_are_readable_and_unique(doc):
    assert doc.add_node("Convolution").id == "conv2"
    assert doc.add_node("Pooling").id == "pool1"
    with pytest.raises(GraphError, match="'conv1' already exists"):
        doc.add_node("Convolution", node_id="conv1")


def test_connect_orients_ports_and_refuses_with_reasons(doc):
    edge = doc.connect("conv1", "in", "input", "out")  # dragged from the input side
    assert edge == Edge("input", "out", "conv1", "in")
    cases = [
        (("input", "out", "merge1", "out"), RefusalReason.SAME_DIRECTION),
        (("input", "out", "conv1", "in"), RefusalReason.DUPLICATE),
        (("merge1", "out", "conv1", "in"), RefusalReason.PORT_TAKEN),
        (("conv1", "out", "conv1", "in"), RefusalReason.SAME_NODE),
        (("conv1", "out", "merge1", "in9"), RefusalReason.UNKNOWN_PORT),
        (("ghost", "out", "merge1", "in1"), RefusalReason.UNKNOWN_NODE),
    ]
    for args, reason in cases:
        ok, why, message = doc.can_connect(*args)
        assert not ok and why is reason, (args, why)
        assert message
    doc.connect("conv1", "out", "merge1", "in1")
    with pytest.raises(ConnectionRefused) as refusal:
        doc.connect("merge1", "out", "input", "out")
    assert refusal.value.reason is RefusalReason.SAME_DIRECTION
    doc.add_node("Convolution", node_id="conv2")
    doc.connect("merge1", "out", "conv2", "in")
    ok, why, message = doc.can_connect("conv2", "out", "merge1", "in2")
    assert (ok, why) == (False, RefusalReason.CYCLE) and "cycle" in message


def test_unknown_port_message_lists_ports(doc):
    with pytest.raises(ConnectionRefused, match="ports: in1, in2, out"):
        doc.connect("input", "out", "merge1", "in3")


def test_events_fire_once_per_real_change(doc):
    events = record(doc)
    doc.move_node("conv1", (200, 0))          # same place: nothing
    doc.set_setting("conv1", "filters", 8)    # same value: nothing
    assert events == []
    doc.move_node("conv1", (10, 20))
    doc.set_setting("conv1", "filters", 16)
    assert events == ["node_moved", "changed", "setting_changed", "changed"]


def test_remove_node_takes_its_wires_and_returns_them(doc):
    doc.connect("input", "out", "conv1", "in")
    doc.connect("conv1", "out", "merge1", "in1")
    doc.add_frame("Encoder", ["conv1", "input"])
    events = record(doc)
    node, edges = doc.remove_node("conv1")
    assert node.id == "conv1" and len(edges) == 2 and doc.edges == []
    assert doc.frames[0].nodes == ["input"]
    assert events.count("edge_removed") == 2 and events[-2:] == ["node_removed", "changed"]


def test_set_setting_validates_and_protects_wired_ports(doc):
    with pytest.raises(SettingError, match="'filters'"):
        doc.set_setting("conv1", "filters", -1)
    with pytest.raises(SettingError, match="unknown setting"):
        doc.set_setting("conv1", "filtres", 3)
    doc.set_setting("merge1", "inputs", 3)
    doc.connect("input", "out", "merge1", "in3")
    with pytest.raises(GraphError, match="port 'in3' of 'merge1' is wired"):
        doc.set_setting("merge1", "inputs", 2)
    assert doc.node("merge1").settings["inputs"] == 3


def test_frames_are_document_state(doc):
    frame = doc.add_frame("Encoder", ["input", "conv1"])
    doc.set_frame(frame.id, title="Down path")
    assert doc.frame(frame.id).title == "Down path"
    with pytest.raises(GraphError, match="no node with id 'ghost'"):
        doc.add_frame("x", ["ghost"])
    doc.remove_frame(frame.id)
    assert doc.frames == []


def test_unknown_type_lists_valid_types():
    with pytest.raises(Exception, match="unknown component type 'Conv'.*Convolution"):
        GraphDocument().add_node("Conv")


def test_replace_with_keeps_listeners(doc):
    events = record(doc)
    other = GraphDocument()
    other.add_node("Input", node_id="only")
    doc.replace_with(other)
    assert [n.id for n in doc.nodes] == ["only"] and events == ["changed"]


def test_revision_grows_with_every_real_change_and_only_then(doc):
    from components.errors import GraphError as Refused

    steps = [
        lambda: doc.connect("input", "out", "conv1", "in"),
        lambda: doc.move_node("conv1", (10, 20)),
        lambda: doc.set_setting("conv1", "filters", 16),
        lambda: doc.add_frame("Encoder", ["conv1"]),
        lambda: doc.set_frame(doc.frames[0].id, title="Down"),
        lambda: doc.remove_frame(doc.frames[0].id),
        lambda: doc.disconnect(doc.edges[0]),
        lambda: doc.add_node("Pooling", node_id="pool1"),
        lambda: doc.remove_node("pool1"),
    ]
    for step in steps:
        before = doc.revision
        step()
        assert doc.revision > before, step
    unchanged = doc.revision
    doc.move_node("conv1", (10, 20))
    doc.set_setting("conv1", "filters", 16)
    doc.move_nodes({})
    with pytest.raises(Refused):
        doc.connect("input", "out", "ghost", "in")
    with pytest.raises(SettingError):
        doc.set_setting("conv1", "filters", -1)
    assert doc.revision == unchanged


def test_snapshot_is_plain_json_that_shares_nothing(doc):
    import json

    from components.serialize import graph_from_dict, graph_to_dict

    doc.connect("input", "out", "conv1", "in")
    doc.add_frame("Encoder", ["input", "conv1"])
    snap = doc.snapshot()
    assert json.loads(json.dumps(snap)) == snap  # only dicts, lists, str, numbers, bool, None
    assert snap == graph_to_dict(doc)  # the project file's graph section
    snap["nodes"][1]["settings"]["filters"] = 99
    snap["nodes"][0]["position"][0] = 5
    snap["frames"][0]["nodes"].append("ghost")
    assert doc.node("conv1").settings["filters"] == 8 and doc.node("input").position == (0, 0)
    assert doc.frames[0].nodes == ["input", "conv1"]
    assert graph_from_dict(doc.snapshot()).snapshot() == doc.snapshot()


def test_downstream_and_upstream_follow_the_wires(doc):
    doc.connect("input", "out", "conv1", "in")
    doc.connect("conv1", "out", "merge1", "in1")
    doc.connect("input", "out", "merge1", "in2")
    doc.connect("merge1", "out", "target", "in")
    assert doc.downstream("conv1") == {"conv1", "merge1", "target"}
    assert doc.downstream("target") == {"target"}
    assert doc.upstream("merge1") == {"merge1", "conv1", "input"}
    with pytest.raises(GraphError, match="no node with id 'ghost'"):
        doc.downstream("ghost")


def test_roles_find_the_ends_without_type_names(doc):
    from components.base import Role

    assert doc.source_node().id == "input" and doc.sink_node().id == "target"
    assert [n.id for n in doc.nodes_with_role(Role.LAYER)] == ["conv1", "merge1"]
    doc.add_node("Input", node_id="second")
    assert [n.id for n in doc.nodes_with_role(Role.SOURCE)] == ["input", "second"]
    assert doc.source_node().id == "input"
    empty = GraphDocument()
    assert empty.source_node() is None and empty.sink_node() is None


def test_one_topological_order_and_a_named_cycle(doc):
    from components.errors import GraphCycleError

    doc.connect("input", "out", "conv1", "in")
    doc.connect("conv1", "out", "merge1", "in1")
    order = doc.topological_order()
    assert order.index("input") < order.index("conv1") < order.index("merge1")
    assert sorted(order) == sorted(n.id for n in doc.nodes)
    doc.add_node("Convolution", node_id="conv2")
    doc.connect("merge1", "out", "conv2", "in")
    doc.connect_unchecked_cycles("conv2", "out", "merge1", "in2")  # what a loader may meet
    with pytest.raises(GraphCycleError) as error:
        doc.topological_order()
    assert set(error.value.cycle) == {"merge1", "conv2"} and "cycle" in str(error.value)
