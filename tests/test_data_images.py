"""Decoding: formats, bit depths, pages, channels, resizing; and files that are not fit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.data import images
from app.data.images import (ImageReadError, describe_error, probe, read_image, read_mask,
                             resize_image, resize_nearest, scale_percentiles, tile_origins,
                             to_channels, verify)
from test_data_fixtures import huge_png, save, save_palette, save_stack


def _message(path: Path) -> str:
    with pytest.raises(Exception) as error:
        info = probe(path)
        verify(path, info.pages)
    return describe_error(error.value)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".bmp"])
def test_gray_and_rgb_in_each_format(tmp_path: Path, suffix: str) -> None:
    rgb = np.zeros((16, 24, 3), np.uint8)
    rgb[..., 0] = 200
    gray = np.full((16, 24), 100, np.uint8)
    rgb_path, gray_path = save(tmp_path / f"c{suffix}", rgb), save(tmp_path / f"g{suffix}", gray)
    assert probe(rgb_path).channels == 3 and probe(gray_path).channels == 1
    colour = read_image(rgb_path)
    assert colour.shape == (16, 24, 3) and colour.dtype == np.float32
    assert abs(colour[..., 0].mean() - 200 / 255) < 0.02
    assert read_image(gray_path).shape == (16, 24, 1)


def test_alpha_is_dropped(tmp_path: Path) -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 1] = 255
    path = save(tmp_path / "a.png", rgba)
    assert read_image(path).shape == (8, 8, 3)
    assert probe(path).channels == 3


def test_16_bit_scaled_by_percentiles(tmp_path: Path) -> None:
    values = np.linspace(1000, 3000, 64 * 64).reshape(64, 64).astype(np.uint16)
    path = save(tmp_path / "deep.png", values)
    info = probe(path)
    assert info.bits == 16 and info.channels == 1
    pixels = read_image(path)
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert abs(float(np.median(pixels)) - 0.5) < 0.02  # a dim 12-bit image is not near black
    tiff = save(tmp_path / "deep.tif", values)
    assert np.allclose(read_image(tiff), pixels)


def test_percentiles_of_a_flat_image_do_not_divide_by_zero() -> None:
    assert np.all(scale_percentiles(np.full((4, 4), 7, np.uint16)) == 0)


def test_multi_page_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    pages = [np.full((10, 12), 40 * (i + 1), np.uint8) for i in range(3)]
    path = save_stack(tmp_path / "stack.tif", pages)
    assert probe(path).pages == 3
    verify(path, 3)
    assert [round(float(read_image(path, i).mean()) * 255) for i in range(3)] == [40, 80, 120]
    assert read_mask(path, 2)[0].max() == 120


def test_palette_mask_gives_indices_and_palette(tmp_path: Path) -> None:
    ids = np.array([[0, 1], [2, 1]] * 4, np.uint8).reshape(8, 2).repeat(4, axis=1)
    path = save_palette(tmp_path / "p.png", ids, [(0, 0, 0), (255, 0, 0), (0, 255, 0)])
    raw, palette = read_mask(path)
    assert raw.tolist() == ids.tolist() and palette[:3] == [(0, 0, 0), (255, 0, 0), (0, 255, 0)]


def test_resizing_images_and_masks() -> None:
    image = np.zeros((40, 40, 1), np.float32)
    image[:20] = 1.0
    small = resize_image(image, (20, 10))
    assert small.shape == (1, 20, 10)
    assert np.allclose(small[0, :10], 1) and np.allclose(small[0, 10:], 0)
    large = resize_image(image, (80, 80))
    assert large.shape == (1, 80, 80) and 0 < large[0, 39, 0] < 1  # bilinear edge
    ids = np.array([[0, 70000], [3, 5]], np.int64)
    assert resize_nearest(ids, (4, 4)).tolist() == [[0, 0, 70000, 70000], [0, 0, 70000, 70000],
                                                    [3, 3, 5, 5], [3, 3, 5, 5]]


def test_channel_conversion() -> None:
    gray = np.full((2, 2, 1), 0.5, np.float32)
    assert to_channels(gray, 3).shape == (2, 2, 3)
    colour = np.ones((2, 2, 3), np.float32)
    assert np.allclose(to_channels(colour, 1), 1.0)
    with pytest.raises(ValueError, match="4 channels"):
        to_channels(colour, 4)


def test_tile_origins_cover_the_image() -> None:
    assert tile_origins(100, 256) == [0]
    assert tile_origins(512, 256) == [0, 256]
    origins = tile_origins(869, 256)
    assert origins[0] == 0 and origins[-1] == 869 - 256 and len(origins) == 4


def test_truncated_file(tmp_path: Path) -> None:
    path = save(tmp_path / "t.png", np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8))
    path.write_bytes(path.read_bytes()[:300])
    assert "truncated" in _message(path) or "corrupt" in _message(path)


def test_corrupt_header(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    assert "not an image file" in _message(path) or "corrupt" in _message(path)


def test_non_image_with_image_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("these are my notes", encoding="utf-8")
    assert "not an image file Pillow can read" in _message(path)


def test_missing_file(tmp_path: Path) -> None:
    assert _message(tmp_path / "nope.png") == "file not found"


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: the tests may run as root, for whom chmod 000 does not deny reading."""
    path = save(tmp_path / "locked.png", np.zeros((8, 8), np.uint8))

    def refuse(file, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(images.Image, "open", refuse)
    assert _message(path) == "permission denied: the file cannot be read"


def test_one_pixel_image(tmp_path: Path) -> None:
    path = save(tmp_path / "dot.png", np.zeros((1, 1), np.uint8))
    assert _message(path) == "image is only 1x1 pixels; the smallest usable size is 8x8"


def test_huge_image_is_refused_without_decoding(tmp_path: Path) -> None:
    path = huge_png(tmp_path / "huge.png", 20000, 20000)
    message = _message(path)
    assert "too large" in message and "400,000,000 pixels" in message


def test_fractional_float_mask_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.tif"
    Image.fromarray(np.full((8, 8), 0.5, np.float32)).save(path)
    with pytest.raises(ImageReadError, match="fractional"):
        read_mask(path)
