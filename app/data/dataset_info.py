"""The result of a scan: usable pairs with their split, classes, problems, statistics.

Plain data (picklable), so a DataLoader's worker processes receive it as is and
the wizard can show it without reading a file again.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .masks import MaskDecoder, MaskSummary, unpack
from .pairing import Pair
from .problems import Problem
from .spec import IGNORE_INDEX, IGNORE_NONE, ClassInfo, DataSpec
from .split import SPLITS


@dataclass
class PairInfo:
    """One usable pair: what its header said and how many pixels each class has."""

    pair: Pair
    width: int
    height: int
    pages: int
    channels: int
    bits: int
    summary: MaskSummary
    split: str = ""
    class_pixels: list[int] = field(default_factory=list)
    page_sizes: tuple[tuple[int, int], ...] = ()  # (width, height) of each page
    ignored_pixels: int = 0

    @property
    def key(self) -> str:
        return self.pair.key

    def page_size(self, page: int) -> tuple[int, int]:
        """(height, width) of one page: the pages of a stack may differ in size."""
        if page < len(self.page_sizes):
            width, height = self.page_sizes[page]
            return height, width
        return self.height, self.width

    def page_name(self, page: int) -> str:
        """The image as the scan shows it, with ``#page`` (1 = first) for a stack's page."""
        return f"{self.key}#{page + 1}" if self.pages > 1 else self.key


@dataclass(frozen=True)
class Tally:
    """How many pairs a scan found and what became of them (for the wizard's texts)."""

    found: int       # pairs whose image and mask were both found
    bad_pairs: int   # of those: with a problem
    unpaired: int    # files (or CSV lines) with a problem that make no pair
    skipped: int     # pairs without a problem that the person left out
    usable: int      # pairs that will be trained on
    problems: int
    blocking: int    # problems no skip can remove (a missing folder, ...)


@dataclass
class DataSet:
    """A scanned data set. ``pairs`` holds only pairs that can be trained on."""

    spec: DataSpec
    description: str
    base: Path
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    found: int = 0
    pairs: list[PairInfo] = field(default_factory=list)
    encoding: str = "values"
    decoder: MaskDecoder = field(default_factory=lambda: MaskDecoder("binary", 2))
    classes: list[ClassInfo] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    found_keys: list[str] = field(default_factory=list)  # every pair found, readable or not
    evidence: str = ""        # why the mask kind was chosen (shown by `main.py data`)
    ignore_reason: str = ""   # why pixels are ignored ('' when none are)

    @property
    def num_classes(self) -> int:
        return self.decoder.num_classes

    @property
    def ignore_index(self) -> int | None:
        """The class id of pixels to leave out of losses and metrics (spec.IGNORE_INDEX),
        or None when the masks have no ignore value (set or detected)."""
        return IGNORE_INDEX if self.decoder.ignore is not None else None

    def ignored_pixels(self, split: str | None = None) -> int:
        return sum(p.ignored_pixels for p in self.pairs if split is None or p.split == split)

    @property
    def channels(self) -> int:
        """1 when every image is gray, else 3."""
        return 3 if any(p.channels == 3 for p in self.pairs) else 1

    @property
    def deep(self) -> bool:
        """True when some image has more than 8 bits per channel."""
        return any(p.bits > 8 for p in self.pairs)

    @property
    def unreported(self) -> list[Problem]:
        """Problems the person has not accepted by skipping their pair."""
        return [p for p in self.problems if not p.skippable or p.key not in self.spec.skip]

    @property
    def bad_keys(self) -> list[str]:
        """Every pair (or stray file) with a problem: what "skip the bad pairs" skips."""
        return sorted({p.key for p in self.problems if p.key is not None})

    def tally(self) -> "Tally":
        """The counts a person reads, made to agree: pairs found = bad + skipped + usable."""
        bad = set(self.bad_keys)
        found = set(self.found_keys)
        return Tally(found=self.found, bad_pairs=len(bad & found), unpaired=len(bad - found),
                     skipped=len(set(self.spec.skip) & found - bad), usable=len(self.pairs),
                     problems=len(self.problems),
                     blocking=sum(1 for p in self.problems if not p.skippable))

    def split_pairs(self, split: str) -> list[PairInfo]:
        return [p for p in self.pairs if p.split == split]

    def counts(self) -> dict[str, dict[str, int]]:
        """Pairs and pages (samples before tiling) per split."""
        return {s: {"pairs": len(self.split_pairs(s)),
                    "pages": sum(p.pages for p in self.split_pairs(s))} for s in SPLITS}

    def class_pixels(self, split: str | None = None) -> list[int]:
        totals = [0] * self.num_classes
        for info in self.pairs:
            if split is None or info.split == split:
                for c, n in enumerate(info.class_pixels[:self.num_classes]):
                    totals[c] += n
        return totals

    def pairs_with_class(self, split: str | None = None) -> list[int]:
        found = [0] * self.num_classes
        for info in self.pairs:
            if split is None or info.split == split:
                for c, n in enumerate(info.class_pixels[:self.num_classes]):
                    found[c] += bool(n)
        return found

    def sizes(self) -> Counter:
        """(width, height) -> number of pairs."""
        return Counter((p.width, p.height) for p in self.pairs)

    def detected_mask(self) -> dict[str, Any]:
        """The ``mask`` entry that reproduces this detection (kind, table)."""
        decoder = self.decoder
        mask: dict[str, Any] = {"kind": decoder.kind}
        if decoder.kind == "instances":
            mask["instances"] = decoder.instances
        if decoder.kind == "colors" and decoder.encoding == "color":
            mask["colors"] = [list(unpack(c)) for c in decoder.table]
        elif decoder.kind == "colors":
            mask["values"] = list(decoder.table)
        if decoder.ignore is not None:
            mask["ignore"] = (list(unpack(decoder.ignore)) if decoder.encoding == "color"
                              else decoder.ignore)
        elif self.spec.ignore == IGNORE_NONE:
            mask["ignore"] = IGNORE_NONE
        return mask
