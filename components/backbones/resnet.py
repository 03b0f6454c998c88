"""ResNet 18/34/50/101/152 (torchvision's layout, without avgpool and fc).

Taps: the stem's ReLU (stride 2) and the outputs of layer1..layer4 (4 to 32).
Bottleneck blocks put the stride on the 3x3 convolution (ResNet v1.5), as
torchvision does, so its weights fit.
"""
from __future__ import annotations

from typing import List, Optional, Type, Union

import torch
from torch import nn

from .registry import EncoderSpec, register_encoder
from .common import init_weights


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


Block = Type[Union[BasicBlock, Bottleneck]]


class ResNetEncoder(nn.Module):
    def __init__(self, block: Block, layers: list[int], in_channels: int = 3) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.out_channels = [64] + [p * block.expansion for p in (64, 128, 256, 512)]
        self.strides = [2, 4, 8, 16, 32]
        init_weights(self)

    def _make_layer(self, block: Block, planes: int, count: int, stride: int = 1
                    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion))
        blocks = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        blocks += [block(self.inplanes, planes) for _ in range(1, count)]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        stem = self.relu(self.bn1(self.conv1(x)))
        c1 = self.layer1(self.maxpool(stem))
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        return [stem, c1, c2, c3, self.layer4(c3)]


VARIANTS = {
    "resnet18": (BasicBlock, [2, 2, 2, 2], "resnet18-f37072fd.pth"),
    "resnet34": (BasicBlock, [3, 4, 6, 3], "resnet34-b627a593.pth"),
    # torchvision's DEFAULT (IMAGENET1K_V2) weights for the deeper ones
    "resnet50": (Bottleneck, [3, 4, 6, 3], "resnet50-11ad3fa6.pth"),
    "resnet101": (Bottleneck, [3, 4, 23, 3], "resnet101-cd907fc2.pth"),
    "resnet152": (Bottleneck, [3, 8, 36, 3], "resnet152-f82ba261.pth"),
}


def _register(name: str, block: Block, layers: list[int], weights: str) -> None:
    def build(in_channels: int = 3) -> ResNetEncoder:
        return ResNetEncoder(block, layers, in_channels)

    expansion = block.expansion
    register_encoder(EncoderSpec(
        name, build, channels=(64, 64 * expansion, 128 * expansion, 256 * expansion,
                               512 * expansion),
        strides=(2, 4, 8, 16, 32), weights=weights, first_conv="conv1.weight"))


for _name, (_block, _layers, _weights) in VARIANTS.items():
    _register(_name, _block, _layers, _weights)
