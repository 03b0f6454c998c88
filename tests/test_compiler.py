"""The compiler: shapes, every problem per node, and readable fx code."""
import pytest
import torch

from app.paths import TEMPLATES
from app.project import load_project
from components.compiler import analyze, compile_graph
from components.errors import GraphCompileError
from components.graph import Edge
from components.source import forward_source, model_source
from helpers import chain
from reference_unet import ReferenceUNet, copy_weights_in_order

CLASSIC_UNET_PARAMETERS = 31_037_698  # derivation in docs/unet_parameters.md


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope="module")
def templates():
    return {name: load_project(TEMPLATES / f"{name}.json")
            for name in ("unet_component", "unet_from_scratch")}


def test_unet_component_is_the_classic_unet():
    doc = chain(("Input", {"height": 64, "width": 64}), ("UNet", {}), ("Target", {"classes": 2}))
    model = compile_graph(doc)
    reference = ReferenceUNet(3, 2)
    assert count(model) == count(reference) == CLASSIC_UNET_PARAMETERS
    copy_weights_in_order(reference, model)
    model.eval(), reference.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x))


def test_no_bias_before_batch_norm_and_halving_transpose_convs():
    model = compile_graph(chain(("Input", {"height": 32, "width": 32}), ("UNet", {}),
                                ("Target", {})))
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.bias is None for c in convs if c.kernel_size == (3, 3))
    ups = [m for m in model.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(u.in_channels, u.out_channels) for u in ups] == [(1024, 512), (512, 256),
                                                            (256, 128), (128, 64)]
    assert convs[-1].kernel_size == (1, 1) and convs[-1].out_channels == 2


def test_templates_are_the_same_network(templates):
    one = compile_graph(templates["unet_component"].graph)
    scratch = compile_graph(templates["unet_from_scratch"].graph)
    assert count(one) == count(scratch) == CLASSIC_UNET_PARAMETERS
    copy_weights_in_order(one, scratch)
    one.eval(), scratch.eval()
    x = torch.randn(1, 3, 64, 64)  # the model takes any size divisible by 16
    with torch.no_grad():
        torch.testing.assert_close(one(x), scratch(x))


def test_generated_code_has_one_line_per_node(templates):
    doc = templates["unet_from_scratch"].graph
    code = forward_source(compile_graph(doc))
    for node in doc.nodes:
        if node.type != "Target":
            assert f"self.{node.id}(" in code, node.id
    assert "merge1 = self.merge1([enc1_conv2, up1])" in code
    assert "= None" not in code
    source = model_source(compile_graph(doc), "demo")
    assert source.startswith("# demo") and "def forward(self, image):" in source


def test_all_problems_are_collected_per_node():
    doc = chain(("Input", {"height": 30, "width": 32}), ("UNet", {"depth": 2}),
                ("Convolution", {"filters": 5}), ("Target", {"classes": 3}),
                ids=["input", "unet", "conv", "target"])
    doc.add_node("Merge", node_id="lonely")
    analysis = analyze(doc)
    assert [p.node_id for p in analysis.problems] == ["lonely", "lonely", "unet"]
    assert "divisible by 4" in analysis.problems_of("unet")[0]
    assert analysis.warnings[0].node_id == "lonely"
    with pytest.raises(GraphCompileError) as error:
        compile_graph(doc)
    assert set(error.value.node_ids) == {"lonely", "unet"}


def test_downstream_of_a_broken_node_is_not_blamed():
    doc = chain(("Input", {"height": 8, "width": 8}),
                ("Convolution", {"kernel_size": 15, "padding": "valid"}),
                ("Convolution", {}), ("Target", {}))
    assert [p.node_id for p in analyze(doc).problems] == ["conv1"]


def test_graph_level_problems():
    doc = chain(("Convolution", {}), ("Convolution", {}))
    messages = [str(p) for p in analyze(doc).problems]
    assert "the graph has no Input node" in messages
    assert "the graph has no Target node" in messages
    assert "input port 'in' is not connected" in messages[-1]


def test_cycle_is_named():
    doc = chain(("Input", {}), ("Merge", {}), ("Convolution", {}), ("Target", {}),
                ids=["input", "merge", "conv", "target"])
    doc.connect("input", "out", "merge", "in2")
    # the document refuses cycles, so a cyclic graph can only come from elsewhere:
    doc._remove_edge(doc.edge_at_input("merge", "in2"))
    doc._add_edge(Edge("conv", "out", "merge", "in2"))
    problems = analyze(doc).problems
    assert {p.node_id for p in problems} == {"merge", "conv"}
    assert all("part of a cycle" in p.message for p in problems)


def test_second_input_and_target_are_named():
    doc = chain(("Input", {}), ("Target", {"classes": 3}), ids=["a", "t"])
    doc.add_node("Input", node_id="b")
    doc.add_node("Target", node_id="t2")
    messages = [str(p) for p in analyze(doc).problems]
    assert "b: a second Input node; a model has exactly one (the first is 'a')" in messages
    assert "t2: a second Target node; a model has exactly one (the first is 't')" in messages


def test_parameter_counts_come_from_the_meta_device():
    doc = chain(("Input", {"channels": 1, "height": 16, "width": 16}),
                ("Convolution", {"filters": 4, "batch_norm": False}),
                ("Convolution", {"filters": 2, "batch_norm": True}), ("Target", {}))
    counts = analyze(doc, count_parameters=True).parameters
    assert counts["conv1"] == 1 * 4 * 9 + 4
    assert counts["conv2"] == 4 * 2 * 9 + 2 * 2


def test_node_ids_become_safe_attribute_names():
    doc = chain(("Input", {"height": 16, "width": 16}), ("Convolution", {"filters": 2}),
                ("Target", {}), ids=["in-put", "2conv", "t"])
    model = compile_graph(doc)
    assert model.meta["node_modules"] == {"in-put": "in_put", "2conv": "n_2conv"}
    assert model(torch.rand(1, 3, 16, 16)).shape == (1, 2, 16, 16)


def test_the_parameter_counter_is_the_compilers_count_and_caches_it(monkeypatch):
    from components.compiler import ParameterCounter
    from components.convolution import Convolution

    doc = chain(("Input", {"height": 32, "width": 32}), ("Convolution", {"filters": 8}),
                ("Convolution", {"filters": 8}), ("Target", {"classes": 8}),
                ids=["input", "a", "b", "target"])
    counter = ParameterCounter()
    analysis = analyze(doc, count_parameters=True, counter=counter)
    builds = []
    real = Convolution.build
    monkeypatch.setattr(Convolution, "build", lambda self, *a: builds.append(1) or real(self, *a))
    assert counter.count(doc, analysis, "a") == analysis.parameters["a"] > 0
    assert counter.count(doc, analysis, "b") == analysis.parameters["b"]
    assert builds == []  # both convolutions were counted once, in analyze
    lonely = chain(("Convolution", {}),)  # its input is not wired: no shape, no count
    assert counter.count(lonely, analyze(lonely), "conv1") is None
