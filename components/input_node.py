"""Input: where images enter the model, with their size and normalization."""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape
from .errors import ShapeError
from .layers import ChannelNormalize, PerImageStandardize
from .registry import register
from .schema import Setting, schema

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


@register
class Input(Component):
    type_name = "Input"
    category = "Data"
    description = "Image batch entering the model; images are resized to height x width."
    icon = "input"
    SCHEMA = schema(
        Setting("channels", "int", 3, "1 for grayscale, 3 for RGB.", minimum=1, maximum=64),
        Setting("height", "int", 256, "Images are resized (or tiled) to this height.",
                minimum=8, maximum=8192),
        Setting("width", "int", 256, "Images are resized (or tiled) to this width.",
                minimum=8, maximum=8192),
        Setting("normalization", "choice", "none",
                "none: pixels in [0, 1]; imagenet: ImageNet mean/std (3 channels); "
                "per_image: zero mean, unit variance per image.",
                choices=("none", "imagenet", "per_image")),
    )

    def input_ports(self) -> list[str]:
        return []

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        s = self.settings
        if s["normalization"] == "imagenet" and s["channels"] != 3:
            raise ShapeError(f"normalization 'imagenet' needs 3 channels, not {s['channels']}")
        return (s["channels"], s["height"], s["width"])

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        mode = self.settings["normalization"]
        if mode == "imagenet":
            return ChannelNormalize(IMAGENET_MEAN, IMAGENET_STD)
        if mode == "per_image":
            return PerImageStandardize()
        return nn.Identity()
