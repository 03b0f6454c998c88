"""What mask pixels mean: binary, label ids, palette, colour table or instance ids.

A mask is first reduced to integer *codes*: gray and 16-bit values and palette
indices as they are, colour pixels packed as 0xRRGGBB (alpha 0 counts as
background, code 0). A MaskDecoder then maps codes to class ids 0..K-1 for one
data set. Detection looks at per-mask summaries (code -> pixel count) so the
whole data set is described without keeping a single mask in memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import lossy as lossy_masks
from .regions import blend_levels, blobs_per_code, erode, touching
from .spec import IGNORE_INDEX, MAX_CLASSES, ClassInfo

MAX_TABLE = 32        # more distinct codes than this and a mask is taken for instances
MAX_SUMMARY = 300     # per-mask code counts are kept up to this many distinct codes
WHITE = 0xFFFFFF
VOID = {"values": 255, "color": (224 << 16) | (224 << 8) | 192}  # VOC's void border
DEFAULT_COLORS = [(0, 0, 0), (230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25),
                  (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230),
                  (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40),
                  (128, 0, 0), (170, 255, 195), (128, 128, 0), (0, 0, 128)]


def pack(color: tuple[int, int, int] | list[int]) -> int:
    r, g, b = color
    return (int(r) << 16) | (int(g) << 8) | int(b)


def unpack(code: int) -> tuple[int, int, int]:
    return ((code >> 16) & 255, (code >> 8) & 255, code & 255)


def default_color(index: int) -> tuple[int, int, int]:
    if index < len(DEFAULT_COLORS):
        return DEFAULT_COLORS[index]
    rng = np.random.default_rng(index)
    return tuple(int(v) for v in rng.integers(40, 256, 3))


def codes_of(raw: np.ndarray) -> tuple[np.ndarray, str]:
    """Integer codes (h, w) and the encoding: ``values`` or ``color``."""
    if raw.ndim == 2:
        return raw.astype(np.int64, copy=False), "values"
    rgb = raw[..., :3].astype(np.int64)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    if raw.shape[-1] == 4:
        codes[raw[..., 3] == 0] = 0
    return codes, "color"


def instance_classes(ids: np.ndarray, mode: str, ignore: int | None = None) -> np.ndarray:
    """Instance ids -> 0/1 (foreground) or 0/1/2 (background/interior/boundary).

    Boundary pixels are object pixels with a 4-neighbour of another id, so two
    touching cells are kept apart by a line, as in the U-Net paper. Pixels of the
    ignore value become IGNORE_INDEX (for the boundary they count as background).
    """
    ignored = ids == ignore if ignore is not None else None
    if ignored is not None:
        ids = np.where(ignored, 0, ids)
    out = _instance_classes(ids, mode)
    if ignored is not None:
        out[ignored] = IGNORE_INDEX
    return out


def _instance_classes(ids: np.ndarray, mode: str) -> np.ndarray:
    foreground = ids != 0
    out = foreground.astype(np.uint8)
    if mode == "foreground":
        return out
    padded = np.pad(ids, 1, mode="edge")
    centre = padded[1:-1, 1:-1]
    edge = ((padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre)
            | (padded[1:-1, :-2] != centre) | (padded[1:-1, 2:] != centre))
    out[foreground & edge] = 2
    return out


@dataclass
class MaskSummary:
    """One mask described in a few numbers, for detection and statistics."""

    encoding: str                          # values | color
    palette: bool                          # a palette PNG (codes are indices)
    distinct: int
    counts: dict[int, int] | None          # code -> pixels, None above MAX_SUMMARY codes
    instance_counts: dict[str, list[int]] = field(default_factory=dict)  # mode -> class pixels
    lossy: bool = False                    # a JPEG mask: counts hold merged colours (lossy.py)
    colors: dict[int, int] | None = None   # palette masks: used index -> packed palette colour
    blended: bool = False                  # anti-aliased two-level mask: counts hold the levels
    blobs: dict[int, int] | None = None    # code -> connected regions (detection evidence)
    border: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    # ^ VOC void candidate -> (pixels, pixels far from its edge, touches an object value)
    instance_ignore: int | None = None     # the ignore code instance_counts were made with
    instance_ignored: int = 0              # pixels of that code

    @property
    def pixels(self) -> int:
        return sum(self.counts.values()) if self.counts else 0

    @property
    def snapped(self) -> bool:
        """Its pixels are read as the nearest class value (JPEG, or edges blended)."""
        return self.lossy or self.blended


def summarize(raw: np.ndarray, palette: bool, instances: bool, lossy: bool = False,
              colors: list | None = None) -> MaskSummary:
    """Codes and pixel counts of one raw mask, the evidence detection needs (blobs,
    a void border, blended edges), and instance histograms when asked or likely.

    A lossy (JPEG) mask is described by its merged colours, not its artefacts; an
    anti-aliased two-level mask by its two levels.
    """
    codes, encoding = codes_of(raw)
    values, counts = np.unique(codes, return_counts=True)
    if lossy:
        merged = lossy_masks.merge_near(dict(zip(values.tolist(), counts.tolist())), encoding,
                                        candidates=lossy_masks.flat_counts(codes, encoding))
        summary = MaskSummary(encoding, palette, len(merged), merged, lossy=True)
        if instances:
            add_instance_counts(summary, lossy_masks.snap(codes, list(merged), encoding))
        return summary
    kept = dict(zip(values.tolist(), counts.tolist())) if len(values) <= MAX_SUMMARY else None
    summary = MaskSummary(encoding, palette, len(values), kept)
    if colors is not None:  # what each used index looks like: palettes may differ per file
        summary.colors = {i: pack(colors[i]) for i in values.tolist() if 0 <= i < len(colors)}
    if kept is not None and not palette:
        codes = _unblend(summary, codes)
    if kept is not None and summary.distinct >= 3:
        _add_evidence(summary, codes)
    if instances or len(values) > MAX_TABLE:
        add_instance_counts(summary, codes)
    return summary


def _unblend(summary: MaskSummary, codes: np.ndarray) -> np.ndarray:
    """Snap an anti-aliased two-level mask to its levels (the summary keeps the levels)."""
    assert summary.counts is not None
    levels = blend_levels(codes, summary.counts, summary.encoding)
    if levels is None:
        return codes
    snapped = lossy_masks.snap(codes, list(levels), summary.encoding)
    found, pixels = np.unique(snapped, return_counts=True)
    summary.counts = dict(zip(found.tolist(), pixels.tolist()))
    summary.distinct, summary.blended = len(summary.counts), True
    return snapped


def _add_evidence(summary: MaskSummary, codes: np.ndarray) -> None:
    """Blobs per value and, when present, how the void candidate lies (detect.py)."""
    void = VOID[summary.encoding]
    summary.blobs = blobs_per_code(codes, skip=(0, void))
    if void in (summary.counts or {}):
        region = codes == void
        others = touching(codes, region) - {0, void}
        summary.border[void] = (int(region.sum()), int(erode(region).sum()), bool(others))


def add_instance_counts(summary: MaskSummary, codes: np.ndarray, ignore: int | None = None
                        ) -> None:
    for mode, classes in (("foreground", 2), ("boundary", 3)):
        hist = np.bincount(instance_classes(codes, mode, ignore).ravel(),
                           minlength=IGNORE_INDEX + 1)
        summary.instance_counts[mode] = hist[:classes].tolist()
        summary.instance_ignored = int(hist[IGNORE_INDEX])
    summary.instance_ignore = ignore


@dataclass(frozen=True)
class MaskDecoder:
    """How one data set's mask codes become class ids (IGNORE_INDEX for the ignore code)."""

    kind: str                      # binary | labels | palette | colors | instances
    num_classes: int
    encoding: str = "values"       # values | color: what the data set's masks hold
    table: tuple[int, ...] = ()    # colors: the code of class 0, 1, ...; binary: (0, 1 or 255)
    instances: str = "foreground"
    ignore: int | None = None      # the code of pixels left out of training and metrics

    def allowed(self) -> str:
        """The class set in words, for 'values outside the class set' messages."""
        if self.kind == "binary":
            text = "0 and 255 (or 0 and 1)" if self.encoding == "values" else "black and white"
        elif self.kind == "colors":
            noun = "colours" if self.encoding == "color" else "values"
            text = f"the {len(self.table)} {noun} of the class table"
        else:
            text = f"0..{self.num_classes - 1}"
        if self.ignore is not None:
            text += f", and {self.describe_code(self.ignore)} ignored"
        return text

    def references(self) -> list[int]:
        """The codes a lossy mask's pixels are snapped to (one or more per class)."""
        if self.kind == "binary":
            codes = [0, WHITE] if self.encoding == "color" else list(self.table or (0, 255))
        elif self.kind == "colors":
            codes = list(self.table)
        else:
            codes = list(range(self.num_classes))
        return codes + ([self.ignore] if self.ignore is not None else [])

    def lookup(self, codes: np.ndarray, snap: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(class ids or -1, bad mask) for an array of codes; a lossy or blended mask's codes
        are first snapped to the nearest class code, so none of them is outside the set."""
        if snap and self.kind != "instances" and codes.size:
            codes = lossy_masks.snap(codes, self.references(), self.encoding)
        if self.kind == "binary":
            on = (codes == WHITE) if self.encoding == "color" else (codes == 1) | (codes == 255)
            ids, bad = on.astype(np.int64), ~(on | (codes == 0))
        elif self.kind in ("labels", "palette"):
            bad = (codes < 0) | (codes >= self.num_classes)
            ids = np.where(bad, -1, codes)
        else:
            table = np.asarray(self.table, np.int64)
            order = np.argsort(table)
            position = np.clip(np.searchsorted(table[order], codes), 0, len(table) - 1)
            found = table[order][position] == codes
            ids, bad = np.where(found, order[position], -1), ~found
        if self.ignore is not None:
            ignored = codes == self.ignore
            ids, bad = np.where(ignored, IGNORE_INDEX, ids), bad & ~ignored
        return ids, bad

    def classes_of(self, raw: np.ndarray, snap: bool = False) -> tuple[np.ndarray, list[int]]:
        """Class ids (h, w) uint8 (IGNORE_INDEX: ignored) and the first few bad codes."""
        codes, _ = codes_of(raw)
        if self.kind == "instances":
            return instance_classes(codes, self.instances, self.ignore), []
        ids, bad = self.lookup(codes, snap)
        bad_codes = np.unique(codes[bad])[:5].tolist() if bad.any() else []
        return np.where(bad, 0, ids).astype(np.uint8), bad_codes

    def class_counts(self, summary: MaskSummary) -> tuple[list[int], list[int]]:
        """Pixels per class and the codes outside the class set, from a summary."""
        if self.kind == "instances":
            return list(summary.instance_counts.get(self.instances, [])), []
        if summary.counts is None:
            return [0] * self.num_classes, [-1]
        codes, pixels, ids, bad = self._looked_up(summary)
        valid = ~bad & (ids != IGNORE_INDEX) if self.ignore is not None else ~bad
        hist = np.bincount(ids[valid], weights=pixels[valid], minlength=self.num_classes)
        return [int(v) for v in hist[:self.num_classes]], sorted(codes[bad].tolist())[:5]

    def ignored_pixels(self, summary: MaskSummary) -> int:
        """Pixels of the ignore value in one mask."""
        if self.ignore is None:
            return 0
        if self.kind == "instances":
            return summary.instance_ignored
        if summary.counts is None:
            return 0
        _, pixels, ids, bad = self._looked_up(summary)
        return int(pixels[~bad & (ids == IGNORE_INDEX)].sum())

    def _looked_up(self, summary: MaskSummary
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        assert summary.counts is not None
        codes = np.fromiter(summary.counts, np.int64, len(summary.counts))
        pixels = np.fromiter(summary.counts.values(), np.int64, len(summary.counts))
        ids, bad = self.lookup(codes, summary.snapped)
        return codes, pixels, ids, bad

    def describe_code(self, code: int) -> str:
        if code == -1:
            return f"more than {MAX_SUMMARY} different values"
        return f"colour {unpack(code)}" if self.encoding == "color" else str(code)


def align_lossy(summaries: list[MaskSummary], encoding: str) -> int:
    """Give the lossy masks of a data set one set of merged colours (returns how many).

    Each JPEG mask merged its near colours on its own (red may be 254,0,0 in one
    and 255,1,0 in another); merging them across masks, with the exact masks'
    colours as candidates too, makes one colour per class for the table.
    """
    lossy = [s for s in summaries if s.lossy and s.encoding == encoding and s.counts]
    if not lossy:
        return 0
    totals: dict[int, int] = {}
    for summary in summaries:
        if summary.encoding == encoding:
            for code, count in (summary.counts or {}).items():
                totals[code] = totals.get(code, 0) + count
    centres = list(lossy_masks.merge_near(totals, encoding, min_share=0.0))
    for summary in lossy:
        codes = np.fromiter(summary.counts, np.int64, len(summary.counts))
        snapped = lossy_masks.snap(codes, centres, encoding)
        merged: dict[int, int] = {}
        for code, target in zip(codes.tolist(), snapped.tolist()):
            merged[target] = merged.get(target, 0) + summary.counts[code]
        summary.counts, summary.distinct = merged, len(merged)
    return len(lossy)


def union_codes(summaries: list[MaskSummary], ignore: int | None = None) -> set[int]:
    codes: set[int] = set()
    for summary in summaries:
        if summary.counts is not None:
            codes.update(summary.counts)
    return codes - {ignore}


def detected_table(summaries: list[MaskSummary], encoding: str = "values",
                   ignore: int | None = None) -> tuple[int, ...]:
    """Class-table codes. Gray values keep their order in the files (0, 1, 2, 255: value 1
    is class 1); colours have none, so the background (black, else the most common
    colour) comes first and the rest follow by code: a pixel-count order would change
    the class ids whenever the data changes."""
    codes = union_codes(summaries, ignore)
    if encoding != "color" or not codes or 0 in codes:
        return tuple(sorted(codes))
    totals: dict[int, int] = {}
    for summary in summaries:
        for code, count in (summary.counts or {}).items():
            if code in codes:
                totals[code] = totals.get(code, 0) + count
    background = max(sorted(totals), key=totals.get)
    return (background, *sorted(codes - {background}))


def inherent_classes(kind: str, instances: str) -> int | None:
    """Kinds whose class count is fixed: binary 2, instances 2 or 3."""
    if kind == "binary":
        return 2
    if kind == "instances":
        return 3 if instances == "boundary" else 2
    return None


def default_classes(decoder: MaskDecoder, palette: list | None) -> list[ClassInfo]:
    """Names and colours shown until the person renames or recolours them."""
    k = decoder.num_classes
    if decoder.kind == "binary":
        names = ["background", "foreground"]
    elif decoder.kind == "instances":
        names = (["background", "interior", "boundary"] if decoder.instances == "boundary"
                 else ["background", "object"])
    else:
        names = ["background"] + [f"class {i}" for i in range(1, k)]
    colors = [default_color(i) for i in range(k)]
    if decoder.kind == "colors":
        colors = [unpack(c) if decoder.encoding == "color"
                  else (c, c, c) if c <= 255 else default_color(i)
                  for i, c in enumerate(decoder.table)]
        names = ["background" if c == 0 else f"class {i}" for i, c in enumerate(decoder.table)]
    elif decoder.kind == "palette" and palette:
        colors = [tuple(palette[i]) if i < len(palette) else default_color(i) for i in range(k)]
    return [ClassInfo(names[i], tuple(colors[i])) for i in range(min(k, MAX_CLASSES))]
