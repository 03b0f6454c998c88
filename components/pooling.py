"""Pooling: max or average pooling (the U-Net's downsampling step)."""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape, describe_shape
from .errors import ShapeError
from .layers import conv_output_size
from .registry import register
from .schema import Setting, schema


@register
class Pooling(Component):
    type_name = "Pooling"
    category = "Layers"
    description = "Max or average pooling: shrinks height and width."
    icon = "pooling"
    SCHEMA = schema(
        Setting("mode", "choice", "max", "max keeps the strongest response; avg the mean.",
                choices=("max", "avg")),
        Setting("size", "int", 2, "Pooling window.", minimum=1, maximum=8),
        Setting("stride", "int", 2, "Step of the window (size/stride = 2/2 halves the image).",
                minimum=1, maximum=8),
    )

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        c, h, w = self.single_input(inputs)
        k, stride = self.settings["size"], self.settings["stride"]
        if h < k or w < k:
            raise ShapeError(f"input {describe_shape((c, h, w))} is smaller than the "
                             f"{k}x{k} pooling window")
        return (c, conv_output_size(h, k, stride, 0, 1), conv_output_size(w, k, stride, 0, 1))

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        k, stride = self.settings["size"], self.settings["stride"]
        if self.settings["mode"] == "max":
            return nn.MaxPool2d(k, stride)
        return nn.AvgPool2d(k, stride)
