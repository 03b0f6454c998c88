"""UNet: a whole U-Net as one component, built on a pluggable encoder.

With depth 4, 64 base filters, two convs per level, batch norm and transpose
unpooling this is the classic Ronneberger U-Net with same padding, parameter for
parameter as the widely used PyTorch implementations (docs/unet_parameters.md).
"""
from __future__ import annotations

from typing import List, Mapping

import torch
from torch import nn

from .backbones import make_encoder
from .base import BuildContext, Component, Shape, describe_shape
from .blocks import ConvBlock, make_upsample
from .errors import ShapeError
from .layers import UNET_ACTIVATIONS, make_activation
from .registry import register
from .schema import Setting, schema


class DecoderStage(nn.Module):
    """Upsample, put the skip in front of it (channels), convolve."""

    def __init__(self, in_channels: int, skip_channels: int, out_channels: int,
                 unpooling: str, convs: int, activation: str, batch_norm: bool) -> None:
        super().__init__()
        self.up = make_upsample(unpooling, in_channels, out_channels)
        self.block = ConvBlock(skip_channels + out_channels, out_channels, convs,
                               activation, batch_norm)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.block(torch.cat([skip, self.up(x)], dim=1))


class UNetModel(nn.Module):
    """encoder -> decoder sized from ``encoder.out_channels`` -> 1x1 head."""

    def __init__(self, encoder: nn.Module, classes: int, unpooling: str = "transpose",
                 convs: int = 2, activation: str = "relu", batch_norm: bool = True,
                 output_activation: str = "none") -> None:
        super().__init__()
        self.encoder = encoder
        channels = list(encoder.out_channels)
        self.decoder = nn.ModuleList()
        for deeper, skip in zip(channels[::-1][:-1], channels[::-1][1:]):
            self.decoder.append(DecoderStage(deeper, skip, skip, unpooling, convs,
                                             activation, batch_norm))
        self.head = nn.Conv2d(channels[0], classes, 1)
        self.output_activation = _output_activation(output_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.encoder(x)
        x = features[-1]
        depth = len(features) - 1
        for i, stage in enumerate(self.decoder):
            x = stage(x, features[depth - 1 - i])
        return self.output_activation(self.head(x))


def _output_activation(name: str) -> nn.Module:
    if name == "softmax":
        return nn.Softmax(dim=1)
    return make_activation(name)


@register
class UNet(Component):
    type_name = "UNet"
    category = "Blocks"
    description = "A complete U-Net: encoder, decoder with skip connections, 1x1 head."
    icon = "unet"
    SCHEMA = schema(
        Setting("depth", "int", 4, "Number of 2x downsamplings (levels below full size).",
                minimum=1, maximum=5),
        Setting("base_filters", "int", 64, "Channels at full size; doubled at every level.",
                minimum=1, maximum=512),
        Setting("convs_per_level", "int", 2, "3x3 convolutions in every block.",
                minimum=1, maximum=4),
        Setting("activation", "choice", "relu", "Activation inside the blocks.",
                choices=UNET_ACTIVATIONS),
        Setting("output_activation", "choice", "none", "Applied to the output; keep 'none' "
                "when the loss expects logits.", choices=("none", "sigmoid", "softmax")),
        Setting("pooling", "choice", "max", "How the encoder halves the size.",
                choices=("max", "avg", "strided_conv")),
        Setting("unpooling", "choice", "transpose", "How the decoder doubles the size: a "
                "2x2 transpose conv, or interpolation followed by a 1x1 conv.",
                choices=("transpose", "bilinear", "nearest")),
        Setting("batch_norm", "bool", True, "Batch normalization after every 3x3 conv."),
        Setting("dropout", "float", 0.0, "Dropout at the end of the encoder (as in the paper).",
                minimum=0.0, maximum=0.9),
        Setting("out_channels", "int", "auto", "Output channels; 'auto' = the classes of the "
                "Target this U-Net feeds.", minimum=1, maximum=256, special=("auto",)),
    )

    def _classes(self, context: BuildContext) -> int:
        out = self.settings["out_channels"]
        if out != "auto":
            return out
        if context.out_channels is None:
            raise ShapeError("out_channels is 'auto' but the graph has no single Target to "
                             "take the number of classes from")
        return context.out_channels

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        c, h, w = self.single_input(inputs)
        factor = 2 ** self.settings["depth"]
        bad = [(name, n) for name, n in (("height", h), ("width", w)) if n % factor]
        if bad:
            fixes = ", ".join(f"{name} {n} -> {max(factor, round(n / factor) * factor)}"
                              for name, n in bad)
            raise ShapeError(f"input {describe_shape((c, h, w))}: depth "
                             f"{self.settings['depth']} needs height and width divisible by "
                             f"{factor} (try {fixes})")
        return (self._classes(context), h, w)

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        s = self.settings
        encoder = make_encoder("classic", in_channels=self.single_input(inputs)[0],
                               depth=s["depth"], base_filters=s["base_filters"],
                               convs=s["convs_per_level"], activation=s["activation"],
                               batch_norm=s["batch_norm"], pooling=s["pooling"],
                               dropout=s["dropout"])
        return UNetModel(encoder, self._classes(context), s["unpooling"], s["convs_per_level"],
                         s["activation"], s["batch_norm"], s["output_activation"])
