"""The encoder registry: specs by name, in registration order.

A module of its own so that the encoder families import it (to register) without
importing the package that imports them (no cycle).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from torch import nn

from ..errors import UnknownComponentError

WEIGHTS_BASE = "https://download.pytorch.org/models/"


@dataclass(frozen=True)
class EncoderSpec:
    """What the U-Net needs to know about an encoder without building it.

    ``build(in_channels, **options)`` makes the module. ``channels`` and ``strides``
    describe its taps (``taps`` computes them for encoders whose taps depend on
    options, such as the classic one's depth). ``weights`` is the file name of
    torchvision's published ImageNet weights under WEIGHTS_BASE ("" = none);
    ``first_conv`` the state_dict key of the first convolution's weight;
    ``head`` the key prefixes of torchvision's classifier, dropped when loading;
    ``rename`` fixes legacy key names in old weight files (densenet).
    """

    name: str
    build: Callable[..., nn.Module]
    channels: tuple[int, ...] = ()
    strides: tuple[int, ...] = ()
    weights: str = ""
    first_conv: str = ""
    head: tuple[str, ...] = ("fc.", "classifier.")
    rename: Callable[[dict], dict] | None = None
    tap_rule: Callable[[Mapping], tuple[tuple[int, ...], tuple[int, ...]]] | None = None

    @property
    def weights_url(self) -> str:
        return WEIGHTS_BASE + self.weights if self.weights else ""

    def taps(self, options: Mapping | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(channels, strides) of the taps for these build options."""
        if self.tap_rule is not None:
            return self.tap_rule(options or {})
        return self.channels, self.strides

    def total_stride(self, options: Mapping | None = None) -> int:
        return self.taps(options)[1][-1]


ENCODERS: dict[str, EncoderSpec] = {}


def register_encoder(spec: EncoderSpec) -> EncoderSpec:
    ENCODERS[spec.name] = spec
    return spec


def encoder_spec(name: str) -> EncoderSpec:
    """The named encoder's spec; an unknown name lists the valid ones."""
    if name not in ENCODERS:
        raise UnknownComponentError(name, sorted(ENCODERS))
    return ENCODERS[name]


def make_encoder(name: str, **options) -> nn.Module:
    """Build the named encoder (``in_channels`` and the family's options)."""
    return encoder_spec(name).build(**options)


def pretrained_names() -> list[str]:
    """Encoders with torchvision ImageNet weights, in registration order."""
    return [name for name, spec in ENCODERS.items() if spec.weights]
