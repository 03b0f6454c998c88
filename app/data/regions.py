"""Measures of a mask's regions that tell readings apart: blobs, thin borders, blends.

Mask detection (detect.py) needs more than the count of values: instance ids are
one connected blob each, a VOC "void" value is a thin band around objects, and an
anti-aliased binary mask has in-between values only along its edges.

Connected components are hand-written here (a run-length union-find in numpy)
because the well-kept implementations (scipy.ndimage.label, scikit-image) are
not among this project's dependencies; the scan only needs the number of blobs
per value, and runs keep that fast on large masks.
"""
from __future__ import annotations

from typing import Collection

import numpy as np

from .lossy import code_channels, flat_counts

MAX_RUNS = 250_000     # beyond this many runs a mask is noise, not objects: no blob count
BORDER_RADIUS = 3      # a "thin" band disappears when eroded by this many pixels each side
BLEND_SHARE = 0.10     # edge blends of an anti-aliased mask cover at most this share of it
MIN_LEVEL_SHARE = 0.002
MIN_BLENDS = 3         # in-between values needed to call a two-level mask blended
FRAGMENT_SHARE = 0.1   # a region with less of its value's pixels is a speck, not a blob


def blobs_per_code(codes: np.ndarray, skip: Collection[int] = (0,)) -> dict[int, int] | None:
    """Number of 4-connected regions of each code (codes in ``skip`` left out), counting
    only regions with at least FRAGMENT_SHARE of the code's pixels: a stray speck left by
    a brush or a resize does not make one object two.

    None when the mask has too many runs to be worth it (noise, not objects).
    """
    height, width = codes.shape
    change = np.ones((height, width), bool)
    change[:, 1:] = codes[:, 1:] != codes[:, :-1]
    starts = np.flatnonzero(change.ravel())
    run_count = len(starts)
    if run_count > MAX_RUNS:
        return None
    run_length = np.diff(np.append(starts, codes.size))
    run_id = (np.cumsum(change.ravel()) - 1).reshape(height, width)
    run_code = codes.ravel()[starts]
    keep = ~np.isin(run_code, np.asarray(list(skip), dtype=codes.dtype))
    same = (codes[:-1] == codes[1:]) & keep[run_id[:-1]]
    edges = np.unique(run_id[:-1][same].astype(np.int64) * run_count + run_id[1:][same])
    roots = _union(run_count, edges // run_count, edges % run_count)[keep]
    sizes = np.bincount(roots, weights=run_length[keep], minlength=run_count)
    components = np.unique(roots)
    component_code = run_code[components]
    values, inverse = np.unique(component_code, return_inverse=True)
    totals = np.bincount(inverse, weights=sizes[components])
    large = sizes[components] >= FRAGMENT_SHARE * totals[inverse]
    counts = np.bincount(inverse[large], minlength=len(values))
    return dict(zip(values.tolist(), counts.tolist()))


def _union(count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The root of every node of a graph with these edges (vectorized hook and compress)."""
    parent = np.arange(count)
    while True:
        a, b = parent[first], parent[second]
        differ = a != b
        if not differ.any():
            return parent
        np.minimum.at(parent, np.maximum(a[differ], b[differ]), np.minimum(a[differ], b[differ]))
        while True:  # point every node at its root again
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def erode(region: np.ndarray, radius: int = BORDER_RADIUS) -> np.ndarray:
    """Pixels whose whole (2r+1)^2 square lies in the region (the image edge extends it)."""
    size = 2 * radius + 1
    padded = np.pad(region, radius, mode="edge")
    rows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=1).all(axis=-1)
    return np.lib.stride_tricks.sliding_window_view(rows, size, axis=0).all(axis=-1)


def touching(codes: np.ndarray, region: np.ndarray) -> set[int]:
    """Codes of the pixels just outside a region (4-neighbours)."""
    grown = region.copy()
    grown[1:] |= region[:-1]
    grown[:-1] |= region[1:]
    grown[:, 1:] |= region[:, :-1]
    grown[:, :-1] |= region[:, 1:]
    return set(np.unique(codes[grown & ~region]).tolist())


def blend_levels(codes: np.ndarray, counts: dict[int, int], encoding: str
                 ) -> tuple[int, int] | None:
    """The two levels of an anti-aliased two-level mask, or None.

    Such a mask (0 and 255 drawn with a soft brush, or resampled) has exactly two
    values that fill flat regions, and a few percent of pixels with many values
    between them, all on edges. A label mask's thin class is one value, not many.
    """
    if len(counts) < 2 + MIN_BLENDS:
        return None
    total = codes.size
    top = sorted(counts, key=counts.get, reverse=True)[:2]
    if counts[top[0]] + counts[top[1]] < (1 - BLEND_SHARE) * total:
        return None
    flat = flat_counts(codes, encoding)
    levels = [c for c in sorted(flat, key=flat.get, reverse=True)
              if flat[c] >= MIN_LEVEL_SHARE * total]
    if len(levels) != 2:
        return None
    others = np.array([c for c in counts if c not in levels], np.int64)
    channels = code_channels(others, encoding)
    ends = code_channels(np.array(levels, np.int64), encoding)
    between = ((channels >= ends.min(axis=0)) & (channels <= ends.max(axis=0))).all(axis=-1)
    blended = sum(counts[c] for c in others.tolist())
    on_edges = blended - sum(flat.get(c, 0) for c in others.tolist())
    if not between.all() or on_edges < 0.9 * blended:
        return None
    low, high = sorted(levels)
    return low, high
