"""Upsample: fixed (not learned) enlargement by an integer factor."""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape
from .registry import register
from .schema import Setting, schema


@register
class Upsample(Component):
    type_name = "Upsample"
    category = "Layers"
    description = "Enlarges height and width by a factor (nearest or bilinear)."
    icon = "upsample"
    SCHEMA = schema(
        Setting("mode", "choice", "nearest", "nearest copies pixels; bilinear interpolates.",
                choices=("nearest", "bilinear")),
        Setting("scale", "int", 2, "Factor for height and width.", minimum=1, maximum=8),
    )

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        c, h, w = self.single_input(inputs)
        scale = self.settings["scale"]
        return (c, h * scale, w * scale)

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        mode = self.settings["mode"]
        align = False if mode == "bilinear" else None
        return nn.Upsample(scale_factor=float(self.settings["scale"]), mode=mode,
                           align_corners=align)
