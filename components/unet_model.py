"""The U-Net as a plain nn.Module: any encoder, a decoder sized from its taps.

The decoder only reads the encoder's ``out_channels`` and ``strides``: one stage
per doubling of the size, with the tap of that stride as skip connection, and
stages without a skip for encoders whose finest tap is already smaller than the
input (ResNet's is at stride 2). Module names of the classic configuration are
those of the first release (``encoder.stages``, ``decoder.N.up`` / ``.block``,
``head``), so its checkpoints keep loading.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import SCSE, AttentionGate, ConvBlock, make_upsample
from .layers import make_activation

ATTENTIONS = ("none", "scse", "gates")


@dataclass(frozen=True)
class DecoderConfig:
    """The decoder's settings; ``channels`` None mirrors the encoder."""

    channels: tuple[int, ...] | None = None
    convs: int = 2
    activation: str = "relu"
    batch_norm: bool = True
    unpooling: str = "transpose"
    attention: str = "none"
    dropout: float = 0.0


def decoder_strides(strides: Sequence[int]) -> list[int]:
    """The stride each decoder stage ends at, deepest first: (2, 4, ..., 32) -> 16, ..., 1."""
    ends, stride = [], strides[-1]
    while stride > 1:
        stride //= 2
        ends.append(stride)
    return ends


def mirror_channels(channels: Sequence[int], strides: Sequence[int]) -> list[int]:
    """Each stage as wide as the encoder at its stride; below the finest tap, half
    the stage before (at least 16), as segmentation_models_pytorch's last stages."""
    by_stride = dict(zip(strides, channels))
    widths: list[int] = []
    for stride in decoder_strides(strides):
        widths.append(by_stride.get(stride) or max(16, widths[-1] // 2 if widths else 16))
    return widths


class DecoderStage(nn.Module):
    """Upsample 2x, [gate the skip], put the skip in front, [scSE], convolve."""

    def __init__(self, in_channels: int, skip_channels: int, out_channels: int,
                 config: DecoderConfig) -> None:
        super().__init__()
        c = config
        self.up = make_upsample(c.unpooling, in_channels, out_channels)
        self.block = ConvBlock(skip_channels + out_channels, out_channels, c.convs,
                               c.activation, c.batch_norm)
        scse = c.attention == "scse"
        self.gate = (AttentionGate(skip_channels, out_channels, c.batch_norm)
                     if c.attention == "gates" and skip_channels else None)
        self.attention_in = SCSE(skip_channels + out_channels) if scse else nn.Identity()
        self.attention_out = SCSE(out_channels) if scse else nn.Identity()
        self.dropout = nn.Dropout2d(c.dropout) if c.dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, skip: Optional[torch.Tensor]) -> torch.Tensor:
        x = self.up(x)
        if skip is not None:
            if self.gate is not None:
                skip = self.gate(skip, x)
            x = torch.cat([skip, x], dim=1)
        x = self.block(self.attention_in(x))
        return self.dropout(self.attention_out(x))


class UNetModel(nn.Module):
    """encoder -> decoder sized from the encoder's taps -> 1x1 head.

    ``pad`` True pads an input whose size does not divide by the total stride
    (zeros, split evenly) and crops the output back; otherwise such an input is
    the caller's error (the component's shape rule refuses it first).
    ``freeze_statistics`` keeps the encoder's batch norms in eval mode while the
    rest trains (see components/freeze.py)."""

    def __init__(self, encoder: nn.Module, classes: int, decoder: DecoderConfig = DecoderConfig(),
                 output_activation: str = "none", dropout: float = 0.0,
                 pad: bool = False) -> None:
        super().__init__()
        self.encoder = encoder
        channels, strides = list(encoder.out_channels), list(encoder.strides)
        if any(b != 2 * a for a, b in zip(strides, strides[1:])) or strides[0] not in (1, 2):
            raise ValueError(f"encoder strides must start at 1 or 2 and double: {strides}")
        widths = list(decoder.channels or mirror_channels(channels, strides))
        by_stride = {s: i for i, s in enumerate(strides)}
        self.skips = [by_stride.get(s, -1) for s in decoder_strides(strides)]
        self.multiple = strides[-1]
        self.pad = pad
        self.freeze_statistics = False
        self.bottleneck_dropout = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()
        self.decoder = nn.ModuleList()
        previous = channels[-1]
        for skip, width in zip(self.skips, widths):
            self.decoder.append(DecoderStage(previous, channels[skip] if skip >= 0 else 0,
                                             width, decoder))
            previous = width
        self.head = nn.Conv2d(previous, classes, 1)
        self.output_activation = make_activation(output_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2], x.shape[-1]
        if self.pad:
            x = F.pad(x, _split_padding(height, width, self.multiple))
        features = self.encoder(x)
        x = self.bottleneck_dropout(features[-1])
        for stage, skip in zip(self.decoder, self.skips):
            x = stage(x, features[skip] if skip >= 0 else None)
        x = self.output_activation(self.head(x))
        if self.pad:
            top, left = (x.shape[-2] - height) // 2, (x.shape[-1] - width) // 2
            x = x[..., top:top + height, left:left + width]
        return x

    def train(self, mode: bool = True) -> "UNetModel":
        super().train(mode)
        if self.freeze_statistics:
            for module in self.encoder.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self


def _split_padding(height: int, width: int, multiple: int) -> List[int]:
    """F.pad's (left, right, top, bottom) up to the next multiple, split evenly."""
    extra_h, extra_w = (-height) % multiple, (-width) % multiple
    return [extra_w // 2, extra_w - extra_w // 2, extra_h // 2, extra_h - extra_h // 2]
