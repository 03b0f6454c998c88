"""One contract every registered encoder passes (segmentation_models_pytorch style), and
the torchvision layout of each backbone.

The expected keys and shapes come from torchvision itself, never from our code:
tests/data/torchvision/<name>.json.gz was written by
    /work/tvenv/bin/python tests/data/torchvision/dump_torchvision.py
in a throwaway venv (python3 -m venv /work/tvenv && /work/tvenv/bin/pip install
torch==2.14.1 torchvision==0.29.1); torchvision is not imported here. The hand-written
spot checks below are torchvision's documented parameter counts (the ``num_params`` of
each model's weights) and a few shapes from its architecture.
"""
import gzip
import json
from pathlib import Path

import pytest
import torch

from components import registry
from components.backbones import ENCODERS, encoder_spec, make_encoder, pretrained_names
from components.base import BuildContext
from components.errors import UnknownComponentError
from components.unet import BACKBONES

FIXTURES = Path(__file__).parent / "data" / "torchvision"
TORCHVISION = pretrained_names()

# torchvision's documented num_params (whole classifier model) and the classifier's
# parameters: resnet fc 512|2048 x 1000 + 1000; VGG's three Linear layers
# 25088x4096 + 4096x4096 + 4096x1000 with biases = 123,642,856; the others one Linear.
DOCUMENTED = {
    "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848,
    "vgg13_bn": 133_053_736, "vgg16": 138_357_544, "vgg16_bn": 138_365_992,
    "vgg19": 143_667_240, "vgg19_bn": 143_678_248, "resnet18": 11_689_512,
    "resnet34": 21_797_672, "resnet50": 25_557_032, "resnet101": 44_549_160,
    "resnet152": 60_192_808, "mobilenet_v2": 3_504_872, "densenet121": 7_978_856,
    "efficientnet_b0": 5_288_548,
}
VGG_CLASSIFIER = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
CLASSIFIER = {name: VGG_CLASSIFIER for name in DOCUMENTED if name.startswith("vgg")} | {
    "resnet18": 513_000, "resnet34": 513_000, "resnet50": 2_049_000, "resnet101": 2_049_000,
    "resnet152": 2_049_000, "mobilenet_v2": 1_281_000, "densenet121": 1_025_000,
    "efficientnet_b0": 1_281_000}
SPOT_SHAPES = {
    "vgg16": {"features.0.weight": (64, 3, 3, 3), "features.28.weight": (512, 512, 3, 3)},
    "vgg16_bn": {"features.41.running_var": (512,), "features.40.bias": (512,)},
    "resnet18": {"conv1.weight": (64, 3, 7, 7), "layer2.0.downsample.0.weight": (128, 64, 1, 1)},
    "resnet50": {"layer1.0.conv3.weight": (256, 64, 1, 1), "layer4.2.bn3.weight": (2048,)},
    "resnet152": {"layer3.35.conv2.weight": (256, 256, 3, 3)},
    "mobilenet_v2": {"features.18.0.weight": (1280, 320, 1, 1),
                     "features.1.conv.0.0.weight": (32, 1, 3, 3)},
    "densenet121": {"features.denseblock4.denselayer16.conv2.weight": (32, 128, 3, 3),
                    "features.norm5.weight": (1024,)},
    "efficientnet_b0": {"features.1.0.block.1.fc1.weight": (8, 32, 1, 1),
                        "features.8.0.weight": (1280, 320, 1, 1)},
}


def torchvision_layout(name):
    data = json.loads(gzip.decompress((FIXTURES / f"{name}.json.gz").read_bytes()))
    return {key: tuple(shape) for key, shape in data["keys"]}


def meta_encoder(name, **options):
    with torch.device("meta"):
        return make_encoder(name, **options)


def test_the_registry_lists_every_backbone_of_the_issue():
    assert TORCHVISION == ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
                           "vgg19", "vgg19_bn", "resnet18", "resnet34", "resnet50",
                           "resnet101", "resnet152", "mobilenet_v2", "densenet121",
                           "efficientnet_b0"]
    assert set(ENCODERS) == {"classic", *TORCHVISION}
    with pytest.raises(UnknownComponentError, match="unknown component type 'resnet9'.*vgg16"):
        make_encoder("resnet9")


@pytest.mark.parametrize("name", TORCHVISION)
def test_state_dict_keys_and_shapes_equal_torchvision(name):
    ours = {key: tuple(value.shape) for key, value in meta_encoder(name).state_dict().items()}
    expected = torchvision_layout(name)
    assert [k for k in expected if k not in ours] == []
    assert [k for k in ours if k not in expected] == []
    assert {k: v for k, v in ours.items() if expected[k] != v} == {}
    assert list(ours) == list(expected)  # even the order


@pytest.mark.parametrize("name", TORCHVISION)
def test_parameter_count_is_torchvision_documented_one_minus_the_classifier(name):
    encoder = meta_encoder(name)
    assert sum(p.numel() for p in encoder.parameters()) + CLASSIFIER[name] == DOCUMENTED[name]
    state = encoder.state_dict()
    for key, shape in SPOT_SHAPES.get(name, {}).items():
        assert tuple(state[key].shape) == shape, key


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_declared_taps_match_the_module(name):
    spec = encoder_spec(name)
    encoder = meta_encoder(name, in_channels=3)
    channels, strides = spec.taps({})
    assert list(channels) == encoder.out_channels and list(strides) == encoder.strides
    assert strides[0] in (1, 2) and strides[-1] in (16, 32)
    assert all(b == 2 * a for a, b in zip(strides, strides[1:]))


def thin_unet(backbone):
    """The backbone under a narrow decoder: the encoder is real, the decoder cheap."""
    component = registry.create("UNet", {"backbone": backbone, "base_filters": 8,
                                         "decoder_channels": "mirror"})
    widths = [8] * len(component.decoder_channels())
    component = registry.create("UNet", {**component.settings, "decoder_channels": widths})
    return component.build({"in": (3, 64, 64)}, BuildContext(classes=2)).eval()


@pytest.mark.parametrize("backbone", BACKBONES)
def test_forward_at_64x64_and_96x128_gives_the_declared_taps(backbone):
    model = thin_unet(backbone)
    taps, ran = [], set()
    model.encoder.register_forward_hook(lambda module, args, output: taps.append(output))
    for name, module in model.encoder.named_modules():
        module.register_forward_hook(lambda *_, name=name: ran.add(name))
    channels, strides = model.encoder.out_channels, model.encoder.strides
    with torch.no_grad():
        for height, width in ((64, 64), (96, 128)):
            assert tuple(model(torch.rand(1, 3, height, width)).shape) == (1, 2, height, width)
            assert [tuple(f.shape[1:]) for f in taps.pop()] == [
                (c, height // s, width // s) for c, s in zip(channels, strides)]
    # every parameter takes part (DistributedDataParallel insists on it)
    unused = [name for name, module in model.encoder.named_modules()
              if name not in ran and any(True for _ in module.parameters(recurse=False))]
    assert unused == []


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "vgg11_bn", "densenet121",
                                  "efficientnet_b0"])
@pytest.mark.parametrize("channels", [1, 4])
def test_other_input_channels_adapt_the_first_conv(name, channels):
    spec = encoder_spec(name)
    encoder = meta_encoder(name, in_channels=channels)
    weight = encoder.state_dict()[spec.first_conv]
    assert weight.shape[1] == channels
    expected = torchvision_layout(name)[spec.first_conv]
    assert (weight.shape[0], *weight.shape[2:]) == (expected[0], *expected[2:])
