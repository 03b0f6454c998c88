"""Prediction against ground truth as an RGB picture, in four modes (Qt-free numpy).

The Statistics view's preview, the Test view's image list and "Open image..." all
draw through ``render``, so a mode means the same everywhere, and the tests check
the colours of pixels instead of looking at screenshots.

Modes (``blend`` is how strongly the masks are drawn over the image, 0..1):
  overlay       the prediction filled in class colours, the ground truth's borders in yellow
  outlines      the image with the truth's borders yellow and the prediction's in class colours
                (lines reach full strength at half blend: thin lines need it to be seen)
  side_by_side  image | ground truth filled | prediction filled, with a gap between
  correctness   true positive, false positive, false negative in three colours (Okabe-Ito,
                told apart with colour blindness); a pixel of the wrong foreground class
                is a false positive. Background agreement stays the plain image.
Pixels the data marks as ignored (class IGNORE_INDEX in the truth) are never tinted.
Without a ground truth (a person's own image) every mode shows what it can of the
prediction alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from app.data.masks import default_color
from app.data.spec import IGNORE_INDEX

MODES = ("overlay", "outlines", "side_by_side", "correctness")
MODE_LABELS = {"overlay": "Overlay", "outlines": "Outlines", "side_by_side": "Side by side",
               "correctness": "Correctness"}
TRUE_POSITIVE = (0, 158, 115)
FALSE_POSITIVE = (213, 94, 0)
FALSE_NEGATIVE = (86, 180, 233)
TRUTH_LINE = (255, 214, 0)  # neither white nor black: seen on bright cells and dark background
GAP = 4
GAP_COLOR = (255, 255, 255)
DEFAULT_BLEND = 0.5


def color_table(colors: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """(256, 3) uint8: the given class colours first, the data code's defaults after."""
    given = [tuple(int(v) for v in c[:3]) for c in (colors or ())]
    return np.array([given[i] if i < len(given) else default_color(i) for i in range(256)],
                    np.uint8)


def read_image(path: Path) -> np.ndarray:
    """(h, w, 3) uint8 from any picture (gray repeated, alpha dropped, 16 bit scaled)."""
    with Image.open(path) as picture:
        array = np.asarray(picture)
    if array.dtype != np.uint8:
        top = float(array.max()) or 1.0
        array = (array.astype(np.float64) * (255.0 / top)).astype(np.uint8)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    return np.ascontiguousarray(array[..., :3])


def read_classes(path: Path) -> np.ndarray:
    """(h, w) class ids from a mask PNG of ids (8 bit, or palette indices)."""
    with Image.open(path) as picture:
        array = np.asarray(picture)
    return array[..., 0] if array.ndim == 3 else array


def save_classes(path: Path, classes: np.ndarray) -> None:
    """Class ids as an 8-bit PNG, what `main.py predict` writes."""
    Image.fromarray(np.asarray(classes, np.uint8)).save(path)


def boundaries(classes: np.ndarray) -> np.ndarray:
    """True on the pixels of a non-background region that touch another class or the
    image's edge (4-neighbours)."""
    classes = np.asarray(classes)
    padded = np.pad(classes.astype(np.int32), 1, constant_values=-1)  # the image's edge is one
    centre = padded[1:-1, 1:-1]
    edge = ((centre != padded[:-2, 1:-1]) | (centre != padded[2:, 1:-1])
            | (centre != padded[1:-1, :-2]) | (centre != padded[1:-1, 2:]))
    return edge & (classes != 0) & (classes != IGNORE_INDEX)


def tint(rgb: np.ndarray, where: np.ndarray, colors: np.ndarray, alpha: float) -> np.ndarray:
    """``rgb`` with the pixels of ``where`` mixed towards ``colors`` ((h, w, 3) or (3,))."""
    out = rgb.astype(np.float32)
    target = np.broadcast_to(np.asarray(colors, np.float32), out.shape)
    out[where] = (1.0 - alpha) * out[where] + alpha * target[where]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def fill(image: np.ndarray, classes: np.ndarray, table: np.ndarray, alpha: float) -> np.ndarray:
    """Every foreground class filled in its colour."""
    where = (classes != 0) & (classes != IGNORE_INDEX)
    return tint(image, where, table[classes.astype(np.intp) & 255], alpha)


def correctness(truth: np.ndarray, prediction: np.ndarray) -> tuple[np.ndarray, ...]:
    """(true positive, false positive, false negative) masks over the foreground classes."""
    valid = truth != IGNORE_INDEX
    tp = valid & (prediction != 0) & (prediction == truth)
    fp = valid & (prediction != 0) & (prediction != truth)
    fn = valid & (truth != 0) & (prediction == 0)
    return tp, fp, fn


def render(image: np.ndarray, truth: np.ndarray | None, prediction: np.ndarray,
           mode: str = "overlay", blend: float = DEFAULT_BLEND,
           colors: Sequence[Sequence[int]] | np.ndarray | None = None) -> np.ndarray:
    """The picture of one mode: (h, w, 3) uint8, or wider for side_by_side."""
    if mode not in MODES:
        raise ValueError(f"unknown overlay mode {mode!r}; one of {', '.join(MODES)}")
    image = as_rgb(image)
    shape = image.shape[:2]
    prediction = fit(prediction, shape)
    truth = fit(truth, shape) if truth is not None else None
    table = colors if isinstance(colors, np.ndarray) else color_table(colors)
    alpha = float(min(max(blend, 0.0), 1.0))
    if mode == "side_by_side":
        panels = [image] + ([fill(image, truth, table, alpha)] if truth is not None else [])
        return side_by_side(panels + [fill(image, prediction, table, alpha)])
    if mode == "correctness" and truth is not None:
        out = image
        for where, color in zip(correctness(truth, prediction),
                                (TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE)):
            out = tint(out, where, color, alpha)
        return out
    line = min(1.0, 2.0 * alpha)
    if mode == "outlines":
        out = tint(image, boundaries(prediction), table[prediction.astype(np.intp) & 255], line)
    else:
        out = fill(image, prediction, table, alpha)
    if truth is not None:
        out = tint(out, boundaries(truth), TRUTH_LINE, line)
    return out


def side_by_side(panels: Sequence[np.ndarray]) -> np.ndarray:
    height = panels[0].shape[0]
    gap = np.empty((height, GAP, 3), np.uint8)
    gap[:] = GAP_COLOR
    parts: list[np.ndarray] = []
    for panel in panels:
        parts += [gap, panel] if parts else [panel]
    return np.ascontiguousarray(np.concatenate(parts, axis=1))


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 from gray, (h, w, 1), RGBA, or floats in [0, 1]."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = array[..., None]
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.ascontiguousarray(array[..., :3])


def fit(classes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Class ids at the image's size (nearest neighbour; ids are never blended)."""
    classes = np.asarray(classes)
    if classes.shape == tuple(shape):
        return classes
    rows = (np.arange(shape[0]) * classes.shape[0]) // shape[0]
    cols = (np.arange(shape[1]) * classes.shape[1]) // shape[1]
    return classes[rows[:, None], cols[None, :]]
