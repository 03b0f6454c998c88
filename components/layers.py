"""Small building blocks shared by several components.

Kept free of control flow in ``forward`` so that every compiled model scripts
(TorchScript) and exports (ONNX) without special cases.
"""
from __future__ import annotations

from typing import List

import torch
from torch import nn

ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "none")
UNET_ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu")


def make_activation(name: str) -> nn.Module:
    """The module for an activation name from ACTIVATIONS."""
    factories = {
        "relu": lambda: nn.ReLU(inplace=True),
        "leaky_relu": lambda: nn.LeakyReLU(0.01, inplace=True),
        "elu": lambda: nn.ELU(inplace=True),
        "gelu": nn.GELU,
        "silu": lambda: nn.SiLU(inplace=True),
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softmax": lambda: nn.Softmax(dim=1),  # over the channels: a U-Net's output
        "none": nn.Identity,
    }
    return factories[name]()


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Conv2d/pooling arithmetic, as in the PyTorch docs."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def transpose_same_padding(kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """(padding, output_padding) so that a transpose conv multiplies the size by ``stride``."""
    excess = dilation * (kernel - 1) + 1 - stride
    padding = max(0, (excess + 1) // 2)
    return padding, 2 * padding - excess


class ChannelNormalize(nn.Module):
    """(x - mean) / std per channel, with fixed statistics (ImageNet)."""

    def __init__(self, mean: List[float], std: List[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class PerImageStandardize(nn.Module):
    """Zero mean, unit variance per image and channel; robust to exposure changes."""

    def __init__(self, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x.mean and x.std over (2, 3), summed row by row and then over the rows: the
        # same numbers, but runtimes that add a whole image's float32 pixels one after
        # another (onnxruntime's ReduceMean) drift less (demo tiles of 256x256: 7.7e-5
        # after the normalization in one reduction, 2e-7 in two; see docs/export.md)
        mean = x.mean(dim=3, keepdim=True).mean(dim=2, keepdim=True)
        centered = x - mean
        squares = (centered * centered).sum(dim=3, keepdim=True).sum(dim=2, keepdim=True)
        std = (squares / (x.shape[2] * x.shape[3] - 1)).sqrt()
        return centered / (std + self.eps)


class MergeTensors(nn.Module):
    """Combine a list of same-shaped tensors (concat: same height and width).

    Takes a list, not *args, because TorchScript and ONNX need a fixed signature.
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, xs: List[torch.Tensor]) -> torch.Tensor:
        if self.mode == "concat":
            return torch.cat(xs, dim=1)
        result = xs[0]
        for x in xs[1:]:
            if self.mode == "add" or self.mode == "average":
                result = result + x
            elif self.mode == "subtract":
                result = result - x
            elif self.mode == "multiply":
                result = result * x
            elif self.mode == "divide":
                result = result / x
            else:  # maximum
                result = torch.maximum(result, x)
        if self.mode == "average":
            result = result / len(xs)
        return result

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"
