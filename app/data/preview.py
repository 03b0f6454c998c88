"""Small RGB pictures of pairs, mask drawn over image, for the wizard (Qt-free).

Thumbnails keep the image's aspect ratio; augmented previews go through the
same SegmentationDataset and Augmenter as training, so what the person sees is
what the model gets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch

from .augment import Augmenter
from .dataset import SegmentationDataset
from .dataset_info import DataSet, PairInfo
from .images import read_image, read_mask, resize_image, resize_nearest, to_channels
from .spec import IGNORE_INDEX
from .split import SPLITS

OVERLAY_ALPHA = 0.45


@dataclass(frozen=True)
class Thumbnail:
    """A small image and its class ids; drawn with whatever class colours are current."""

    key: str
    split: str
    image: np.ndarray    # (h, w, 1 or 3) float32 in [0, 1]
    classes: np.ndarray  # (h, w) uint8

    def rgb(self, colors: Sequence[Sequence[int]]) -> np.ndarray:
        return overlay(self.image, self.classes, colors)


def overlay(image: np.ndarray, classes: np.ndarray, colors: Sequence[Sequence[int]],
            alpha: float = OVERLAY_ALPHA) -> np.ndarray:
    """Image (h, w, 1 or 3) in [0, 1] with every non-background class tinted and ignored
    pixels (IGNORE_INDEX) hatched: dark and light diagonal stripes, no class colour."""
    rgb = to_channels(image, 3) * 255.0
    table = np.asarray(colors, np.float32).reshape(-1, 3)
    ignored = classes == IGNORE_INDEX
    ids = np.minimum(classes, len(table) - 1)
    tinted = (ids > 0) & ~ignored
    rgb[tinted] = (1 - alpha) * rgb[tinted] + alpha * table[ids[tinted]]
    rgb[ignored] = np.where(hatch(classes.shape)[ignored][:, None], 40.0, 235.0)
    return np.ascontiguousarray(np.clip(rgb, 0, 255).astype(np.uint8))


def hatch(shape: tuple[int, ...], period: int = 6) -> np.ndarray:
    """True on diagonal stripes (a third of each period wide)."""
    rows, cols = np.indices(shape[:2])
    return (rows + cols) % period < period // 3


def fit_size(height: int, width: int, box: int) -> tuple[int, int]:
    scale = box / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def pair_thumbnail(dataset: DataSet, info: PairInfo, box: int = 160) -> Thumbnail:
    """One pair, whole image (page 0), scaled to fit a box x box square."""
    size = fit_size(info.height, info.width, box)
    image = resize_image(read_image(info.pair.image), size).transpose(1, 2, 0)
    raw, _ = read_mask(info.pair.mask)
    classes, _ = dataset.decoder.classes_of(resize_nearest(raw, size), info.summary.snapped)
    return Thumbnail(info.key, info.split, image, classes)


def pick_pairs(dataset: DataSet, count: int) -> list[PairInfo]:
    """Up to ``count`` pairs, dealt round-robin from train, val and test."""
    queues = [dataset.split_pairs(split) for split in SPLITS]
    picked: list[PairInfo] = []
    position = 0
    while len(picked) < count and any(position < len(q) for q in queues):
        picked += [q[position] for q in queues if position < len(q)]
        position += 1
    return picked[:count]


def thumbnails(dataset: DataSet, count: int = 12, box: int = 160) -> list[Thumbnail]:
    return [pair_thumbnail(dataset, info, box) for info in pick_pairs(dataset, count)]


def augmented(dataset: DataSet, options: Mapping[str, bool], channels: int,
              size: tuple[int, int], count: int = 6, seed: int = 0) -> list[Thumbnail]:
    """``count`` augmented versions of the first training sample (seeded, repeatable)."""
    data = SegmentationDataset(dataset, "train", channels, size)
    if not len(data):
        return []
    image, mask = data[0]
    augmenter = Augmenter(options, size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        images, masks = augmenter(image[None].repeat(count, 1, 1, 1),
                                  mask[None].repeat(count, 1, 1))
    key = data.pairs[0].key
    return [Thumbnail(key, "train", i.permute(1, 2, 0).numpy(), m.numpy().astype(np.uint8))
            for i, m in zip(images, masks)]
