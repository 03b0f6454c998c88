"""Small PNGs of what the model sees and predicts, for the window (previews, Test view).

Class ids are resized nearest (never blended into ids that do not exist), images
bilinear; every file is written atomically so a reader never sees half of one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .files import atomic_open


def shrink(array: np.ndarray, side: int, nearest: bool) -> np.ndarray:
    """At most ``side`` pixels on the longer side (nearest for class ids)."""
    height, width = array.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return array
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(array).resize(size, method))


def image_pixels(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W) or (H, W, 3) uint8."""
    pixels = (image.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()
    if pixels.shape[0] == 1:
        return pixels[0]
    return np.ascontiguousarray(pixels[:3].transpose(1, 2, 0))


def class_pixels(classes: torch.Tensor) -> np.ndarray:
    """(H, W) class ids (ignored = 255) as uint8."""
    return classes.clamp(0, 255).to(torch.uint8).cpu().numpy()


def write_png(path: Path, array: np.ndarray) -> None:
    with atomic_open(path, "wb") as stream:
        Image.fromarray(array).save(stream, format="PNG")
