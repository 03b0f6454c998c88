"""The UNet component on backbones: decoder settings, attention, sizes that do not divide,
old project files, and the parameter counts docs/backbones.md shows."""
import re
from pathlib import Path

import pytest
import torch

from components import registry
from components.base import BuildContext
from components.compiler import analyze, compile_graph
from components.errors import SettingError, ShapeError
from components.unet import BACKBONES
from components.unet_model import UNetModel
from helpers import chain

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parent.parent / "docs" / "backbones.md"


def build(settings, shape=(3, 32, 32), classes=2):
    component = registry.create("UNet", settings)
    assert component.output_shape({"in": shape}, BuildContext(classes=classes)) == (
        classes, *shape[1:])
    return component.build({"in": shape}, BuildContext(classes=classes))


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_a_first_release_project_gives_the_same_model():
    """tests/data/unet_release1.pt: weights, input and output of the first release
    (written by tests/data/make_unet_release1.py against main at be14546)."""
    saved = torch.load(DATA / "unet_release1.pt", weights_only=True)
    model = build(saved["settings"], (2, 16, 16), classes=3)
    model.load_state_dict(saved["state"], strict=True)  # the same names and shapes
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(saved["image"]), saved["output"])


def test_backbone_only_settings_say_when_they_matter():
    schema = registry.get("UNet").SCHEMA
    for name in ("depth", "base_filters", "pooling"):
        assert schema.applies(name, {"backbone": "none"})
        assert not schema.applies(name, {"backbone": "resnet34"})
    assert schema.applies("weights_file", {"pretrained": "file"})
    assert not schema.applies("weights_file", {"pretrained": "imagenet"})
    groups = {s.group for s in schema}
    assert groups == {"Encoder", "Decoder", "Output", "Pretrained weights"}
    assert BACKBONES[0] == "none" and "efficientnet_b0" in BACKBONES


def test_decoder_channels_size_the_stages():
    model = build({"backbone": "resnet18", "decoder_channels": [32, 16, 8, 8, 4]})
    widths = [stage.block[0].out_channels for stage in model.decoder]
    assert widths == [32, 16, 8, 8, 4]
    assert model.head.in_channels == 4
    assert model.decoder[-1].block[0].in_channels == 4  # the last stage has no skip
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 2, 32, 32)


def test_mirror_takes_the_encoder_widths():
    component = registry.create("UNet", {"backbone": "resnet50"})
    assert component.decoder_channels() == (1024, 512, 256, 64, 32)
    assert registry.create("UNet", {}).decoder_channels() == (512, 256, 128, 64)


@pytest.mark.parametrize("value, words", [
    ([64, 32], "has 5 decoder stages (ending at strides 16, 8, 4, 2, 1): give 5 whole "
               "numbers, e.g. 256, 128, 64, 64, 32, or 'mirror'"),
    ([64, 32, 16, 8, 4.5], "give 5 whole numbers")])
def test_wrong_decoder_channels_are_refused_naming_the_setting(value, words):
    component = registry.create("UNet", {"backbone": "resnet34", "decoder_channels": value})
    with pytest.raises(SettingError, match="setting 'decoder_channels'") as error:
        component.output_shape({"in": (3, 64, 64)}, BuildContext(classes=2))
    assert words in str(error.value)


@pytest.mark.parametrize("attention", ["scse", "gates"])
def test_attention_adds_its_modules_and_keeps_shapes(attention):
    plain = build({"depth": 2, "base_filters": 8})
    model = build({"depth": 2, "base_filters": 8, "attention": attention})
    names = {type(m).__name__ for m in model.modules()}
    assert ("SCSE" if attention == "scse" else "AttentionGate") in names
    assert count(model) > count(plain)
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 2, 32, 32)


def test_attention_gates_weight_the_skip():
    model = build({"depth": 1, "base_filters": 4, "attention": "gates"}).eval()
    gate = model.decoder[0].gate
    seen = []
    gate.psi.register_forward_hook(lambda m, i, out: seen.append(out))
    with torch.no_grad():
        model(torch.rand(1, 3, 16, 16))
    assert seen[0].shape == (1, 1, 16, 16)  # one weight per pixel of the skip
    assert 0 < seen[0].min() and seen[0].max() < 1


def test_decoder_dropout_and_options_reach_the_modules():
    model = build({"depth": 2, "base_filters": 4, "decoder_dropout": 0.25, "dropout": 0.5,
                   "unpooling": "nearest", "activation": "gelu", "batch_norm": False,
                   "output_activation": "sigmoid"})
    assert [s.dropout.p for s in model.decoder] == [0.25, 0.25]
    assert model.bottleneck_dropout.p == 0.5
    assert isinstance(model.decoder[0].up[0], torch.nn.Upsample)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert any(isinstance(m, torch.nn.GELU) for m in model.modules())
    model.eval()
    out = model(torch.rand(1, 3, 32, 32))
    assert 0 < out.min() and out.max() < 1


def test_a_size_that_does_not_divide_names_the_sizes_that_work():
    doc = chain(("Input", {"height": 100, "width": 96}), ("UNet", {"backbone": "resnet18"}),
                ("Target", {"classes": 2}), ids=["input", "unet", "target"])
    [message] = analyze(doc).problems_of("unet")
    assert message == ("input 3x100x96: the resnet18 encoder needs height and width divisible "
                       "by 32 (try height 100 -> 96); nearest heights that work: 96, 128; or "
                       "set input_fit to 'pad'")
    doc.set_setting("unet", "backbone", "vgg16")  # total stride 16
    [message] = analyze(doc).problems_of("unet")
    assert "divisible by 16 (try height 100 -> 96); nearest heights that work: 96, 112" in message


def test_pad_and_crop_back_takes_any_size():
    settings = {"depth": 3, "base_filters": 4, "attention": "gates", "input_fit": "pad"}
    model = build(settings, (3, 50, 70)).eval()
    with torch.no_grad():
        assert model(torch.rand(2, 3, 50, 70)).shape == (2, 2, 50, 70)
        # on a size that divides, padding changes nothing
        same = build({**settings, "input_fit": "error"}, (3, 64, 64)).eval()
        same.load_state_dict(model.state_dict())
        x = torch.rand(1, 3, 64, 64)
        torch.testing.assert_close(model(x), same(x))
    refusing = registry.create("UNet", {**settings, "input_fit": "error"})
    with pytest.raises(ShapeError, match="divisible by 8"):
        refusing.output_shape({"in": (3, 50, 70)}, BuildContext(classes=2))


def test_pad_centres_the_image():
    model = build({"depth": 2, "base_filters": 4, "input_fit": "pad"}, (3, 13, 15)).eval()
    seen = []
    model.encoder.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    x = torch.rand(1, 3, 13, 15) + 1
    with torch.no_grad():
        model(x)
    padded = seen[0]
    assert padded.shape == (1, 3, 16, 16)
    # 3 more rows: 1 above, 2 below; 1 more column: on the right
    torch.testing.assert_close(padded[..., 1:14, 0:15], x)
    assert padded[..., 0, :].abs().sum() == padded[..., 14:, :].abs().sum() == 0
    assert padded[..., 15].abs().sum() == 0


@pytest.mark.parametrize("channels", [1, 5])
def test_other_input_channels_build_and_run(channels):
    model = build({"backbone": "mobilenet_v2", "decoder_channels": [8] * 5},
                  (channels, 32, 32)).eval()
    assert model.encoder.features[0][0].in_channels == channels
    assert model(torch.rand(1, channels, 32, 32)).shape == (1, 2, 32, 32)


def test_compiled_graph_with_a_backbone_exports():
    doc = chain(("Input", {"height": 32, "width": 32}),
                ("UNet", {"backbone": "resnet18", "decoder_channels": [8] * 5}),
                ("Target", {"classes": 2}))
    model = compile_graph(doc).eval()
    exported = torch.export.export(model, (torch.rand(1, 3, 32, 32),))
    x = torch.rand(1, 3, 32, 32)
    torch.testing.assert_close(exported.module()(x), model(x))


def docs_table():
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[\d,]+", cells[4]):
            rows[cells[0].strip("`")] = (int(cells[4].replace(",", "")),
                                         int(cells[5].replace(",", "")))
    return rows


def test_docs_parameter_counts_are_the_built_ones():
    rows = docs_table()
    assert sorted(rows) == sorted(BACKBONES)
    for backbone in BACKBONES:
        with torch.device("meta"):
            model = build({"backbone": backbone}, (3, 256, 256))
        assert isinstance(model, UNetModel)
        assert rows[backbone] == (count(model.encoder), count(model)), backbone


def test_unet_with_a_bad_backbone_name_is_refused():
    with pytest.raises(SettingError, match="'backbone'.*one of none, vgg11"):
        registry.create("UNet", {"backbone": "resnet9"})
    with pytest.raises(ShapeError, match="no single Target"):
        registry.create("UNet", {"backbone": "resnet18"}).output_shape(
            {"in": (3, 64, 64)}, BuildContext())


def test_max_filters_stops_the_classic_encoder_doubling():
    capped = registry.create("UNet", {"depth": 4, "base_filters": 32, "max_filters": 128})
    model = capped.build({"in": (1, 64, 64)}, BuildContext(classes=2))
    assert list(model.encoder.out_channels) == [32, 64, 128, 128, 128]
    out = model(torch.zeros(1, 1, 64, 64))
    assert tuple(out.shape) == (1, 2, 64, 64)
    uncapped = registry.create("UNet", {"depth": 4, "base_filters": 32})
    assert list(uncapped.taps()[0]) == [32, 64, 128, 256, 512]
