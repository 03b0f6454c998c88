"""Target: the segmentation task the model is trained for (classes and loss).

It adds no layer: the compiled model returns whatever reaches it. It checks that
what reaches it has one channel per class and the size of the masks.
"""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape, describe_shape
from .errors import ShapeError
from .registry import register
from .schema import Setting, schema

LOSSES = ("cross_entropy", "dice", "dice_ce", "focal")


@register
class Target(Component):
    type_name = "Target"
    category = "Data"
    description = "Masks the model learns to predict: number of classes and the loss."
    icon = "target"
    SCHEMA = schema(
        Setting("classes", "int", 2, "Number of classes including background "
                "(2 for foreground/background).", minimum=2, maximum=256),
        Setting("loss", "choice", "dice_ce", "Loss used for training.", choices=LOSSES),
    )

    def output_ports(self) -> list[str]:
        return []

    @property
    def in_model(self) -> bool:
        return False

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        shape = self.single_input(inputs)
        classes = self.settings["classes"]
        if shape[0] != classes:
            raise ShapeError(f"receives {describe_shape(shape)}: {shape[0]} channels, but "
                             f"there are {classes} classes (one channel per class is needed)")
        if context.input_size is not None and tuple(shape[1:]) != context.input_size:
            h, w = context.input_size
            raise ShapeError(f"receives {describe_shape(shape)}, but masks are {h}x{w}; "
                             "the prediction must have the size of the input")
        return shape

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        return nn.Identity()
