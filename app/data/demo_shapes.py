"""Synthetic scenes: overlapping shapes of several classes on textured noise.

Each class is a shape (disc, square, triangle, ring, cross); every object and the
background draw their colour from the same distribution and carry a texture, so
a model has to learn shape and texture: colour alone does not separate the
classes. Scenes are a pure function of (seed, index, size, classes), which makes
them the tests' fixtures and the offline fallback of the demo project.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

from .folders import built_atomically
from .masks import default_color
from .spec import ClassInfo

VERSION = 1
SHAPES = ("disc", "square", "triangle", "ring", "cross")
MAX_CLASSES = len(SHAPES) + 1


def class_infos(classes: int) -> list[ClassInfo]:
    names = ("background",) + SHAPES[:classes - 1]
    return [ClassInfo(name, default_color(i)) for i, name in enumerate(names)]


def render_scene(index: int, size: tuple[int, int] = (256, 256), classes: int = 4,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One scene: an RGB uint8 image (h, w, 3) and a uint8 class mask (h, w)."""
    if not 2 <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be 2..{MAX_CLASSES}, got {classes}")
    rng = np.random.default_rng([seed, index])
    height, width = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = _textured(rng, y, x)
    mask = np.zeros(size, np.uint8)
    for _ in range(int(rng.integers(3, 9))):
        label = int(rng.integers(1, classes))
        box, inside = _shape(SHAPES[label - 1], rng, size)
        image[box][inside] = _textured(rng, y[box], x[box])[inside]
        mask[box][inside] = label
    image += rng.normal(0.0, 6.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8), mask


def write_dataset(folder: str | os.PathLike, count: int, size: tuple[int, int] = (256, 256),
                  classes: int = 4, seed: int = 0) -> Path:
    """``folder/images/NNNN.png`` and ``folder/masks/NNNN.png`` (label ids 0..classes-1)."""
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "masks").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image, mask = render_scene(index, size, classes, seed)
        Image.fromarray(image).save(folder / "images" / f"{index:04d}.png", compress_level=1)
        Image.fromarray(mask).save(folder / "masks" / f"{index:04d}.png", compress_level=1)
    return folder


def ensure_dataset(folder: Path, count: int = 120, size: tuple[int, int] = (256, 256),
                   classes: int = 4, seed: int = 0) -> Path:
    """The demo set in ``folder``, written once (atomically) and reused afterwards."""
    marker = {"version": VERSION, "count": count, "size": list(size), "classes": classes,
              "seed": seed}
    if _read_marker(folder) == marker:
        return folder
    with built_atomically(folder) as temp:
        write_dataset(temp, count, size, classes, seed)
        (temp / "shapes.json").write_text(json.dumps(marker), encoding="utf-8")
    return folder


def _read_marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "shapes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _textured(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A random colour with stripes and blotches; the same law for all classes."""
    base = rng.uniform(60, 200, 3).astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 16)
    stripes = np.sin((x * np.cos(angle) + y * np.sin(angle)) * (2 * np.pi / period))
    blotches = _smooth_noise(rng, y.shape, cells=int(rng.integers(4, 12)))
    texture = rng.uniform(5, 25) * stripes + rng.uniform(10, 40) * blotches
    return base + texture[..., None] * rng.uniform(0.6, 1.0, 3).astype(np.float32)


def _smooth_noise(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Noise in [-1, 1] on a coarse grid, bilinearly enlarged to ``size``."""
    coarse = rng.uniform(-1, 1, (cells + 1, cells + 1)).astype(np.float32)
    gy = np.linspace(0, cells, size[0], dtype=np.float32)
    gx = np.linspace(0, cells, size[1], dtype=np.float32)
    y0 = np.minimum(gy.astype(int), cells - 1)
    x0 = np.minimum(gx.astype(int), cells - 1)
    fy, fx = (gy - y0)[:, None], (gx - x0)[None, :]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x0 + 1] * fx
    bottom = coarse[y0 + 1][:, x0] * (1 - fx) + coarse[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _shape(kind: str, rng: np.random.Generator, size: tuple[int, int]
           ) -> tuple[tuple[slice, slice], np.ndarray]:
    """A random shape: its bounding box in the image and the pixels inside it."""
    cy, cx = rng.uniform(0, size[0]), rng.uniform(0, size[1])
    radius = rng.uniform(0.06, 0.16) * min(size)
    angle = rng.uniform(0, 2 * np.pi)
    top, left = max(0, int(cy - radius) - 1), max(0, int(cx - radius) - 1)
    box = (slice(top, min(size[0], int(cy + radius) + 2)),
           slice(left, min(size[1], int(cx + radius) + 2)))
    y, x = np.mgrid[box].astype(np.float32)
    u = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
    v = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
    return box, _inside(kind, u, v, radius)


def _inside(kind: str, u: np.ndarray, v: np.ndarray, radius: float) -> np.ndarray:
    distance = np.hypot(u, v)
    if kind == "disc":
        return distance <= radius
    if kind == "square":
        return (np.abs(u) <= radius * 0.8) & (np.abs(v) <= radius * 0.8)
    if kind == "triangle":
        edges = [(np.cos(a), np.sin(a)) for a in (np.pi / 2, np.pi / 2 + 2.094, np.pi / 2 + 4.189)]
        return np.all([u * ex + v * ey <= radius * 0.6 for ex, ey in edges], axis=0)
    if kind == "ring":
        return (distance <= radius) & (distance >= radius * 0.55)
    arm = radius * 0.3
    across, along = np.abs(u), np.abs(v)
    return ((across <= arm) & (along <= radius)) | ((along <= arm) & (across <= radius))
