"""VGG 11/13/16/19, with and without batch norm (torchvision's ``features``).

``features`` is the same Sequential as torchvision's, index for index, so its
state_dict loads torchvision's weights. The taps are the activations just before
each of the first four poolings and at the end of the fifth block (strides 1 to
16), the way TernausNet and the classic U-Net use a VGG: the fifth pooling adds
nothing a decoder could use and is never run.
"""
from __future__ import annotations

from typing import List, Union

import torch
from torch import nn

from .registry import EncoderSpec, register_encoder
from .common import init_weights, run_and_tap

# torchvision's configurations: numbers are 3x3 convolutions, "M" a 2x2 max pooling.
CONFIGS: dict[str, list[Union[int, str]]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}
WEIGHTS = {"vgg11": "vgg11-8a719046.pth", "vgg11_bn": "vgg11_bn-6002323d.pth",
           "vgg13": "vgg13-19584684.pth", "vgg13_bn": "vgg13_bn-abd245e5.pth",
           "vgg16": "vgg16-397923af.pth", "vgg16_bn": "vgg16_bn-6c64b313.pth",
           "vgg19": "vgg19-dcbb9e9d.pth", "vgg19_bn": "vgg19_bn-c79401a0.pth"}


def levels(config: list[Union[int, str]]) -> list[list[int]]:
    """The filters of each level's convolutions: [[64], [128], [256, 256], ...]."""
    found: list[list[int]] = [[]]
    for item in config[:-1]:
        if item == "M":
            found.append([])
        else:
            found[-1].append(int(item))
    return found


class VGGEncoder(nn.Module):
    """torchvision's VGG ``features``; taps before every pooling."""

    def __init__(self, config: list[Union[int, str]], batch_norm: bool,
                 in_channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        self.taps: List[int] = []
        previous = in_channels
        for item in config:
            if item == "M":
                self.taps.append(len(layers) - 1)
                layers.append(nn.MaxPool2d(2, 2))
                continue
            layers.append(nn.Conv2d(previous, int(item), 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(int(item)))
            layers.append(nn.ReLU(inplace=True))
            previous = int(item)
        self.features = nn.Sequential(*layers)
        self.out_channels = [level[-1] for level in levels(config)]
        self.strides = [2 ** i for i in range(len(self.out_channels))]
        init_weights(self)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return run_and_tap(self.features, self.taps, x)


def _register(name: str, batch_norm: bool) -> None:
    config = CONFIGS[name.removesuffix("_bn")]

    def build(in_channels: int = 3) -> VGGEncoder:
        return VGGEncoder(config, batch_norm, in_channels)

    register_encoder(EncoderSpec(name, build, channels=(64, 128, 256, 512, 512),
                                 strides=(1, 2, 4, 8, 16), weights=WEIGHTS[name],
                                 first_conv="features.0.weight"))


for _name in CONFIGS:
    _register(_name, batch_norm=False)
    _register(f"{_name}_bn", batch_norm=True)
