"""A data set's fingerprint: what the recommended model is planned from (no Qt).

As nnU-Net's DatasetAnalyzer, only the training split counts (the model must
not be fitted to validation or test data): image sizes, channels, how many
samples an Input size makes, and how many pixels each class covers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.data.dataset_info import DataSet
from app.data.images import tile_origins
from app.data.spec import ClassInfo
from components.errors import StudioError


class RecommendError(StudioError):
    """The data cannot be planned for (no usable pairs); names what to fix."""


@dataclass(frozen=True)
class Fingerprint:
    """The facts about the training split that the planning rules read."""

    channels: int
    median_size: tuple[int, int]            # (height, width)
    smallest: tuple[int, int]
    largest: tuple[int, int]
    pages: tuple[tuple[int, int, int], ...]  # (height, width, pages) per training pair
    classes: tuple[ClassInfo, ...]
    class_pixels: tuple[int, ...]
    split: str                              # "train", or "all" when there is no train split

    @property
    def images(self) -> int:
        """Training images (pages of multi-page files count one each)."""
        return sum(p for _, _, p in self.pages)

    @property
    def class_shares(self) -> tuple[float, ...]:
        total = sum(self.class_pixels) or 1
        return tuple(n / total for n in self.class_pixels)

    def samples(self, fit: str, size: tuple[int, int]) -> int:
        """Training samples per epoch: one per image, or one per Input-size tile."""
        if fit != "tile":
            return self.images
        return sum(pages * len(tile_origins(h, size[0])) * len(tile_origins(w, size[1]))
                   for h, w, pages in self.pages)


def fingerprint(dataset: DataSet) -> Fingerprint:
    """The training split's fingerprint (all pairs when the split has none)."""
    pairs, split = dataset.split_pairs("train"), "train"
    if not pairs:
        pairs, split = list(dataset.pairs), "all"
    if not pairs:
        raise RecommendError(f"{dataset.description}: no usable image/mask pairs to plan a "
                             "model for; fix the data in the data wizard first")
    heights = np.array([p.height for p in pairs])
    widths = np.array([p.width for p in pairs])
    areas = heights * widths
    classes = tuple(dataset.classes) or tuple(ClassInfo(f"class {i}", (0, 0, 0))
                                              for i in range(dataset.num_classes))
    return Fingerprint(
        channels=dataset.channels,
        median_size=(int(round(float(np.median(heights)))), int(round(float(np.median(widths))))),
        smallest=(int(heights[areas.argmin()]), int(widths[areas.argmin()])),
        largest=(int(heights[areas.argmax()]), int(widths[areas.argmax()])),
        pages=tuple((p.height, p.width, p.pages) for p in pairs),
        classes=classes,
        class_pixels=tuple(dataset.class_pixels(None if split == "all" else split)),
        split=split)
