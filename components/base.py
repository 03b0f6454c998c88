"""The Component class: one component type = one subclass in one module.

A subclass declares its settings schema, its ports, a shape rule and build().
The palette, the property panel, the JSON format and the compiler all read these
declarations, so adding a component type means adding one module and registering
it (see registry.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Mapping

from torch import nn

from .errors import ShapeError
from .schema import Schema

Shape = tuple[int, int, int]
"""(channels, height, width) of one sample; the batch dimension is left out."""


class Role(str, Enum):
    """What a component is to the model; the compiler, the data layer and the engine ask
    for this instead of comparing type names ("Input", "Target")."""

    SOURCE = "source"
    """Images enter the model here (Input): no input port."""
    SINK = "sink"
    """The model ends here and the task is described (Target): no output port."""
    LAYER = "layer"
    """Everything in between."""


@dataclass(frozen=True)
class BuildContext:
    """Facts about the whole graph that a component may need.

    ``classes`` is the number of classes of the Target the graph feeds, used by
    settings such as the U-Net's ``out_channels = "auto"``; None when the graph
    has no (single) Target. ``input_size`` is the Input's (height, width), which
    is also the size of the masks. ``out_channels`` is how many channels the model
    must give the Target: the class count, except for a binary task trained with a
    one-channel loss (BCE), which needs one; None without a Target. An ``"auto"``
    output size follows it.
    """

    classes: int | None = None
    input_size: tuple[int, int] | None = None
    out_channels: int | None = None

    def __post_init__(self) -> None:
        if self.out_channels is None and self.classes is not None:
            object.__setattr__(self, "out_channels", self.classes)


class Component:
    """A component type with its settings bound.

    Subclasses set the class attributes and override ``output_shape`` and
    ``build``; both receive the shapes reaching each input port by name.
    """

    type_name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    description: ClassVar[str] = ""
    icon: ClassVar[str] = ""
    SCHEMA: ClassVar[Schema] = Schema()
    takes_list: ClassVar[bool] = False
    """True when build()'s module takes its inputs as one list (Merge), not one tensor."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.settings: dict[str, Any] = self.SCHEMA.validate(dict(settings or {}))

    # --- ports -------------------------------------------------------------
    def input_ports(self) -> list[str]:
        """Names of the input ports, in the order build() consumes them."""
        return ["in"]

    def output_ports(self) -> list[str]:
        return ["out"]

    @property
    def role(self) -> Role:
        """Source, sink or layer. It follows from the ports (nothing can feed a source,
        a sink feeds nothing), so a declared role can never disagree with them."""
        if not self.input_ports():
            return Role.SOURCE
        if not self.output_ports():
            return Role.SINK
        return Role.LAYER

    @property
    def in_model(self) -> bool:
        """False for components that describe the task but add no layer (Target)."""
        return True

    # --- shape rule and build ---------------------------------------------------
    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        """The shape leaving the ``out`` port; raise ShapeError naming the port."""
        raise NotImplementedError

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        """A fresh module for these input shapes (call output_shape first)."""
        raise NotImplementedError

    # --- helpers for subclasses ---------------------------------------------------
    def single_input(self, inputs: Mapping[str, Shape]) -> Shape:
        if "in" not in inputs:
            raise ShapeError("input port 'in' is not connected")
        return inputs["in"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings})"


def describe_shape(shape: Shape) -> str:
    """Shapes in messages read as CxHxW, the way the canvas badges show them."""
    return "x".join(str(int(d)) for d in shape)
