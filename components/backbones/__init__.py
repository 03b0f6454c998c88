"""Encoders (backbones) a U-Net can stand on.

The contract, as in segmentation_models_pytorch: an encoder is an nn.Module whose
``forward`` returns one feature map per level, from full resolution down, and
which declares ``out_channels`` (one number per level); level i has 1/2**i of the
input size. The U-Net decoder sizes itself from ``out_channels`` alone, so a new
backbone only has to honour this contract and register a factory here.
"""
from __future__ import annotations

from typing import Callable

from torch import nn

from ..errors import UnknownComponentError

EncoderFactory = Callable[..., nn.Module]
ENCODERS: dict[str, EncoderFactory] = {}


def register_encoder(name: str) -> Callable[[EncoderFactory], EncoderFactory]:
    def decorate(factory: EncoderFactory) -> EncoderFactory:
        ENCODERS[name] = factory
        return factory
    return decorate


def make_encoder(name: str, **options) -> nn.Module:
    """Build the named encoder; an unknown name lists the valid ones."""
    if name not in ENCODERS:
        raise UnknownComponentError(name, sorted(ENCODERS))
    return ENCODERS[name](**options)


from . import classic  # noqa: E402,F401  (registers the built-in encoder)
