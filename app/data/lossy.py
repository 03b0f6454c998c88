"""Masks saved as JPEG: lossy compression blurs every class colour into dozens of
near colours (red becomes 254,0,0; 250,3,1; ...) and puts in-between colours on
every edge.

Read literally, a three-colour JPEG mask holds hundreds of "classes" and was
taken for an instance mask (silently merging every class into one foreground).
Here the near colours of one mask are merged into its few frequent colours (the
classes), and every pixel of a lossy mask is decoded as the nearest class
colour (or value), so training sees the classes the person drew.
"""
from __future__ import annotations

import numpy as np

NEAR = {"color": 48, "values": 8}  # JPEG keeps a flat region's colour within this (per channel)
MIN_SHARE = 0.002                  # a colour with less of the mask is an artefact, never a class
EXTREME = 8                        # channels this close to 0 or 255 were 0 or 255
BIN = 16                           # candidate colours are weighed in bins of 16 levels
MAX_CENTRES = 33                   # one more than a colour table holds: "too many" is enough


def code_channels(codes: np.ndarray, encoding: str) -> np.ndarray:
    codes = np.asarray(codes, np.int64)
    if encoding == "color":
        return np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=-1)
    return codes[..., None]


def distances(codes: np.ndarray, references: np.ndarray, encoding: str) -> np.ndarray:
    """(n, m) largest per-channel difference between codes and reference codes."""
    a, b = code_channels(codes, encoding), code_channels(references, encoding)
    return np.abs(a[:, None, :] - b[None, :, :]).max(axis=-1)


def canonical(code: int, encoding: str) -> int:
    """A merged colour with near-black/near-white channels set to exactly 0/255."""
    channels = code_channels(np.array([code]), encoding)[0]
    channels = np.where(channels <= EXTREME, 0, channels)
    channels = np.where((channels >= 255 - EXTREME) & (channels <= 255), 255, channels)
    if encoding == "color":
        return int((channels[0] << 16) | (channels[1] << 8) | channels[2])
    return int(channels[0])


def merge_near(counts: dict[int, int], encoding: str, min_share: float = MIN_SHARE,
               candidates: dict[int, int] | None = None) -> dict[int, int]:
    """Code -> pixels with near codes merged into the most frequent one among them.

    Frequent codes (of ``candidates``: by default all counts) become centres, most
    frequent first; a code near a centre joins it, and the rest (edge blends,
    ringing) join their nearest centre.
    """
    if not counts:
        return {}
    centres = _centres(candidates or counts, encoding, min_share)
    codes = np.fromiter(counts, np.int64, len(counts))
    pixels = np.fromiter(counts.values(), np.int64, len(counts))
    nearest = np.argmin(distances(codes, np.array(centres), encoding), axis=1)
    merged: dict[int, int] = {}
    for index, centre in enumerate(centres):
        key = canonical(centre, encoding)
        merged[key] = merged.get(key, 0) + int(pixels[nearest == index].sum())
    return merged


def _centres(counts: dict[int, int], encoding: str, min_share: float) -> list[int]:
    """Class colours, most pixels first. JPEG spreads one flat colour over many near
    codes, so candidates are weighed by the pixels of their coarse bin (16 levels
    per channel), and a bin's most frequent code is its centre."""
    codes = np.fromiter(counts, np.int64, len(counts))
    pixels = np.fromiter(counts.values(), np.int64, len(counts))
    bins = code_channels(codes, encoding) // BIN
    free = np.ones(len(codes), bool)
    total = pixels.sum()
    centres: list[int] = []
    while free.any() and len(centres) < MAX_CENTRES:
        where = np.flatnonzero(free)
        _, group = np.unique(bins[where], axis=0, return_inverse=True)
        mass = np.bincount(group.ravel(), weights=pixels[where])
        best = int(np.argmax(mass))
        if centres and mass[best] < min_share * total:
            break
        members = where[group.ravel() == best]
        centre = codes[members[int(np.argmax(pixels[members]))]]
        centres.append(int(centre))
        free &= distances(codes, np.array([centre]), encoding)[:, 0] > NEAR[encoding]
    return centres


def flat_counts(codes: np.ndarray, encoding: str) -> dict[int, int]:
    """Code -> pixels, counting only pixels whose 4 neighbours are near them.

    A class is a region: its inside is flat. JPEG's blends sit on edges, where a
    neighbour differs a lot, so they never look like a class of their own.
    """
    channels = code_channels(codes, encoding).astype(np.int16)  # JPEG: 8 (or 12) bits a channel
    padded = np.pad(channels, ((1, 1), (1, 1), (0, 0)), mode="edge")
    centre = padded[1:-1, 1:-1]
    flat = np.ones(codes.shape, bool)
    for shifted in (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]):
        flat &= np.abs(shifted - centre).max(axis=-1) <= NEAR[encoding] // 3
    values, counts = np.unique(codes[flat], return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def snap(codes: np.ndarray, references: np.ndarray | list[int], encoding: str) -> np.ndarray:
    """Each code replaced by its nearest reference code (same shape)."""
    references = np.asarray(references, np.int64)
    values, inverse = np.unique(codes, return_inverse=True)
    nearest = np.argmin(distances(values, references, encoding), axis=1)
    return references[nearest][inverse].reshape(codes.shape)
