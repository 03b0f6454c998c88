"""Convolution: one convolution layer with its usual companions.

conv -> batch norm -> activation -> dropout -> optional 2x2 pooling, in that
order. A convolution followed by batch norm has no bias (the norm's shift
replaces it), as in the reference U-Net implementations.
"""
from __future__ import annotations

import math
from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape, describe_shape
from .errors import ShapeError
from .layers import ACTIVATIONS, make_activation, transpose_same_padding
from .registry import register
from .schema import Setting, schema

MODES = ("conv", "transpose", "separable", "depthwise")


@register
class Convolution(Component):
    type_name = "Convolution"
    category = "Layers"
    description = "A 2-D convolution (or transpose / separable / depthwise) with norm and activation."
    icon = "convolution"
    SCHEMA = schema(
        Setting("mode", "choice", "conv", "conv; transpose (learned upsampling); separable "
                "(depthwise then 1x1); depthwise (one filter per channel, keeps the channels).",
                choices=MODES),
        Setting("filters", "int", 64, "Output channels (ignored in depthwise mode).",
                minimum=1, maximum=4096),
        Setting("kernel_size", "int", 3, "Width and height of the kernel.", minimum=1, maximum=15),
        Setting("stride", "int", 1, "Step of the kernel; a transpose conv multiplies the size by it.",
                minimum=1, maximum=8),
        Setting("padding", "choice", "same", "same: the output is the input size divided by "
                "the stride, rounded up (multiplied, for transpose); valid: no padding, the "
                "output shrinks.", choices=("same", "valid")),
        Setting("dilation", "int", 1, "Spacing between kernel taps.", minimum=1, maximum=8),
        Setting("activation", "choice", "relu", "Applied after the (normalized) convolution.",
                choices=ACTIVATIONS),
        Setting("batch_norm", "bool", True, "Batch normalization after the convolution."),
        Setting("dropout", "float", 0.0, "Channel dropout probability after the activation.",
                minimum=0.0, maximum=0.9),
        Setting("pool_after", "choice", "none", "2x2 pooling after everything else.",
                choices=("none", "max", "avg")),
    )

    def _out_channels(self, in_channels: int) -> int:
        return in_channels if self.settings["mode"] == "depthwise" else self.settings["filters"]

    def _transpose_padding(self) -> tuple[int, int]:
        """(padding, output_padding) of a transpose conv: 'same' multiplies by the stride."""
        s = self.settings
        if s["padding"] == "valid":
            return 0, 0
        return transpose_same_padding(s["kernel_size"], s["stride"], s["dilation"])

    def _same_pads(self, size: int) -> tuple[int, int]:
        """(before, after) padding of a conv along one axis.

        'same' follows TensorFlow: the output is ceil(size / stride), and an odd
        total puts the extra pixel after (right/bottom). 'valid' pads nothing."""
        s = self.settings
        if s["padding"] == "valid":
            return 0, 0
        stride, reach = s["stride"], s["dilation"] * (s["kernel_size"] - 1) + 1
        total = max((math.ceil(size / stride) - 1) * stride + reach - size, 0)
        return total // 2, total - total // 2

    def _spatial(self, size: int) -> int:
        s = self.settings
        k, stride, d = s["kernel_size"], s["stride"], s["dilation"]
        if s["mode"] == "transpose":
            padding, output_padding = self._transpose_padding()
            return (size - 1) * stride - 2 * padding + d * (k - 1) + output_padding + 1
        before, after = self._same_pads(size)
        return (size + before + after - d * (k - 1) - 1) // stride + 1

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        c, h, w = self.single_input(inputs)
        self._check_transpose_padding()
        oh, ow = self._spatial(h), self._spatial(w)
        if oh < 1 or ow < 1:
            s = self.settings
            raise ShapeError(f"input {describe_shape((c, h, w))} is too small for a "
                             f"{s['kernel_size']}x{s['kernel_size']} kernel (dilation "
                             f"{s['dilation']}) with '{s['padding']}' padding")
        if self.settings["pool_after"] != "none":
            if oh < 2 or ow < 2:
                raise ShapeError(f"output {oh}x{ow} is too small for 2x2 pooling")
            oh, ow = oh // 2, ow // 2
        return (self._out_channels(c), oh, ow)

    def _check_transpose_padding(self) -> None:
        s = self.settings
        if s["mode"] != "transpose" or s["padding"] != "same":
            return
        _, output_padding = self._transpose_padding()
        if output_padding >= max(s["stride"], s["dilation"]):
            raise ShapeError(f"a transpose convolution with kernel {s['kernel_size']}, stride "
                             f"{s['stride']} and dilation {s['dilation']} cannot keep 'same' "
                             "padding symmetric; use an odd kernel, a larger stride or 'valid'")

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        s = self.settings
        in_ch, h, w = self.single_input(inputs)
        out_ch = self._out_channels(in_ch)
        layers: list[nn.Module] = [self._conv(in_ch, out_ch, (h, w), bias=not s["batch_norm"])]
        if s["batch_norm"]:
            layers.append(nn.BatchNorm2d(out_ch))
        if s["activation"] != "none":
            layers.append(make_activation(s["activation"]))
        if s["dropout"] > 0:
            layers.append(nn.Dropout2d(s["dropout"]))
        if s["pool_after"] == "max":
            layers.append(nn.MaxPool2d(2))
        elif s["pool_after"] == "avg":
            layers.append(nn.AvgPool2d(2))
        return nn.Sequential(*layers)

    def _conv(self, in_ch: int, out_ch: int, size: tuple[int, int], bias: bool) -> nn.Module:
        s = self.settings
        k, stride, d, mode = s["kernel_size"], s["stride"], s["dilation"], s["mode"]
        if mode == "transpose":
            padding, output_padding = self._transpose_padding()
            return nn.ConvTranspose2d(in_ch, out_ch, k, stride, padding, output_padding,
                                      bias=bias, dilation=d)
        (top, bottom), (left, right) = self._same_pads(size[0]), self._same_pads(size[1])
        symmetric = top == bottom and left == right
        padding = (top, left) if symmetric else (0, 0)
        if mode == "depthwise":
            conv = nn.Conv2d(in_ch, in_ch, k, stride, padding, d, groups=in_ch, bias=bias)
        elif mode == "separable":
            conv = nn.Sequential(
                nn.Conv2d(in_ch, in_ch, k, stride, padding, d, groups=in_ch, bias=False),
                nn.Conv2d(in_ch, out_ch, 1, bias=bias))
        else:
            conv = nn.Conv2d(in_ch, out_ch, k, stride, padding, d, bias=bias)
        if symmetric:
            return conv
        return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), conv)
