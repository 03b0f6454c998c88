"""The encoder of the original U-Net: conv blocks separated by 2x downsampling."""
from __future__ import annotations

from typing import List

import torch
from torch import nn

from ..blocks import ConvBlock, make_downsample
from . import register_encoder


class ClassicEncoder(nn.Module):
    """depth + 1 levels; level i has base_filters * 2**i channels."""

    def __init__(self, in_channels: int, depth: int = 4, base_filters: int = 64,
                 convs: int = 2, activation: str = "relu", batch_norm: bool = True,
                 pooling: str = "max", dropout: float = 0.0) -> None:
        super().__init__()
        self.out_channels = [base_filters * 2 ** i for i in range(depth + 1)]
        # stage 0 works at full size; every later stage first halves the size.
        self.stages = nn.ModuleList()
        previous = in_channels
        for level, channels in enumerate(self.out_channels):
            block = ConvBlock(previous, channels, convs, activation, batch_norm)
            self.stages.append(block if level == 0 else
                               nn.Sequential(make_downsample(pooling, previous), block))
            previous = channels
        # The paper drops out at the end of the contracting path only.
        self.bottleneck_dropout = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        features: List[torch.Tensor] = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        features[-1] = self.bottleneck_dropout(features[-1])
        return features


@register_encoder("classic")
def classic_encoder(**options) -> nn.Module:
    return ClassicEncoder(**options)
