"""The planning rules' numbers and arithmetic (no Qt), after nnU-Net's 2D planner.

docs/recommend.md states each rule in words; the planner applies them and
reasons.py explains them, both reading the constants from here.
"""
from __future__ import annotations

import math
from typing import Any

from components import registry

from .fingerprint import Fingerprint

MIN_BOTTLENECK = 4      # nnU-Net: pool while the feature map is at least 2 x 4 px
MAX_BOTTLENECK = 16     # at the U-Net component's deepest level; larger images are tiled
MIN_SIDE = 32           # below this the Input stops shrinking and the filters halve instead
BASE_FILTERS = 32       # nnU-Net 2D: 32 at full size, doubling per level ...
MAX_FILTERS = 512       # ... capped at 512
MIN_FILTERS = 8
MIN_BATCH = 2           # batch normalization needs two samples; nnU-Net's minimum too
BATCH_SHARE = 0.05      # nnU-Net: a batch covers at most 5 % of the training data
RARE_SHARE = 0.01       # a class under 1 % of the training pixels gets a higher weight
RESIZE_SLACK = 0.8      # an Input down to 80 % of the median image still resizes whole images
TARGET_STEPS = 2000     # optimizer steps of a first run (nnU-Net's 250,000 take days)
MIN_EPOCHS, MAX_EPOCHS = 10, 300
OPTIMIZER, LEARNING_RATE = "adam", 0.001
UNET_STYLE = {"convs_per_level": 2, "activation": "leaky_relu", "pooling": "strided_conv",
              "unpooling": "transpose", "batch_norm": True, "dropout": 0.0,
              "output_activation": "none", "out_channels": "auto"}
"""nnU-Net's generic U-Net: two 3x3 convs per stage, LeakyReLU, strided-conv downsampling,
transposed-conv upsampling, logits out."""


def max_depth() -> int:
    """The U-Net component's deepest setting (its schema's maximum)."""
    return int(registry.get("UNet").SCHEMA.get("depth").maximum)


def depth_for(side: int) -> int:
    """Pool while at least MIN_BOTTLENECK px remain: a bottleneck of 4 to 8 px."""
    return min(max(1, int(math.floor(math.log2(side / MIN_BOTTLENECK)))), max_depth())


def round_to(length: float, step: int) -> int:
    """The nearest multiple of ``step`` (at least one step)."""
    return max(step, int(math.floor(length / step + 0.5)) * step)


def fit_size(size: tuple[int, int]) -> tuple[int, tuple[int, int]]:
    """(depth, size rounded to a multiple of 2**depth), consistent with each other."""
    depth = depth_for(min(size))
    for _ in range(4):  # rounding can move the short side across a power of two
        rounded = tuple(round_to(s, 2 ** depth) for s in size)
        again = depth_for(min(rounded))
        if again == depth:
            break
        depth = again
    return depth, rounded


def shrink(size: tuple[int, int], median: tuple[int, int], depth: int
           ) -> tuple[int, tuple[int, int]]:
    """nnU-Net's step: the side largest relative to the median loses 2**depth px
    (sides at MIN_SIDE stay; the same size back means it cannot shrink)."""
    axes = [i for i in (0, 1) if size[i] > MIN_SIDE]
    if not axes:
        return depth, size
    axis = max(axes, key=lambda i: size[i] / median[i])
    smaller = list(size)
    smaller[axis] = max(MIN_SIDE, smaller[axis] - 2 ** depth)
    return fit_size(tuple(smaller))


def training_settings(samples: int, batch: int) -> dict[str, Any]:
    steps = math.ceil(samples / batch)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_STEPS / steps)))
    return {"epochs": epochs, "batch_size": batch, "optimizer": OPTIMIZER,
            "learning_rate": LEARNING_RATE}


def rare_classes(fp: Fingerprint) -> list[int]:
    """Classes that cover under RARE_SHARE of the training pixels."""
    return [i for i, share in enumerate(fp.class_shares) if share < RARE_SHARE]
