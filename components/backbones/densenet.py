"""DenseNet-121 (torchvision's ``features``, without the classifier).

Taps: relu0 (stride 2), each transition's ReLU before its 1x1 convolution and
pooling (4, 8, 16; the dense block's full output, as segmentation_models_pytorch
taps it) and the final norm5 + ReLU (32), which torchvision's forward applies too.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import List

import torch
from torch import nn

from .registry import EncoderSpec, register_encoder
from .common import init_weights

GROWTH, BLOCKS, INIT_FEATURES, BN_SIZE = 32, (6, 12, 24, 16), 64, 4


class DenseLayer(nn.Module):
    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, BN_SIZE * GROWTH, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(BN_SIZE * GROWTH)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(BN_SIZE * GROWTH, GROWTH, 3, padding=1, bias=False)

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        bottleneck = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(bottleneck)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, layers: int, in_channels: int) -> None:
        super().__init__({f"denselayer{i + 1}": DenseLayer(in_channels + i * GROWTH)
                          for i in range(layers)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(in_channels)), ("relu", nn.ReLU(inplace=True)),
            ("conv", nn.Conv2d(in_channels, out_channels, 1, bias=False)),
            ("pool", nn.AvgPool2d(2, 2))]))


class DenseNetEncoder(nn.Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(in_channels, INIT_FEATURES, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(INIT_FEATURES)), ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(3, 2, 1))]))
        channels, self.out_channels = INIT_FEATURES, [INIT_FEATURES]
        for i, layers in enumerate(BLOCKS):
            self.features.add_module(f"denseblock{i + 1}", DenseBlock(layers, channels))
            channels += layers * GROWTH
            self.out_channels.append(channels)
            if i != len(BLOCKS) - 1:
                self.features.add_module(f"transition{i + 1}", Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.strides = [2, 4, 8, 16, 32]
        init_weights(self, conv_mode="fan_in")

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        f = self.features
        x = f.relu0(f.norm0(f.conv0(x)))
        taps = [x]
        x = f.pool0(x)
        for block, transition in ((f.denseblock1, f.transition1), (f.denseblock2, f.transition2),
                                  (f.denseblock3, f.transition3)):
            x = transition.relu(transition.norm(block(x)))
            taps.append(x)
            x = transition.pool(transition.conv(x))
        taps.append(torch.relu(f.norm5(f.denseblock4(x))))
        return taps


# Old weight files (torchvision's published densenet121 among them) name the dense
# layers' modules "norm.1", "conv.2"...; torchvision renames them when loading.
_LEGACY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|"
                     r"running_mean|running_var))$")


def rename_legacy_keys(state: dict) -> dict:
    """``...denselayer1.norm.1.weight`` -> ``...denselayer1.norm1.weight``."""
    renamed = {}
    for key, value in state.items():
        match = _LEGACY.match(key)
        renamed[match.group(1) + match.group(2) if match else key] = value
    return renamed


register_encoder(EncoderSpec(
    "densenet121", DenseNetEncoder, channels=(64, 256, 512, 1024, 1024),
    strides=(2, 4, 8, 16, 32), weights="densenet121-a639ec97.pth",
    first_conv="features.conv0.weight", rename=rename_legacy_keys))
