"""Decoding and resizing images and masks (Pillow to read, torch to resize).

Images come as PNG, JPEG, TIFF (8 or 16 bit, multi-page stacks), BMP; gray or
colour (alpha is dropped). They leave this module as float32 arrays in [0, 1]:
8-bit by /255, deeper ones scaled between per-image percentiles so a dim 12-bit
microscope image is not almost black. Masks leave it with their raw values
(class ids, palette indices, colours or instance ids); masks.py gives them
meaning. Every failure is an ImageReadError whose message says what is wrong in
words a person can act on; the caller adds the file name.
"""
from __future__ import annotations

import errno
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

from .problems import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
MIN_SIDE = 8  # the Input's smallest size; a 1x1 "image" is a mistake, not a sample
PERCENTILES = (1.0, 99.8)
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
GRAY_MODES = ("1", "L", "LA", "La") + DEEP_MODES
LOSSY_FORMATS = ("JPEG", "MPO")  # what Pillow calls JPEG bytes, whatever the file's extension

# Pillow warns between its pixel limit and twice that, and raises above. A data
# set is no place for a 90-megapixel image either way: make both an error we report.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class ImageReadError(Exception):
    """A file that cannot be used as an image or mask; the message says why."""


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: size, pages, and the channels/bits after decoding.

    ``format`` is what the bytes are (Pillow's name), not what the extension claims;
    ``page_sizes`` holds (width, height) of every page, as a stack's pages may differ.
    """

    width: int
    height: int
    pages: int
    mode: str
    channels: int
    bits: int
    format: str = ""
    page_sizes: tuple[tuple[int, int], ...] = ()

    @property
    def lossy(self) -> bool:
        """JPEG bytes (in a .jpg or a misnamed .png): values near, not equal, to the drawn ones."""
        return self.format in LOSSY_FORMATS


def is_image_name(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def probe(path: str | Path) -> ImageInfo:
    """The header of an image, checked for size limits (no pixels decoded)."""
    with _open(path) as im:
        width, height = im.size
        if _orientation(im) in _QUARTER_TURNS:  # a phone's portrait photo: shown upright
            width, height = height, width
        pages = getattr(im, "n_frames", 1)
        info = ImageInfo(width, height, pages, im.mode, 1 if _is_gray(im) else 3,
                         16 if im.mode in DEEP_MODES else 8, im.format or "",
                         _page_sizes(im, pages, (width, height)))
    if min(width, height) < MIN_SIDE:
        raise ImageReadError(f"image is only {width}x{height} pixels; the smallest usable "
                             f"size is {MIN_SIDE}x{MIN_SIDE}")
    return info


def _page_sizes(im: Image.Image, pages: int, first: tuple[int, int]
                ) -> tuple[tuple[int, int], ...]:
    """Every page's size from its header (seeking a TIFF reads only the page directory)."""
    sizes = [first]
    for page in range(1, pages):
        im.seek(page)
        sizes.append(im.size)
    if pages > 1:
        im.seek(0)
    return tuple(sizes)


def read_image(path: str | Path, page: int = 0) -> np.ndarray:
    """Pixels of one page as float32 (height, width, 1 or 3) in [0, 1]."""
    with _open(path) as raw:
        _load_page(raw, page)
        im = _upright(raw)
        if im.mode in DEEP_MODES:
            return scale_percentiles(np.asarray(im))[..., None]
        if _is_gray(im):
            return _unit(np.asarray(im.convert("L")))[..., None]
        return _unit(np.asarray(im.convert("RGB")))


def read_mask(path: str | Path, page: int = 0) -> tuple[np.ndarray, list | None]:
    """Raw mask values of one page and the palette (for palette PNGs).

    Returns (height, width) integers for gray, 16-bit and palette masks, or
    (height, width, 4) uint8 RGBA for colour masks (alpha 0 marks background).
    """
    with _open(path) as raw:
        _load_page(raw, page)
        im = _upright(raw)
        mode = im.mode
        if mode in ("P", "PA"):
            palette = im.getpalette() or []
            return np.asarray(im.convert("P") if mode == "PA" else im), _triples(palette)
        if mode == "F":
            values = np.asarray(im)
            if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                raise ImageReadError("mask holds fractional values; masks need whole numbers "
                                     "(class ids, colours or instance ids)")
            return values.astype(np.int64), None
        if mode in ("LA", "La"):
            return _gray_alpha(np.asarray(im.convert("LA"))), None
        if mode in ("1", "L") or mode in DEEP_MODES:
            return np.asarray(im.convert("L") if mode == "1" else im), None
        return _color_alpha(np.asarray(im.convert("RGBA"))), None


def _shape_in_alpha(color: np.ndarray, alpha: np.ndarray) -> bool:
    """True when the colour is one flat value and only the alpha channel draws the shape
    (a stamp exported from a drawing program)."""
    flat = color.reshape(-1, color.shape[-1]) if color.ndim == 3 else color.reshape(-1, 1)
    return bool((flat == flat[0]).all()) and alpha.min() != alpha.max()


def _gray_alpha(la: np.ndarray) -> np.ndarray:
    """Gray + alpha as gray values, read as RGBA masks are: transparent pixels (alpha 0)
    are background, and a black shape drawn in the alpha alone becomes white (255)."""
    gray, alpha = la[..., 0], la[..., 1]
    if _shape_in_alpha(gray, alpha) and not gray.any():
        gray = np.full_like(gray, 255)
    return np.where(alpha == 0, 0, gray).astype(np.uint8)


def _color_alpha(rgba: np.ndarray) -> np.ndarray:
    """RGBA as is (codes_of reads alpha 0 as background), but a black shape drawn in the
    alpha alone becomes white: black is the background colour."""
    if _shape_in_alpha(rgba[..., :3], rgba[..., 3]) and not rgba[..., :3].any():
        rgba = rgba.copy()
        rgba[..., :3] = 255
    return rgba


def verify(path: str | Path, pages: int) -> None:
    """Decode every page once, so a truncated file is found at scan time."""
    with _open(path) as im:
        for page in range(pages):
            _load_page(im, page)


def scale_percentiles(values: np.ndarray) -> np.ndarray:
    """Deep images to [0, 1] between the 1st and 99.8th percentile of this image.

    Float images may hold NaN or infinity (no-data pixels): they are left out of the
    percentiles and become 0, since one NaN would make the sample, and the loss, NaN.
    """
    values = values.astype(np.float32)
    finite = np.isfinite(values)
    if not finite.all():
        values = np.where(finite, values, np.nan)
    sample = values.ravel()[:: max(1, values.size // 1_000_000)]
    sample = sample[np.isfinite(sample)]
    low, high = np.percentile(sample, PERCENTILES) if sample.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    return np.nan_to_num(np.clip((values - low) / (high - low), 0.0, 1.0), nan=0.0)


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """(h, w, c) to the Input's channel count: gray repeated, colour to luminance."""
    have = image.shape[-1]
    if have == channels:
        return image
    if have == 1 and channels == 3:
        return np.repeat(image, 3, axis=-1)
    if have == 3 and channels == 1:
        return (image @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    raise DataError(f"Input channels: cannot turn {have}-channel images into {channels} "
                    "channels (image data has 1 channel, gray, or 3, colour)")


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(h, w, c) float -> (c, H, W) float: area when shrinking, bilinear otherwise."""
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
    height, width = image.shape[:2]
    if (height, width) == tuple(size):
        return tensor[0].numpy().copy()
    if size[0] <= height and size[1] <= width:
        out = F.interpolate(tensor, size=size, mode="area")
    else:
        out = F.interpolate(tensor, size=size, mode="bilinear", align_corners=False,
                            antialias=size[0] < height or size[1] < width)
    return out[0].numpy()


def resize_nearest(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of any (h, w[, c]) array: mask values stay exact.

    Index arithmetic (pixel centres, like torch's ``nearest-exact``) rather than
    F.interpolate, which would need a float round trip that rounds ids above 2**24.
    """
    height, width = values.shape[:2]
    if (height, width) == tuple(size):
        return values
    rows = np.minimum(((np.arange(size[0]) + 0.5) * height / size[0]).astype(np.int64), height - 1)
    cols = np.minimum(((np.arange(size[1]) + 0.5) * width / size[1]).astype(np.int64), width - 1)
    return values[rows[:, None], cols[None, :]]


def tile_origins(length: int, tile: int) -> list[int]:
    """Where tiles start along one axis: evenly spread, overlapping, covering all.

    An axis shorter than a tile gets one tile at 0 (padded by the loader).
    """
    if length <= tile:
        return [0]
    count = -(-length // tile)
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def crop_padded(values: np.ndarray, top: int, left: int, size: tuple[int, int]) -> np.ndarray:
    """A size[0] x size[1] window at (top, left), zero-padded where it leaves the image."""
    window = values[top:top + size[0], left:left + size[1]]
    pad_h, pad_w = size[0] - window.shape[0], size[1] - window.shape[1]
    if pad_h or pad_w:
        pad = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (values.ndim - 2)
        window = np.pad(window, pad)
    return window


def describe_error(error: BaseException) -> str:
    """Words for a decoding failure (the file name is added by the caller)."""
    if isinstance(error, ImageReadError):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, PermissionError):
        return "permission denied: the file cannot be read"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not an image file"
    if isinstance(error, UnidentifiedImageError):
        return "not an image file Pillow can read (unknown format or damaged header)"
    if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        found = re.search(r"\((\d+) pixels\)", str(error))
        pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        return (f"image is too large to decode safely ({pixels}; the limit is "
                f"{Image.MAX_IMAGE_PIXELS:,}): cut it into smaller images first")
    if isinstance(error, OSError) and error.errno == errno.ELOOP:
        return ("symbolic link loop: the link leads (through others) back to itself; "
                "delete it or point it at a real file")
    if isinstance(error, EOFError):
        return "the file ends early: page missing or file truncated"
    if isinstance(error, (OSError, SyntaxError, ValueError)):
        return f"corrupt or truncated image ({error})"
    return f"cannot be decoded ({type(error).__name__}: {error})"


def _open(path: str | Path) -> Image.Image:
    try:
        return Image.open(path)
    except Image.DecompressionBombWarning as warning:  # raised: see the filter above
        raise Image.DecompressionBombError(str(warning)) from None


def _load_page(im: Image.Image, page: int) -> None:
    if page:
        im.seek(page)
    im.load()


_ORIENTATION_TAG = 0x0112
_QUARTER_TURNS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1 = as stored); cameras store portrait photos sideways."""
    try:
        return int(im.getexif().get(_ORIENTATION_TAG, 1))
    except (AttributeError, TypeError, ValueError, OSError):
        return 1


def _upright(im: Image.Image) -> Image.Image:
    """The image as a viewer shows it, so it lines up with a mask drawn on that view."""
    return im if _orientation(im) == 1 else ImageOps.exif_transpose(im)


def _is_gray(im: Image.Image) -> bool:
    if im.mode in GRAY_MODES:
        return True
    if im.mode in ("P", "PA"):
        triples = _triples(im.getpalette() or [])
        return all(r == g == b for r, g, b in triples)
    return False


def _triples(palette: list[int]) -> list[tuple[int, int, int]]:
    return [tuple(palette[i:i + 3]) for i in range(0, len(palette) - 2, 3)]


def _unit(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float32) * (1.0 / 255.0)
