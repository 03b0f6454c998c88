"""Expanding a UNet node into Convolution, Pooling, Upsample and Merge nodes: the same
function, the same weights, wired where the UNet was."""
import pytest
import torch

from app.paths import TEMPLATES
from app.project import load_project
from components.compiler import analyze, compile_graph
from components.expand import ExpandError, apply_expansion, expand_unet, load_carried_weights
from components.graph import Edge
from helpers import chain

SIZE = 32


def u_net_doc(settings, size=SIZE):
    return chain(("Input", {"height": size, "width": size}), ("UNet", settings),
                 ("Target", {"classes": 3}), ids=["input", "unet", "target"])


def randomize(model):
    """Batch-norm statistics and biases that are not the identity, so folding shows."""
    torch.manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
        elif isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) and m.bias is not None:
            m.bias.data.uniform_(-0.5, 0.5)


def expanded_pair(settings):
    doc = u_net_doc(settings)
    unet_model = compile_graph(doc)
    randomize(unet_model)
    expansion = expand_unet(doc, "unet")
    apply_expansion(doc, expansion)
    model = compile_graph(doc)
    load_carried_weights(model, expansion.carry(unet_model.unet.state_dict()))
    return unet_model, model, expansion, doc


VARIANTS = [
    {"depth": 2, "base_filters": 8},
    {"depth": 3, "base_filters": 4, "convs_per_level": 3, "pooling": "strided_conv",
     "unpooling": "bilinear", "batch_norm": False, "activation": "leaky_relu",
     "output_activation": "softmax", "decoder_channels": [12, 6, 5]},
    {"depth": 1, "base_filters": 4, "pooling": "avg", "unpooling": "nearest",
     "output_activation": "sigmoid", "dropout": 0.3, "decoder_dropout": 0.2, "out_channels": 3},
    {"backbone": "vgg11_bn", "decoder_channels": [8, 8, 8, 8]},
    {"backbone": "vgg13", "unpooling": "bilinear", "decoder_channels": [16, 8, 8, 4],
     "convs_per_level": 1},
]


@pytest.mark.parametrize("settings", VARIANTS)
def test_the_expanded_graph_computes_the_same_function(settings):
    unet_model, model, _, doc = expanded_pair(settings)
    assert analyze(doc).ok
    x = torch.rand(2, 3, SIZE, SIZE)
    unet_model.eval(), model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x), unet_model(x), atol=1e-5, rtol=1e-5)


def test_batch_norm_with_folded_biases_also_matches_while_training():
    unet_model, model, _, _ = expanded_pair({"backbone": "vgg11_bn",
                                            "decoder_channels": [8, 8, 8, 8]})
    x = torch.rand(2, 3, SIZE, SIZE)
    with torch.no_grad():
        torch.testing.assert_close(model(x), unet_model(x), atol=1e-5, rtol=1e-5)
    running = [(a.running_mean, b.running_mean) for a, b in zip(
        [m for m in unet_model.modules() if isinstance(m, torch.nn.BatchNorm2d)],
        [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)])]
    # the first encoder norm: the expanded mean is the UNet's minus the conv's bias
    bias = unet_model.unet.encoder.features[0].bias
    torch.testing.assert_close(running[0][1], running[0][0] - bias)


def test_parameter_counts_agree_but_for_the_folded_vgg_biases():
    one, many, _, _ = expanded_pair({"depth": 2, "base_filters": 8})
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(one) == count(many)
    one, many, _, _ = expanded_pair({"backbone": "vgg11_bn", "decoder_channels": [8] * 4})
    assert count(one) - count(many) == 64 + 128 + 256 * 2 + 512 * 4  # vgg11's conv biases


def test_the_classic_template_expands_into_the_from_scratch_template():
    component = load_project(TEMPLATES / "unet_component.json").graph
    scratch = load_project(TEMPLATES / "unet_from_scratch.json").graph
    expansion = expand_unet(component, "unet")
    apply_expansion(component, expansion)
    by_id = {n.id: (n.type, n.settings) for n in component.nodes}
    assert by_id == {n.id: (n.type, n.settings) for n in scratch.nodes}
    assert set(component.edges) == set(scratch.edges)
    [frame] = component.frames
    assert frame.title == "U-Net (classic) from unet" and frame.nodes == expansion.node_ids
    assert len(frame.nodes) == 31


def test_wires_positions_and_room():
    doc = chain(("Input", {"height": SIZE, "width": SIZE}), ("Convolution", {"filters": 3}),
                ("UNet", {"depth": 2, "base_filters": 4}), ("Target", {"classes": 3}),
                ids=["input", "pre", "unet", "target"])
    doc.add_node("Convolution", (900.0, 300.0), {"filters": 3}, node_id="side")
    doc.connect("unet", "out", "side", "in")
    doc.add_node("Convolution", (-500.0, 0.0), node_id="enc1_conv1")  # an id already taken
    doc.connect("input", "out", "enc1_conv1", "in")
    expansion = expand_unet(doc, "unet")
    ids = expansion.node_ids
    assert ids[:3] == ["enc1_conv1_2", "enc1_conv2", "pool1"] and ids[-1] == "head"
    assert Edge("pre", "out", "enc1_conv1_2", "in") in expansion.edges
    assert Edge("head", "out", "target", "in") in expansion.edges
    assert Edge("head", "out", "side", "in") in expansion.edges
    assert Edge("enc1_conv2", "out", "merge1", "in1") in expansion.edges  # skip in front
    positions = {n.id: n.position for n in expansion.nodes}
    unet_x, unet_y = doc.node("unet").position
    assert min(x for x, _ in positions.values()) >= unet_x
    # a U: the bottom lies below both ends, the encoder goes down, the decoder comes up
    assert positions["bottom_conv1"][1] > positions["enc1_conv1_2"][1] == unet_y
    assert positions["bottom_conv1"][1] > positions["head"][1] == unet_y
    assert positions["pool1"][0] < positions["bottom_conv1"][0] < positions["merge1"][0]
    right = max(x for x, _ in positions.values())
    assert set(expansion.moves) == {"target", "side"}
    assert expansion.moves["target"][0] > right and expansion.moves["side"][1] == 300.0
    assert doc.has_node("unet") and not doc.has_node("head")  # planning changes nothing
    apply_expansion(doc, expansion)
    assert not doc.has_node("unet") and analyze(doc).ok
    assert doc.node("target").position == expansion.moves["target"]


def test_notes_name_what_does_not_carry_over():
    doc = u_net_doc({"backbone": "vgg11", "freeze_encoder": True, "decoder_channels": [4] * 4})
    notes = expand_unet(doc, "unet").notes
    assert notes == ["freeze_encoder is not kept: Convolution nodes always train"]


@pytest.mark.parametrize("settings, words", [
    ({"backbone": "resnet18"}, "unet: cannot expand: backbone resnet18: only the classic "
                               "encoder and the VGG backbones"),
    ({"attention": "scse"}, "unet: cannot expand: attention scse: attention has no component "
                            "equivalent"),
    ({"input_fit": "pad", "depth": 3}, "unet: cannot expand: input_fit pad: the components "
                                       "cannot pad and crop; use an input size divisible by 8"),
])
def test_what_cannot_be_expanded_is_refused_naming_the_setting(settings, words):
    doc = u_net_doc(settings, size=36)
    with pytest.raises(ExpandError) as error:
        expand_unet(doc, "unet")
    assert str(error.value).startswith(words)
    assert error.value.node_id == "unet"


def test_pad_that_changes_nothing_expands_and_other_nodes_are_refused():
    doc = u_net_doc({"input_fit": "pad", "depth": 2, "base_filters": 4})
    assert expand_unet(doc, "unet").nodes
    with pytest.raises(ExpandError, match="input: cannot expand: it is a Input, not a UNet"):
        expand_unet(doc, "input")
    lonely = chain(("UNet", {"depth": 1}), ids=["u"])
    with pytest.raises(ExpandError, match="out_channels is 'auto' but the graph has no"):
        expand_unet(lonely, "u")
