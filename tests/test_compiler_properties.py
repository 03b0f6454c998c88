"""Property test: random graphs from the catalog either compile to a module whose
real output shape is the inferred one, or raise GraphCompileError naming nodes.
Never any other exception."""
from __future__ import annotations

import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st

from components import registry
from components.compiler import analyze, compile_graph
from components.errors import ConnectionRefused, GraphCompileError
from components.graph import GraphDocument

# Keep tensors tiny so a hundred examples run in seconds.
LIMITS = {"filters": 6, "base_filters": 3, "kernel_size": 5, "stride": 3, "dilation": 2,
          "scale": 2, "size": 3, "depth": 3, "inputs": 3, "convs_per_level": 2, "classes": 4,
          "out_channels": 4}
MIDDLE_TYPES = ["Convolution", "Pooling", "Upsample", "Merge", "UNet"]


def value_strategy(setting):
    if setting.kind == "bool":
        return st.booleans()
    if setting.kind == "choice":
        return st.sampled_from(setting.choices)
    if setting.kind == "float":
        return st.floats(setting.minimum, setting.maximum)
    if setting.kind == "floats":
        numbers = st.lists(st.floats(setting.minimum, setting.maximum), min_size=1, max_size=4)
        return st.one_of(numbers, st.sampled_from(setting.special)) if setting.special else numbers
    high = min(int(setting.maximum), LIMITS.get(setting.name, int(setting.maximum)))
    numbers = st.integers(int(setting.minimum), high)
    return st.one_of(numbers, st.sampled_from(setting.special)) if setting.special else numbers


@st.composite
def settings_for(draw, type_name):
    schema = registry.get(type_name).SCHEMA
    chosen = draw(st.lists(st.sampled_from(schema.names()), unique=True, max_size=4))
    return {name: draw(value_strategy(schema.get(name))) for name in chosen}


@st.composite
def random_graph(draw):
    doc = GraphDocument()
    size = draw(st.sampled_from([8, 12, 16, 24, 32]))
    doc.add_node("Input", settings={"channels": draw(st.integers(1, 3)), "height": size,
                                    "width": draw(st.sampled_from([8, 16, size]))},
                 node_id="input")
    for _ in range(draw(st.integers(0, 5))):
        type_name = draw(st.sampled_from(MIDDLE_TYPES))
        node = doc.add_node(type_name, settings=draw(settings_for(type_name)))
        wire_inputs(draw, doc, node.id)
    target = doc.add_node("Target", settings=draw(settings_for("Target")), node_id="target")
    wire_inputs(draw, doc, target.id)
    fit_target_to_its_input(draw, doc)
    return doc


def fit_target_to_its_input(draw, doc):
    """Most random graphs disagree with the Target's class count; make some agree so
    that the compiled path is exercised as often as the refusals."""
    edge = doc.edge_at_input("target", "in")
    shape = analyze(doc).shapes.get(edge.source) if edge else None
    if shape and shape[0] >= 2 and draw(st.integers(0, 3)) < 3:
        doc.set_setting("target", "classes", shape[0])


def wire_inputs(draw, doc, node_id):
    sources = [n.id for n in doc.nodes if n.id != node_id and n.type != "Target"]
    for port in doc.input_ports(node_id):
        if draw(st.integers(0, 9)) == 9:  # hypothesis favours small numbers
            continue  # sometimes leave a port open
        source = draw(st.sampled_from(sources))
        try:
            doc.connect(source, "out", node_id, port)
        except ConnectionRefused:
            pass


@settings(max_examples=150)
@given(random_graph())
def test_compile_or_name_the_broken_nodes(doc):
    analysis = analyze(doc)
    try:
        model = compile_graph(doc)
    except GraphCompileError as error:
        event("refused")
        assert error.problems
        for problem in error.problems:
            assert problem.node_id is not None and doc.has_node(problem.node_id), problem
        return
    event("compiled")
    shape = analysis.shapes["target"]
    channels, height, width = analysis.shapes["input"]
    model.eval()
    with torch.no_grad():
        output = model(torch.rand(2, channels, height, width))
    assert tuple(output.shape) == (2, *shape)
