"""The data a run reads: a training loader whose order is a function of (seed, epoch),
and the whole images of a split for validation and ``eval``.

The shuffled order of an epoch is drawn from a generator seeded with the run's
seed and the epoch number, and worker processes are started per epoch from a
generator seeded the same way; so a resumed run sees exactly the samples (and,
with ``workers: 0`` or from an epoch boundary, the augmentations) that the
uninterrupted run would have seen, and can start in the middle of an epoch. Under
torchrun every rank draws the same order and trains on its shard of it
(``shard_order``: every N-th sample), so the order stays a function of (seed, epoch)
and a resumed run on the same number of ranks is as exact as a single process's.
Whole images for validation and ``eval`` come from app.data.dataset.FullImageDataset.
"""
from __future__ import annotations

import math
import signal
from dataclasses import dataclass
from typing import Iterator

import torch
from torch.utils.data import DataLoader, Sampler

from app.data.dataset import AugmentingCollate, SegmentationDataset, close_loader, make_cache
from app.data.dataset_info import DataSet

from .distributed import shard_order
from .task import Task

_EPOCH_STRIDE = 1_000_003  # seed * stride + epoch: distinct generators per (seed, epoch)
_RANK_STRIDE = 7_919       # workers of different ranks augment differently (rank 0: as before)


class EpochSampler(Sampler[int]):
    """The shuffled sample order of one epoch (this rank's shard of it), from ``skip`` on."""

    def __init__(self, count: int, seed: int, rank: int = 0, world: int = 1) -> None:
        self.count, self.seed, self.rank, self.world = count, seed, rank, world
        self.epoch = self.skip = 0

    @property
    def shard(self) -> int:
        """Samples this rank trains on per epoch (all of them without torchrun)."""
        return math.ceil(self.count / self.world)

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        self.epoch, self.skip = epoch, skip

    def generator(self, salt: int = 0) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed * _EPOCH_STRIDE + self.epoch + salt)

    def __iter__(self) -> Iterator[int]:
        order = torch.randperm(self.count, generator=self.generator())
        order = shard_order(order, self.rank, self.world)
        return iter(order[self.skip:].tolist())

    def __len__(self) -> int:
        return self.shard - self.skip


@dataclass
class TrainData:
    """The training split's loader, its sampler and how many batches an epoch has."""

    loader: DataLoader
    sampler: EpochSampler
    batch_size: int

    @property
    def samples(self) -> int:
        return self.sampler.count

    @property
    def shard(self) -> int:
        """What this rank trains on per epoch (``samples`` without torchrun)."""
        return self.sampler.shard

    @property
    def batches(self) -> int:
        return math.ceil(self.shard / self.batch_size)

    def start_epoch(self, epoch: int, batches_done: int = 0) -> None:
        """Point the loader at epoch ``epoch`` (0-based), ``batches_done`` in."""
        self.sampler.set_epoch(epoch, batches_done * self.batch_size)
        # the workers' base seed is drawn from this generator when the epoch's iterator starts
        self.loader.generator.manual_seed(self.sampler.seed * _EPOCH_STRIDE + epoch + 7
                                          + self.sampler.rank * _RANK_STRIDE)

    def close(self) -> None:
        close_loader(self.loader)


def training_data(dataset: DataSet, task: Task, batch_size: int, workers: int, seed: int,
                  pin_memory: bool = False, rank: int = 0, world: int = 1) -> TrainData:
    """The training loader: cached decoding, augmentation in the workers (or in-process);
    under torchrun, of this rank's shard."""
    data = SegmentationDataset(dataset, "train", task.channels, task.window)
    make_cache(data)
    sampler = EpochSampler(len(data), seed, rank, world)
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler, num_workers=workers,
                        persistent_workers=False,  # fresh per epoch: seeded per epoch
                        collate_fn=AugmentingCollate(dataset.spec.augment, task.window),
                        generator=torch.Generator().manual_seed(seed), pin_memory=pin_memory,
                        drop_last=False, worker_init_fn=_ignore_interrupts)
    return TrainData(loader, sampler, batch_size)


def _ignore_interrupts(worker: int) -> None:
    """Ctrl+C reaches the whole process group: the workers leave it to the main process,
    which stops after the current batch (a worker that died would fail the run)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
