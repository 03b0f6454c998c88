"""Small building blocks shared by several components.

Kept free of control flow in ``forward`` (the one device check, ``statistics_dtype``,
is a function torch.fx records as a call) so that every compiled model exports
(torch.export, ONNX, standalone code) without special cases.
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
    """Zero mean, unit variance per image and channel; robust to exposure changes.

    The mean and the standard deviation are summed in float64 and rounded to the
    input's dtype once; the rest is element-wise. Why: a trained network amplifies a
    tiny shift of its normalized input (the demo U-Net turns an 8e-7 shift into 4e-4 on
    its logits), and float32 sums over a whole image depend on the order the runtime
    adds in (onnxruntime's ReduceMean is 8 ulps off torch's on a 256x256 tile). Summed
    in float64, torch and onnxruntime give the same bits, and an ONNX export can be
    checked to 1e-4 (docs/export.md). Apple's MPS has no float64: float32 there.
    """

    def __init__(self, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # not torch.var_mean: exported with a dynamic size, it divides a double by a
        # float, which onnxruntime refuses to load
        exact = x.to(statistics_dtype(x))
        mean = exact.mean(dim=(2, 3), keepdim=True)
        deviations = exact - mean
        squares = (deviations * deviations).sum(dim=(2, 3), keepdim=True)
        std = (squares / (x.shape[2] * x.shape[3] - 1)).sqrt()
        return (x - mean.to(x.dtype)) / (std.to(x.dtype) + self.eps)


def statistics_dtype(x: torch.Tensor) -> torch.dtype:
    """The dtype an image's statistics are summed in: float64, except on Apple's MPS,
    which has none (float32 there)."""
    return torch.float32 if x.device.type == "mps" else torch.float64


# torch.fx's symbolic tracer (the standalone model code) cannot look at a traced
# tensor's device: it records this call, and the standalone file carries the function
torch.fx.wrap("statistics_dtype")


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
