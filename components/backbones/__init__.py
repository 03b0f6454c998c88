"""Encoders (backbones) a U-Net can stand on.

The contract, as in segmentation_models_pytorch: an encoder is an nn.Module whose
``forward`` returns one feature map per tap, from the finest down, and which
declares ``out_channels`` and ``strides`` (one number per tap: how many channels,
and by how much the tap is smaller than the input; strides start at 1 or 2 and
double from tap to tap, up to 16 or 32). The U-Net decoder sizes itself from
these two lists alone, so a new backbone only has to honour them and register an
``EncoderSpec`` here.

The torchvision families (vgg, resnet, mobilenet, densenet, efficientnet) name
their parameters and buffers exactly as torchvision's model of the same name,
minus the classifier, so torchvision's published ImageNet weights load with
``strict=True``; the spec says where those weights live and which key is the
first convolution (adapted when the input has other than 3 channels).
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


# Registration order is the order the U-Net's backbone choice lists them.
from . import classic, vgg, resnet, mobilenet, densenet, efficientnet  # noqa: E402,F401
