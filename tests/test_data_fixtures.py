"""Writers for the data tests' fixtures (images, masks, CSVs) into tmp_path.

Imported by the other tests/test_data_*.py modules; the few tests at the end
check that the writers produce what they claim.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from app.data.demo_shapes import render_scene


def save(path: Path, array: np.ndarray, **params) -> Path:
    """Write an array as an image file (format from the suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **params)
    return path


def save_palette(path: Path, ids: np.ndarray, colors: list[tuple[int, int, int]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = ids.shape
    image = Image.frombytes("P", (width, height), ids.astype(np.uint8).tobytes())
    image.putpalette([v for c in colors for v in c])
    image.save(path)
    return path


def save_stack(path: Path, pages: list[np.ndarray]) -> Path:
    """A multi-page TIFF, one page per array."""
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(p) for p in pages]
    images[0].save(path, save_all=True, append_images=images[1:])
    return path


def scene(index: int, size: int = 32, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A small synthetic scene: RGB uint8 image and label mask."""
    return render_scene(index, (size, size), classes, seed=7)


def label_pairs(folder: Path, count: int = 6, size: int = 32, classes: int = 3,
                image_name: str = "{:03d}.png", mask_name: str = "{:03d}.png") -> Path:
    """``folder/images`` and ``folder/masks`` with label-id masks 0..classes-1."""
    for index in range(count):
        image, mask = scene(index, size, classes)
        save(folder / "images" / image_name.format(index), image)
        save(folder / "masks" / mask_name.format(index), mask)
    return folder


def instance_mask(size: int = 32, touching: bool = True) -> np.ndarray:
    """uint16 instance ids: two touching squares (ids 5 and 9) and a lone disc (id 300)."""
    ids = np.zeros((size, size), np.uint16)
    ids[4:14, 4:12] = 5
    ids[4:14, 12:20] = 9 if touching else 0
    y, x = np.mgrid[0:size, 0:size]
    ids[(y - 24) ** 2 + (x - 24) ** 2 <= 16] = 300
    return ids


def rgba_instances(ids: np.ndarray) -> np.ndarray:
    """Instance ids as mnfinder draws them: one colour per object, alpha 0 elsewhere."""
    rng = np.random.default_rng(3)
    rgba = np.zeros((*ids.shape, 4), np.uint8)
    for value in np.unique(ids[ids > 0]):
        rgba[ids == value] = (*rng.integers(1, 256, 3), 255)
    return rgba


def huge_png(path: Path, width: int, height: int) -> Path:
    """A valid, all-zero 8-bit gray PNG of any size, written without the pixels in memory."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    compressor = zlib.compressobj(1)
    row = bytes(width + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
                     + chunk(b"IEND", b""))
    return path


def test_label_pairs_are_written(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    with Image.open(tmp_path / "masks" / "001.png") as image:
        mask = np.asarray(image)
    assert mask.dtype == np.uint8 and mask.max() < 3
    with Image.open(tmp_path / "images" / "000.png") as image:
        assert image.mode == "RGB"


def test_huge_png_header_states_its_size(tmp_path: Path) -> None:
    path = huge_png(tmp_path / "big.png", 300, 200)
    with Image.open(path) as image:
        assert image.size == (300, 200)
        image.load()


def test_rgba_instances_have_transparent_background() -> None:
    rgba = rgba_instances(instance_mask())
    assert (rgba[0, 0] == 0).all() and len(np.unique(rgba[rgba[..., 3] > 0][:, :3], axis=0)) == 3


def numbered_discs(count: int, size: int = 96, seed: int = 0, radius: int = 5) -> np.ndarray:
    """uint8 instance ids 1..count: separate discs (as cells in a microscope image)."""
    rng = np.random.default_rng(seed)
    ids = np.zeros((size, size), np.uint8)
    y, x = np.mgrid[0:size, 0:size]
    placed = 0
    while placed < count:
        cy, cx = rng.integers(radius + 1, size - radius - 1, 2)
        distance = (y - cy) ** 2 + (x - cx) ** 2
        if (ids[distance <= (radius + 2) ** 2] != 0).any():
            continue
        placed += 1
        ids[distance <= radius ** 2] = placed
    return ids


def noise_image(seed: int, size: int = 96, channels: int = 1) -> np.ndarray:
    shape = (size, size) if channels == 1 else (size, size, channels)
    return (np.random.default_rng(seed).random(shape) * 255).astype(np.uint8)


def with_void_border(ids: np.ndarray, width: int = 2, void: int = 255) -> np.ndarray:
    """VOC style: a band of ``void`` ``width`` pixels each side of every object outline."""
    out = ids.copy()
    edge = np.zeros(ids.shape, bool)
    edge[1:] |= ids[1:] != ids[:-1]
    edge[:-1] |= ids[1:] != ids[:-1]
    edge[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    edge[:, :-1] |= ids[:, 1:] != ids[:, :-1]
    band = edge.copy()
    for _ in range(width - 1):
        grown = band.copy()
        grown[1:] |= band[:-1]
        grown[:-1] |= band[1:]
        grown[:, 1:] |= band[:, :-1]
        grown[:, :-1] |= band[:, 1:]
        band = grown
    out[band] = void
    return out


VOC_COLORS = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128),
              (0, 128, 128), (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0),
              (192, 128, 0), (64, 0, 128), (192, 0, 128), (64, 128, 128), (192, 128, 128),
              (0, 64, 0), (128, 64, 0), (0, 192, 0), (128, 192, 0), (0, 64, 128)]


def voc_palette() -> list[tuple[int, int, int]]:
    """VOC's 256-entry palette: classes 0..20, then black, and 255 the void colour."""
    return VOC_COLORS + [(0, 0, 0)] * (255 - len(VOC_COLORS)) + [(224, 224, 192)]


def test_numbered_discs_are_separate_blobs() -> None:
    ids = numbered_discs(12, seed=1)
    assert sorted(np.unique(ids).tolist()) == list(range(13))
    border = with_void_border(ids)
    assert 255 in border and (border[ids == 0] != 255).sum() > 0
