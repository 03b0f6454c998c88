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

from .registry import (ENCODERS, WEIGHTS_BASE, EncoderSpec, encoder_spec, make_encoder,  # noqa: F401
                       pretrained_names, register_encoder)

# Registration order is the order the U-Net's backbone choice lists them.
from . import classic, vgg, resnet, mobilenet, densenet, efficientnet  # noqa: E402,F401
