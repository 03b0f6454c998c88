"""Hostile project files and node ids: always the project's own error or a working
model, never a traceback (findings of a review, kept as regression tests)."""
import json
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cli import main
from app.paths import TEMPLATES
from app.project import load_project, project_from_dict
from components.compiler import compile_graph
from components.errors import GraphError, ProjectFileError
from components.graph import GraphDocument
from components.serialize import graph_from_dict, graph_to_dict
from helpers import chain

TEMPLATE = json.loads((TEMPLATES / "unet_component.json").read_text())


@pytest.mark.parametrize("node_id", ["forward", "to", "graph", "meta", "code", "_modules",
                                     "__init__", "eval", "parameters", "zero_grad", "type"])
def test_ids_that_are_module_attributes_still_work(node_id):
    doc = chain(("Input", {"height": 16, "width": 16}), ("Convolution", {"filters": 2}),
                ("Target", {}), ids=["input", node_id, "t"])
    model = compile_graph(doc)
    assert model(torch.rand(1, 3, 16, 16)).shape == (1, 2, 16, 16)


def test_look_alike_unicode_ids_stay_distinct():
    doc = chain(("Input", {"channels": 2, "height": 8, "width": 8}),
                ("Convolution", {"filters": 2}), ("Convolution", {"filters": 2}),
                ("Target", {}), ids=["i", "\u210c", "H", "t"])  # ℌ folds to H in Python
    names = compile_graph(doc).meta["node_modules"]
    assert len(set(names.values())) == len(names)


def test_compiled_models_export_with_a_dynamic_batch():
    doc = chain(("Input", {"height": 16, "width": 16}), ("UNet", {"depth": 2, "base_filters": 4}),
                ("Target", {}))
    model = compile_graph(doc).eval()
    batch = torch.export.Dim("batch", min=1, max=64)
    exported = torch.export.export(model, (torch.rand(2, 3, 16, 16),),
                                   dynamic_shapes={"image": {0: batch}})
    out = exported.module()(torch.rand(5, 3, 16, 16))
    assert out.shape == (5, 2, 16, 16)


def problems(data):
    with pytest.raises(ProjectFileError) as error:
        project_from_dict(data, "p.json")
    return "\n".join(error.value.problems)


def with_graph(**changes):
    data = json.loads(json.dumps(TEMPLATE))
    for path, value in changes.items():
        kind, index, key = path.split("__")
        data["graph"][kind][int(index)][key] = value
    return data


def test_bad_types_in_nodes_and_frames_are_named():
    assert "'type' must be a component type name" in problems(with_graph(nodes__1__type=["UNet"]))
    assert "two finite numbers" in problems(with_graph(nodes__1__position=[10**400, 0]))
    assert "two finite numbers" in problems(with_graph(nodes__1__position=["3", "4"]))
    data = json.loads(json.dumps(TEMPLATE))
    data["graph"]["frames"] = [{"id": [1], "title": "a", "nodes": []},
                               {"id": "f", "title": ["x"], "nodes": ["unet", "unet"]},
                               {"id": "g", "title": "a", "nodes": []},
                               {"id": "g", "title": "b", "nodes": []}]
    text = problems(data)
    assert "graph.frames[0]: 'id' must be a string" in text
    assert "graph.frames[1]: 'title' must be a string" in text
    assert "graph.frames[1]: a node is listed twice" in text
    assert "graph.frames[3]: duplicate frame id 'g'" in text


def test_duplicate_id_is_reported_even_when_the_first_failed():
    data = json.loads(json.dumps(TEMPLATE))
    data["graph"]["nodes"][0]["settings"]["height"] = -5
    data["graph"]["nodes"].append(dict(data["graph"]["nodes"][0], settings={}))
    text = problems(data)
    assert "setting 'height'" in text and "duplicate node id 'input'" in text
    assert "is not a node in this graph" not in text  # no noise about its wires


def test_format_must_be_the_integer_one():
    for version in (True, 1.0, "1", 2):
        data = dict(TEMPLATE, format=version)
        assert "reads format 1" in problems(data)


def test_target_loss_and_training_loss_must_agree(tmp_path):
    data = dict(TEMPLATE, training={"loss": "focal"})
    assert "training.loss: 'focal' disagrees with the Target's loss 'dice_ce'" in problems(data)
    project = project_from_dict(dict(TEMPLATE, training={"epochs": 3.0}))
    assert project.training.epochs == 3 and isinstance(project.training.epochs, int)
    agreeing = project_from_dict(dict(TEMPLATE, training={"loss": "dice_ce", "epochs": 2}))
    assert agreeing.training.epochs == 2  # an old file that repeats the loss still loads
    assert "loss" not in agreeing.to_dict()["training"]  # the Target alone holds it now


def test_deep_json_and_title_injection(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    assert main(["info", str(deep)]) == 1
    assert "nested too deeply" in capsys.readouterr().err
    sneaky = tmp_path / "sneaky.json"
    sneaky.write_text(json.dumps(dict(TEMPLATE, name='demo\nimport os; print("X")\n#')))
    assert main(["code", str(sneaky)]) == 0
    out = capsys.readouterr().out
    assert all(line.startswith("#") for line in out.splitlines()[:3])


def test_code_of_a_huge_model_allocates_nothing(capsys):
    data = json.loads(json.dumps(TEMPLATE))
    data["graph"]["nodes"][1]["settings"].update(base_filters=512, depth=5)
    project = project_from_dict(data)
    model = compile_graph(project.graph, device="meta")
    assert sum(p.numel() for p in model.parameters()) > 7_000_000_000
    assert all(p.is_meta for p in model.parameters())


def test_moves_are_checked_before_anything_moves():
    doc = chain(("Input", {}), ("Target", {}), ids=["in", "t"])
    seen = []
    doc.node_moved.subscribe(seen.append)
    with pytest.raises(GraphError):
        doc.move_nodes({"in": (5, 5), "nope": (1, 1)})
    with pytest.raises(GraphError, match="two finite numbers"):
        doc.move_node("in", (float("nan"), 0))
    assert seen == [] and doc.node("in").position == (0.0, 0.0)


def test_a_node_can_go_back_to_its_place():
    doc = chain(("Input", {}), ("Convolution", {}), ("Target", {}), ids=["in", "c", "t"])
    before = graph_to_dict(doc)
    index = doc.node_index("c")
    node, edges = doc.remove_node("c")
    doc.add_node(node.type, node.position, node.settings, node.id, index=index)
    for edge in edges:
        doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
    assert [n["id"] for n in graph_to_dict(doc)["nodes"]] == [n["id"] for n in before["nodes"]]


def backwards_chain(length):
    """A chain Input -> Convolution ... as file data, its wires listed last to first (the
    order in which a cycle search per wire costs the most)."""
    doc = GraphDocument()
    doc.add_node("Input", node_id="n0")
    for i in range(1, length):
        doc.add_node("Convolution", node_id=f"n{i}")
        doc.connect(f"n{i - 1}", "out", f"n{i}", "in")
    data = graph_to_dict(doc)
    data["edges"].reverse()
    return data


def python_calls(work) -> int:
    """How many Python function calls ``work()`` makes: a measure of work that a loaded
    machine does not change (a time would)."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


def test_loading_a_long_chain_listed_backwards_is_linear():
    assert len(graph_from_dict(backwards_chain(1500)).edges) == 1499
    small, large = backwards_chain(300), backwards_chain(1200)
    ratio = (python_calls(lambda: graph_from_dict(large))
             / python_calls(lambda: graph_from_dict(small)))
    assert 3.5 < ratio < 5, ratio  # 4x the nodes: 4x the work when linear, ~16x if quadratic


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, prefix + (i,))


ALL_PATHS = [p for p in paths(TEMPLATE) if p]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), json_values), min_size=1, max_size=3))
def test_any_corrupted_template_gives_a_clean_answer(tmp_path_factory, corruptions):
    data = json.loads(json.dumps(TEMPLATE))
    for path, value in corruptions:
        holder = data
        try:
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    path = tmp_path_factory.mktemp("fuzz") / "p.json"
    path.write_text(json.dumps(data))
    try:
        project = load_project(path)
    except ProjectFileError as error:
        assert error.problems and str(path) == error.path
        return
    main(["info", str(path)])  # must not raise whatever the graph holds
