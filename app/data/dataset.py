"""torch Dataset and DataLoader over a scanned DataSet.

A sample is one page of one pair, resized to the Input's size, or (``fit:
tile``) one Input-sized tile of it; tiles of a page are cut from one decode and
cached together. Decoded samples go to a SampleCache shared by the loader's
worker processes, so from the second epoch on an epoch costs copies, not
decoding. Augmentation runs per batch in the workers (collate), on the training
split only. Images leave as float32 in [0, 1]; the model's Input normalizes.
Masks leave as int64 class ids, IGNORE_INDEX where the data's ignore value is.

FullImageDataset gives whole pages at their own size, for evaluation: a metric
must count each pixel of an image once, at the size ``predict`` sees it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .augment import Augmenter
from .cache import SampleCache
from .dataset_info import DataSet, PairInfo
from .masks import MaskDecoder
from .images import (crop_padded, describe_error, read_image, read_mask, resize_image,
                     resize_nearest, tile_origins, to_channels)
from .pairing import shown
from .problems import DataProblemsError, Problem
from .sources import cache_root

if TYPE_CHECKING:
    from app.project import Project

DEFAULT_MEMORY_CAP = 1 << 30  # 1 GiB of decoded samples in RAM; the rest spills to disk


@dataclass(frozen=True)
class SampleRef:
    """Where a sample comes from: pair, page and the tile's corner (0, 0 when resized)."""

    pair: int
    page: int
    top: int = 0
    left: int = 0


def sample_refs(pairs: list[PairInfo], fit: str, size: tuple[int, int]) -> list[SampleRef]:
    """Every sample of these pairs: one per page, or one per tile of each page."""
    refs = []
    for index, info in enumerate(pairs):
        for page in range(info.pages):
            if fit == "tile":
                height, width = info.page_size(page)
                refs += [SampleRef(index, page, top, left)
                         for top in tile_origins(height, size[0])
                         for left in tile_origins(width, size[1])]
            else:
                refs.append(SampleRef(index, page))
    return refs


class SegmentationDataset(Dataset):
    """(image float32 (C, H, W) in [0, 1], mask int64 (H, W)) for one split."""

    def __init__(self, dataset: DataSet, split: str | None, channels: int, size: tuple[int, int],
                 cache: SampleCache | None = None) -> None:
        self.pairs = dataset.pairs if split is None else dataset.split_pairs(split)
        self.decoder, self.base, self.fit = dataset.decoder, dataset.base, dataset.spec.fit
        self.channels, self.size = channels, tuple(size)
        self.samples = sample_refs(self.pairs, self.fit, self.size)
        self.cache = cache
        self._siblings: dict[tuple[int, int], list[int]] = {}
        for index, ref in enumerate(self.samples):
            self._siblings.setdefault((ref.pair, ref.page), []).append(index)
        self.image_dtype = torch.float16 if any(p.bits > 8 for p in self.pairs) else torch.uint8

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        cached = self.cache.get(index) if self.cache is not None else None
        if cached is None:
            cached = self._decode(index)
        image, mask = cached
        if image.dtype == torch.uint8:
            return image.float().div_(255.0), mask.long()
        return image.float(), mask.long()

    def _decode(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode the sample's page once and store all its tiles in the cache (if any)."""
        ref = self.samples[index]
        info = self.pairs[ref.pair]
        image, raw = read_page(info, ref.page, self.channels, self.base)
        wanted = None
        siblings = self._siblings[(ref.pair, ref.page)] if self.cache is not None else [index]
        for sibling in siblings:
            tile = self.samples[sibling]
            pixels, labels = self._fit(info, image, raw, tile)
            record = (self._store(pixels), torch.from_numpy(labels))
            if self.cache is not None:
                self.cache.put(sibling, *record)
            if sibling == index:
                wanted = record
        assert wanted is not None
        return wanted

    def _fit(self, info: PairInfo, image: np.ndarray, raw: np.ndarray, ref: SampleRef
             ) -> tuple[np.ndarray, np.ndarray]:
        if self.fit == "tile":  # the mask is padded after decoding: padding is class 0, where
            image = crop_padded(image, ref.top, ref.left, self.size)  # a raw 0 may be no class
            raw = raw[ref.top:ref.top + self.size[0], ref.left:ref.left + self.size[1]]
        else:
            raw = resize_nearest(raw, self.size)
        labels = decode_classes(self.decoder, info, raw, self.base)
        return resize_image(image, self.size), crop_padded(labels, 0, 0, self.size)

    def _store(self, pixels: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(pixels)
        if self.image_dtype == torch.uint8:
            return tensor.mul(255.0).round_().clamp_(0, 255).to(torch.uint8)
        return tensor.to(torch.float16)


def read_page(info: PairInfo, page: int, channels: int, base: Path
              ) -> tuple[np.ndarray, np.ndarray]:
    """One page's image (h, w, channels) in [0, 1] and raw mask; a failure names the file,
    as the scan would have (it read every file, so the file changed or vanished since)."""
    image = _read(info, info.pair.image, base,
                  lambda: to_channels(read_image(info.pair.image, page), channels))
    raw, _ = _read(info, info.pair.mask, base, lambda: read_mask(info.pair.mask, page))
    return image, raw


def _read(info: PairInfo, path: Path, base: Path, work: Callable[[], Any]) -> Any:
    try:
        return work()
    except Exception as error:  # reported with the file's name, never a bare traceback
        name = shown(path, base)
        raise DataProblemsError([Problem(name, f"{describe_error(error)} (the file changed "
                                         "after the scan?)", info.key)]) from error


def decode_classes(decoder: MaskDecoder, info: PairInfo, raw: np.ndarray, base: Path
                   ) -> np.ndarray:
    """Class ids (uint8, IGNORE_INDEX where ignored) of a raw mask, or DataProblemsError."""
    labels, bad = decoder.classes_of(raw, info.summary.snapped)
    if bad:
        name = shown(info.pair.mask, base)
        raise DataProblemsError([Problem(name, "mask values outside the class set: "
                                         f"{', '.join(map(decoder.describe_code, bad))}"
                                         " (the file changed after the scan?)", info.key)])
    return labels


@dataclass(frozen=True)
class FullImage:
    """One whole page for evaluation, at the image's own size.

    ``name`` is the image file as the scan shows it (relative to the project folder),
    with ``#page`` (1 = first) for a page of a multi-page TIFF.
    """

    name: str
    image: torch.Tensor   # float32 (C, H, W) in [0, 1]
    mask: torch.Tensor    # int64 (H, W) class ids; ignored pixels are IGNORE_INDEX


class FullImageDataset(Dataset):
    """Every page of every pair of one split, whole and at its own size (not resized,
    not tiled, not augmented, not cached): what evaluation and ``predict`` compare."""

    def __init__(self, dataset: DataSet, split: str, channels: int) -> None:
        self.pairs = dataset.split_pairs(split)
        self.decoder, self.base, self.channels = dataset.decoder, dataset.base, channels
        self.ignore_index = dataset.ignore_index
        self.pages = [(index, page) for index, info in enumerate(self.pairs)
                      for page in range(info.pages)]

    def __len__(self) -> int:
        return len(self.pages)

    def __getitem__(self, index: int) -> FullImage:
        pair, page = self.pages[index]
        info = self.pairs[pair]
        image, raw = read_page(info, page, self.channels, self.base)
        labels = decode_classes(self.decoder, info, raw, self.base)
        pixels = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        return FullImage(info.page_name(page), pixels, torch.from_numpy(labels).long())

    def __iter__(self) -> Iterator[FullImage]:
        return (self[i] for i in range(len(self)))


class AugmentingCollate:
    """Stacks a batch and augments it (built lazily, once per worker process)."""

    def __init__(self, options: Mapping[str, bool] | None, size: tuple[int, int]) -> None:
        self.options, self.size = dict(options or {}), tuple(size)
        self._augmenter: Augmenter | None = None

    def __call__(self, batch: list[tuple[torch.Tensor, torch.Tensor]]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        images = torch.stack([image for image, _ in batch])
        masks = torch.stack([mask for _, mask in batch])
        if self._augmenter is None:
            self._augmenter = Augmenter(self.options, self.size)
        return self._augmenter(images, masks)

    def __getstate__(self) -> dict:
        return {"options": self.options, "size": self.size, "_augmenter": None}


def default_workers() -> int:
    """Leave one core to the training step; at most 4 decoding processes."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def make_cache(dataset: SegmentationDataset, memory_cap: int = DEFAULT_MEMORY_CAP,
               folder: Path | None = None) -> SampleCache:
    cache = SampleCache(len(dataset), (dataset.channels, *dataset.size), dataset.image_dtype,
                        memory_cap, folder or cache_root() / "samples")
    dataset.cache = cache
    return cache


def make_loader(dataset: DataSet, split: str, channels: int, size: tuple[int, int],
                batch_size: int, workers: int | None = None, augment: bool | None = None,
                shuffle: bool | None = None, memory_cap: int = DEFAULT_MEMORY_CAP,
                seed: int = 0, cache_folder: Path | None = None) -> DataLoader:
    """A DataLoader for one split: cached, shuffled and augmented for training only."""
    training = split == "train"
    data = SegmentationDataset(dataset, split, channels, size)
    make_cache(data, memory_cap, cache_folder)
    workers = default_workers() if workers is None else workers
    options = dataset.spec.augment if (training if augment is None else augment) else {}
    return DataLoader(data, batch_size=batch_size,
                      shuffle=training if shuffle is None else shuffle,
                      num_workers=workers, persistent_workers=workers > 0,
                      collate_fn=AugmentingCollate(options, size),
                      generator=torch.Generator().manual_seed(seed),
                      drop_last=False)


def close_loader(loader: DataLoader) -> None:
    """Stop a loader's persistent worker processes and drop its disk cache now.

    Without this they go when the loader is garbage collected; a training run
    that ends (or a test) should not wait for that.
    """
    iterator = getattr(loader, "_iterator", None)
    if iterator is not None and hasattr(iterator, "_shutdown_workers"):
        iterator._shutdown_workers()  # torch's own clean shutdown of the worker processes
    loader._iterator = None
    cache = getattr(loader.dataset, "cache", None)
    if cache is not None:
        cache.close()


def project_loaders(project: "Project", batch_size: int | None = None,
                    workers: int | None = None, memory_cap: int = DEFAULT_MEMORY_CAP
                    ) -> dict[str, DataLoader]:
    """train/val/test loaders for a project, after check_ready refused bad data."""
    from .scan import check_ready

    dataset = check_ready(project)
    node = project.graph.source_node()
    size = (node.settings["height"], node.settings["width"])
    batch = batch_size or project.training.batch_size
    return {split: make_loader(dataset, split, node.settings["channels"], size, batch, workers,
                               memory_cap=memory_cap, seed=project.training.seed)
            for split in ("train", "val", "test") if dataset.split_pairs(split)}
