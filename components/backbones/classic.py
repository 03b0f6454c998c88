"""The encoder of the original U-Net: conv blocks separated by 2x downsampling."""
from __future__ import annotations

from typing import List, Mapping

import torch
from torch import nn

from ..blocks import ConvBlock, make_downsample
from .registry import EncoderSpec, register_encoder


class ClassicEncoder(nn.Module):
    """depth + 1 levels; level i has base_filters * 2**i channels (at most max_filters)
    at stride 2**i."""

    def __init__(self, in_channels: int, depth: int = 4, base_filters: int = 64,
                 convs: int = 2, activation: str = "relu", batch_norm: bool = True,
                 pooling: str = "max", max_filters: int | str = "none") -> None:
        super().__init__()
        self.out_channels, self.strides = (list(t) for t in classic_taps(
            {"depth": depth, "base_filters": base_filters, "max_filters": max_filters}))
        # stage 0 works at full size; every later stage first halves the size.
        self.stages = nn.ModuleList()
        previous = in_channels
        for level, channels in enumerate(self.out_channels):
            block = ConvBlock(previous, channels, convs, activation, batch_norm)
            self.stages.append(block if level == 0 else
                               nn.Sequential(make_downsample(pooling, previous), block))
            previous = channels

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        features: List[torch.Tensor] = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


def classic_taps(options: Mapping) -> tuple[tuple[int, ...], tuple[int, ...]]:
    depth, base = options.get("depth", 4), options.get("base_filters", 64)
    cap = options.get("max_filters", "none")
    return (tuple(base * 2 ** i if cap == "none" else min(base * 2 ** i, cap)
                  for i in range(depth + 1)),
            tuple(2 ** i for i in range(depth + 1)))


register_encoder(EncoderSpec("classic", ClassicEncoder, tap_rule=classic_taps))
