"""MobileNetV2 (torchvision's ``features``, width 1.0, without the classifier).

Taps after features[1, 3, 6, 13, 18]: the last layer of each resolution, the
1x1 expansion to 1280 channels included (so every parameter is used).
"""
from __future__ import annotations

from typing import List

import torch
from torch import nn

from .registry import EncoderSpec, register_encoder
from .common import ConvNormActivation, init_weights, run_and_tap

# torchvision's inverted residual setting: expansion t, channels c, repeats n, stride s.
SETTING = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
           (6, 160, 3, 2), (6, 320, 1, 1)]
TAPS = [1, 3, 6, 13, 18]


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvNormActivation(inp, hidden, 1, activation=nn.ReLU6))
        layers += [ConvNormActivation(hidden, hidden, 3, stride, groups=hidden,
                                      activation=nn.ReLU6),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
                   nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2Encoder(nn.Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvNormActivation(in_channels, 32, 3, 2, activation=nn.ReLU6)]
        previous = 32
        for t, c, n, s in SETTING:
            for i in range(n):
                layers.append(InvertedResidual(previous, c, s if i == 0 else 1, t))
                previous = c
        layers.append(ConvNormActivation(previous, 1280, 1, activation=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.out_channels = [16, 24, 32, 96, 1280]
        self.strides = [2, 4, 8, 16, 32]
        init_weights(self)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return run_and_tap(self.features, TAPS, x)


register_encoder(EncoderSpec(
    "mobilenet_v2", MobileNetV2Encoder, channels=(16, 24, 32, 96, 1280),
    strides=(2, 4, 8, 16, 32), weights="mobilenet_v2-7ebf99e0.pth",  # DEFAULT: IMAGENET1K_V2
    first_conv="features.0.0.weight"))
