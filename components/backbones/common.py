"""Pieces several torchvision-compatible encoders share.

Written here rather than imported from torchvision (not a dependency): each one
keeps torchvision's module layout, so parameter names come out the same.
"""
from __future__ import annotations

from typing import Callable, List, Sequence

import torch
from torch import nn


class ConvNormActivation(nn.Sequential):
    """torchvision's Conv2dNormActivation with batch norm: conv (no bias) -> BN -> act.

    Children are numbered 0, 1, 2 as in torchvision; ``activation`` None leaves the
    activation out (a projection layer)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1,
                 activation: Callable[..., nn.Module] | None = nn.ReLU) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_channels)]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


def init_weights(module: nn.Module, conv_mode: str = "fan_out") -> None:
    """torchvision's initialisation: He-normal convolutions, unit batch norms.

    Training from scratch starts where torchvision's would; with pretrained
    weights it is overwritten anyway."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode=conv_mode, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def run_and_tap(layers: nn.Sequential, taps: Sequence[int], x: torch.Tensor) -> List[torch.Tensor]:
    """Run ``layers`` in order and keep the output after each index in ``taps``.

    Stops after the last tap, so layers past it (VGG's last pooling) cost nothing."""
    features: List[torch.Tensor] = []
    last = taps[-1]
    for index, layer in enumerate(layers):
        x = layer(x)
        if index in taps:
            features.append(x)
        if index == last:
            break
    return features


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth in "row" mode: while training, drop a
    residual branch for a random subset of the batch and rescale the rest."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        noise = torch.empty([x.shape[0]] + [1] * (x.ndim - 1), dtype=x.dtype, device=x.device)
        return x * noise.bernoulli_(survival).div_(survival)

    def extra_repr(self) -> str:
        return f"p={self.p}"
