"""The blocks a U-Net is made of: conv stacks, down- and upsampling steps, attention."""
from __future__ import annotations

import torch
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


class SCSE(nn.Module):
    """Concurrent spatial and channel squeeze & excitation (Roy et al., 2018).

    ``x * channel_gate(x) + x * spatial_gate(x)``; the channel gate squeezes to
    channels // reduction (at least 1) as segmentation_models_pytorch does."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        squeezed = max(1, channels // reduction)
        self.channel_gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, squeezed, 1), nn.ReLU(inplace=True),
            nn.Conv2d(squeezed, channels, 1), nn.Sigmoid())
        self.spatial_gate = nn.Sequential(nn.Conv2d(channels, 1, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.channel_gate(x) + x * self.spatial_gate(x)


class AttentionGate(nn.Module):
    """The additive attention gate of Attention U-Net (Oktay et al., 2018).

    The skip ``x`` is weighted per pixel by ``sigmoid(psi(relu(W_x x + W_g g)))``,
    where the gating signal ``g`` is the upsampled decoder feature at the skip's
    size (the common PyTorch form of the paper's gate); the intermediate width is
    half the skip's channels."""

    def __init__(self, skip_channels: int, gate_channels: int, batch_norm: bool = True) -> None:
        super().__init__()
        inner = max(1, skip_channels // 2)
        self.skip_proj = _conv1x1(skip_channels, inner, batch_norm)
        self.gate_proj = _conv1x1(gate_channels, inner, batch_norm)
        self.relu = nn.ReLU(inplace=True)
        self.psi = nn.Sequential(_conv1x1(inner, 1, batch_norm), nn.Sigmoid())

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        return x * self.psi(self.relu(self.skip_proj(x) + self.gate_proj(g)))


def _conv1x1(in_channels: int, out_channels: int, batch_norm: bool) -> nn.Module:
    conv = nn.Conv2d(in_channels, out_channels, 1, bias=not batch_norm)
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels)) if batch_norm else conv
