"""Merge: combine 2..8 branches (skip connections, residuals)."""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape, describe_shape
from .errors import ShapeError
from .layers import MergeTensors
from .registry import register
from .schema import Setting, schema

MODES = ("concat", "add", "subtract", "multiply", "divide", "average", "maximum")


@register
class Merge(Component):
    type_name = "Merge"
    category = "Layers"
    description = "Joins branches: concatenate channels, or combine element by element."
    icon = "merge"
    takes_list = True
    SCHEMA = schema(
        Setting("mode", "choice", "concat", "concat stacks channels (height and width must "
                "match); the others need identical shapes. subtract and divide take in1 "
                "minus/over the rest, in port order.", choices=MODES),
        Setting("inputs", "int", 2, "Number of input ports (in1 ... inN).", minimum=2, maximum=8),
    )

    def input_ports(self) -> list[str]:
        return [f"in{i}" for i in range(1, self.settings["inputs"] + 1)]

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        ports = self.input_ports()
        missing = [p for p in ports if p not in inputs]
        if missing:
            raise ShapeError(f"input port{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)} not connected")
        first = ports[0]
        concat = self.settings["mode"] == "concat"
        for port in ports[1:]:
            a, b = inputs[first], inputs[port]
            if (a[1:] != b[1:]) if concat else (a != b):
                need = "the same height and width" if concat else "identical shapes"
                raise ShapeError(f"{first} is {describe_shape(a)} but {port} is "
                                 f"{describe_shape(b)}; {self.settings['mode']} needs {need}")
        if concat:
            return (sum(inputs[p][0] for p in ports), *inputs[first][1:])
        return inputs[first]

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        return MergeTensors(self.settings["mode"])
