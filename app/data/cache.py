"""A cache of decoded, resized samples shared by all DataLoader worker processes.

Every sample has the same shape (the Input's channels x height x width and a
uint8 mask), so the cache is two fixed-size record arrays: the first records in
shared memory, up to a memory cap, the rest in a file on disk (a sparse memory
map, filled as samples are first decoded). A shared byte per record says it is
filled; a worker writes the record first and the flag last, and a reader that
sees the flag unset simply decodes the sample again. Records never move, so
there is no locking and nothing to evict: memory stays at the cap by
construction, and the operating system keeps hot disk records in its page cache.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import torch

DTYPES = {torch.uint8: np.uint8, torch.float16: np.float16}


class SampleCache:
    """Records 0..count-1 of (image, mask); RAM up to ``memory_cap`` bytes, then disk."""

    def __init__(self, count: int, image_shape: tuple[int, int, int], image_dtype: torch.dtype,
                 memory_cap: int, folder: Path) -> None:
        if image_dtype not in DTYPES:
            raise ValueError(f"cache images are uint8 or float16, not {image_dtype}")
        self.count, self.image_shape, self.image_dtype = count, tuple(image_shape), image_dtype
        channels, height, width = image_shape
        item = torch.empty((), dtype=image_dtype).element_size()
        self.image_bytes = channels * height * width * item
        self.mask_bytes = height * width
        flags = count  # one "filled" byte per record counts against the cap too
        room = max(0, memory_cap - flags)
        self.in_memory = int(min(count, room // (self.image_bytes + self.mask_bytes)))
        self._images = torch.empty((self.in_memory, *image_shape), dtype=image_dtype)
        self._images.share_memory_()
        self._masks = torch.empty((self.in_memory, height, width), dtype=torch.uint8)
        self._masks.share_memory_()
        self._filled = torch.zeros(count, dtype=torch.uint8).share_memory_()
        self.folder: Path | None = None
        self._maps: tuple[np.memmap, np.memmap] | None = None
        if self.on_disk:
            folder.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix="samples-", dir=folder))
            for name, size in (("images.bin", self.image_bytes), ("masks.bin", self.mask_bytes)):
                with open(self.folder / name, "wb") as stream:
                    stream.truncate(self.on_disk * size)  # sparse: no disk used until written
            weakref.finalize(self, _remove, self.folder, os.getpid())

    @property
    def on_disk(self) -> int:
        return self.count - self.in_memory

    @property
    def memory_bytes(self) -> int:
        """Bytes of shared memory held (the cap, or less when everything fits)."""
        return self.in_memory * (self.image_bytes + self.mask_bytes) + self.count

    @property
    def disk_bytes(self) -> int:
        return self.on_disk * (self.image_bytes + self.mask_bytes)

    def filled(self) -> int:
        return int(self._filled.sum())

    def get(self, index: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Copies of the record, or None when it was never filled."""
        if not self._filled[index]:
            return None
        if index < self.in_memory:
            return self._images[index].clone(), self._masks[index].clone()
        images, masks = self._disk()
        slot = index - self.in_memory
        return torch.from_numpy(np.array(images[slot])), torch.from_numpy(np.array(masks[slot]))

    def put(self, index: int, image: torch.Tensor, mask: torch.Tensor) -> None:
        if index < self.in_memory:
            self._images[index].copy_(image)
            self._masks[index].copy_(mask)
        else:
            images, masks = self._disk()
            slot = index - self.in_memory
            images[slot] = image.numpy()
            masks[slot] = mask.numpy()
        self._filled[index] = 1

    def close(self) -> None:
        """Drop the disk file now (it is also dropped when the cache is collected)."""
        self._maps = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _disk(self) -> tuple[np.memmap, np.memmap]:
        if self._maps is None:  # opened lazily: each worker process maps the file itself
            assert self.folder is not None
            shape = (self.on_disk, *self.image_shape)
            images = np.memmap(self.folder / "images.bin", DTYPES[self.image_dtype], "r+",
                               shape=shape)
            masks = np.memmap(self.folder / "masks.bin", np.uint8, "r+",
                              shape=(self.on_disk, *self.image_shape[1:]))
            self._maps = (images, masks)
        return self._maps

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_maps"] = None  # a memory map is reopened in the receiving process
        return state


def _remove(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # only the process that made the folder removes it
        shutil.rmtree(folder, ignore_errors=True)
