"""EfficientNet-B0 (torchvision's ``features``, without avgpool and classifier).

Taps after features[1, 2, 3, 5, 8]: the last stage at each resolution, the final
1x1 convolution to 1280 channels included. Stochastic depth grows linearly to 0.2
over the 16 blocks, as in torchvision (it only acts while training).
"""
from __future__ import annotations

from typing import List

import torch
from torch import nn

from .registry import EncoderSpec, register_encoder
from .common import ConvNormActivation, StochasticDepth, init_weights, run_and_tap

# (expand ratio, kernel, stride, in, out, blocks) per stage, width and depth 1.0
STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2),
          (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4),
          (6, 3, 1, 192, 320, 1)]
TAPS = [1, 2, 3, 5, 8]
STOCHASTIC_DEPTH = 0.2


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation with SiLU inside."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = nn.SiLU(inplace=True)
        self.scale_activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return self.scale_activation(scale) * x


class MBConv(nn.Module):
    def __init__(self, expand: int, kernel: int, stride: int, inp: int, oup: int,
                 drop: float) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and inp == oup
        hidden = inp * expand
        layers: list[nn.Module] = []
        if hidden != inp:
            layers.append(ConvNormActivation(inp, hidden, 1, activation=nn.SiLU))
        layers += [ConvNormActivation(hidden, hidden, kernel, stride, groups=hidden,
                                      activation=nn.SiLU),
                   SqueezeExcitation(hidden, max(1, inp // 4)),
                   ConvNormActivation(hidden, oup, 1, activation=None)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result = self.block(x)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + x
        return result


class EfficientNetB0Encoder(nn.Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvNormActivation(in_channels, 32, 3, 2, activation=nn.SiLU)]
        total, index = sum(stage[-1] for stage in STAGES), 0
        for expand, kernel, stride, inp, oup, blocks in STAGES:
            stage = []
            for i in range(blocks):
                stage.append(MBConv(expand, kernel, stride if i == 0 else 1,
                                    inp if i == 0 else oup, oup,
                                    STOCHASTIC_DEPTH * index / total))
                index += 1
            layers.append(nn.Sequential(*stage))
        layers.append(ConvNormActivation(320, 1280, 1, activation=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.out_channels = [16, 24, 40, 112, 1280]
        self.strides = [2, 4, 8, 16, 32]
        init_weights(self)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return run_and_tap(self.features, TAPS, x)


register_encoder(EncoderSpec(
    "efficientnet_b0", EfficientNetB0Encoder, channels=(16, 24, 40, 112, 1280),
    strides=(2, 4, 8, 16, 32), weights="efficientnet_b0_rwightman-7f5810bc.pth",
    first_conv="features.0.0.weight"))
