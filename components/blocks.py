"""The blocks a U-Net is made of: conv stacks, downsampling and upsampling steps."""
from __future__ import annotations

from torch import nn

from .layers import make_activation


class ConvBlock(nn.Sequential):
    """``convs`` x (3x3 conv -> [batch norm] -> activation), same padding.

    The conv has no bias when batch norm follows it, as in the reference U-Nets.
    """

    def __init__(self, in_channels: int, out_channels: int, convs: int = 2,
                 activation: str = "relu", batch_norm: bool = True) -> None:
        layers = []
        for i in range(convs):
            layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels,
                                    3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(make_activation(activation))
        super().__init__(*layers)


def make_downsample(kind: str, channels: int) -> nn.Module:
    """Halve height and width: max | avg pooling or a learned 2x2 stride-2 conv."""
    if kind == "max":
        return nn.MaxPool2d(2)
    if kind == "avg":
        return nn.AvgPool2d(2)
    return nn.Conv2d(channels, channels, 2, stride=2)


def make_upsample(kind: str, in_channels: int, out_channels: int) -> nn.Module:
    """Double height and width and go from in_channels to out_channels.

    transpose: the classic 2x2 stride-2 up-convolution. bilinear / nearest:
    fixed interpolation followed by a 1x1 conv that changes the channels.
    """
    if kind == "transpose":
        return nn.ConvTranspose2d(in_channels, out_channels, 2, stride=2)
    align = False if kind == "bilinear" else None
    return nn.Sequential(nn.Upsample(scale_factor=2.0, mode=kind, align_corners=align),
                         nn.Conv2d(in_channels, out_channels, 1))
