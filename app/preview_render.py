"""Tensors as pictures for the live previews (no Qt): images, channel grids, masks.

Every function returns an ``(h, w, 3)`` uint8 array; the window turns it into a
QImage. A feature map's channels are shown one tile each, each stretched to its
own min..max (a channel's pattern is what matters, its scale is in the stats).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from app.engine import metrics

PER_PAGE = 16
"""Channels on one page of a grid (4 x 4)."""
GAP = 1  # px between tiles
GAP_VALUE = 255  # white lines, as the panel's background


@dataclass(frozen=True)
class TensorStats:
    """What the panel prints under a preview."""

    min: float
    max: float
    mean: float
    std: float

    def text(self) -> str:
        return (f"min {self.min:.3g}  max {self.max:.3g}  mean {self.mean:.3g}  "
                f"std {self.std:.3g}")


def tensor_stats(tensor: torch.Tensor) -> TensorStats:
    values = tensor.detach().float()
    low, high = torch.aminmax(values)
    if values.numel() > 1:
        std, mean = torch.std_mean(values)
    else:
        std, mean = torch.zeros(()), values.reshape(())
    return TensorStats(low.item(), high.item(), mean.item(), std.item())


def image_rgb(image: torch.Tensor) -> np.ndarray:
    """A (C, H, W) image in [0, 1] as RGB: gray repeated, extra channels left out."""
    channels = image.detach().float().clamp(0, 1)
    if channels.shape[0] >= 3:
        channels = channels[:3]
    else:
        channels = channels[:1].expand(3, -1, -1)
    return np.ascontiguousarray((channels.permute(1, 2, 0) * 255).round().byte().numpy())


def pages(channels: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-channels // per_page))


def channel_grid(features: torch.Tensor, page: int = 0, per_page: int = PER_PAGE) -> np.ndarray:
    """Channels ``page * per_page`` ... of a (C, H, W) map as a gray grid, up to 4 across."""
    count, height, width = features.shape
    page = min(max(page, 0), pages(count, per_page) - 1)
    chosen = features[page * per_page:(page + 1) * per_page].detach().float()
    low = chosen.amin(dim=(1, 2), keepdim=True)
    span = chosen.amax(dim=(1, 2), keepdim=True) - low
    flat = (span <= 0).float() * 127.5  # a constant channel shows mid gray
    scale = 255.0 / span.clamp_min(1e-12) * (span > 0)
    tiles = ((chosen - low) * scale + flat + 0.5).to(torch.uint8).numpy()
    columns = min(4, len(tiles))
    rows = -(-len(tiles) // columns)
    grid = np.full((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP), GAP_VALUE,
                   np.uint8)
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + GAP), (index % columns) * (width + GAP)
        grid[top:top + height, left:left + width] = tile
    return np.ascontiguousarray(np.repeat(grid[:, :, None], 3, axis=2))


def colour_mask(classes: torch.Tensor | np.ndarray, colors: Sequence[Sequence[int]]) -> np.ndarray:
    """Class ids (H, W) in the data's class colours (ids past the table: the last colour)."""
    ids = np.asarray(classes, dtype=np.int64)
    table = np.asarray(colors or [(0, 0, 0), (255, 255, 255)], np.uint8).reshape(-1, 3)
    return np.ascontiguousarray(table[np.clip(ids, 0, len(table) - 1)])


def predicted_classes(logits: torch.Tensor) -> torch.Tensor:
    """(C, H, W) scores -> (H, W) class ids, as the engine reads a batch (one channel:
    foreground where > 0); a preview's graph may have any number of channels."""
    return metrics.predicted_classes(logits[None], max(2, logits.shape[0]))[0]


def thumbnail(picture: np.ndarray, height: int) -> np.ndarray:
    """A picture shrunk to ``height`` rows, aspect kept, averaged (PIL's box filter), so
    a node's thumbnail is drawn from a few thousand pixels instead of a 1027 px grid."""
    from PIL import Image

    rows, cols = picture.shape[:2]
    if rows <= height:
        return picture
    width = max(1, round(cols * height / rows))
    shrunk = Image.fromarray(np.ascontiguousarray(picture)).resize((width, height),
                                                                    Image.Resampling.BOX)
    return np.ascontiguousarray(np.asarray(shrunk))


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 2) -> np.ndarray:
    """Two pictures of one height next to each other (the Target: truth | prediction)."""
    between = np.full((left.shape[0], gap, 3), GAP_VALUE, np.uint8)
    return np.ascontiguousarray(np.concatenate([left, between, right], axis=1))
