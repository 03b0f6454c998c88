"""Which reading of the masks the evidence supports: binary, label ids, palette,
a colour table or instance ids, and which value (if any) marks pixels to ignore.

The count of values alone misreads real data: a cell image with 20 cells holds
as few values as a 20-class label mask. So each reading needs evidence
(docs/data.md lists the rules):

- label ids (and palette indices, and colour tables) name the same things in
  every file: the masks share a small common set of values, and a class often
  forms several separate regions in one mask;
- instance ids number the objects of each file, 1..n with n varying from file to
  file (or never repeat across files), and each id is one connected blob.

When the evidence is thin (one mask, a constant n) the reading chosen is kept
but marked weak, and the scan's notes say why and how to choose the other one.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import Sequence

from .masks import MAX_TABLE, VOID, WHITE, MaskSummary, unpack
from .problems import plural

NUMBERED_SHARE = 0.8   # masks with several ids numbered 1..n, for the instance reading
SINGLE_BLOB_SHARE = 0.8  # ids that are one connected region, for the instance reading
MANY_IDS = 8           # numbered ids 1..n with n at least this are objects even if n is fixed
THIN_INTERIOR = 0.25   # a void band: at most this share of its pixels is far from its edge


@dataclass(frozen=True)
class Detection:
    """A reading of the masks, the evidence for it, and whether that evidence is weak."""

    kind: str
    evidence: str
    weak: bool = False
    other: str = ""  # the reading to choose instead when the weak one is wrong

    def note(self) -> str | None:
        if not self.weak:
            return None
        return (f"The masks were read as {WORDS[self.kind]} because {self.evidence}, but the "
                f"evidence is weak. If they hold {WORDS[self.other]}, choose the mask kind "
                f"'{self.other}'.")


WORDS = {"binary": "a binary foreground", "labels": "label ids (one value per class)",
         "palette": "palette indices (one index per class)",
         "colors": "a colour table (one value per class)",
         "instances": "instance ids (one value per object)"}


def ignore_candidate(encoding: str) -> int:
    return VOID[encoding]


def detect_ignore(summaries: Sequence[MaskSummary], encoding: str) -> tuple[int | None, str]:
    """VOC's void value (255, or its colour 224,224,192): the code and why, or (None, '').

    Proposed when it is a thin band (few of its pixels are more than 3 pixels from
    its edge) that touches objects (other non-zero values) in most masks holding it.
    A binary mask's 255 foreground is never one: it touches only the background.
    """
    code = VOID[encoding]
    holding = [s for s in summaries if code in s.border]
    if not holding:
        return None, ""
    pixels = sum(s.border[code][0] for s in holding)
    interior = sum(s.border[code][1] for s in holding)
    touches = sum(1 for s in holding if s.border[code][2])
    if pixels == 0 or interior > THIN_INTERIOR * pixels or touches * 2 < len(holding):
        return None, ""
    return code, (f"{describe(code, encoding)} is a thin band around objects in "
                  f"{touches} of {plural(len(holding), 'mask')} holding it ({interior / pixels:.0%} "
                  "of its pixels are more than 3 pixels from its edge), like VOC's void border")


def describe(code: int, encoding: str) -> str:
    return f"colour {unpack(code)}" if encoding == "color" else f"value {code}"


@dataclass(frozen=True)
class Evidence:
    """What the masks' values say about instances versus classes."""

    masks: int          # masks holding at least one non-background value
    multi: int          # masks holding two or more
    numbered: int       # of those: values exactly 1..n
    sizes: tuple[int, ...]  # n (values other than background) per mask that has any
    blob_ids: int       # (mask, value) pairs whose regions were counted
    single: int         # of those: one connected region
    shared: float       # in how many masks a value appears, on average
    common: tuple[int, ...]  # values found in at least half the masks

    @classmethod
    def of(cls, summaries: Sequence[MaskSummary], sets: Sequence[set[int]]) -> "Evidence":
        present = [ids for ids in sets if ids]
        multi = [ids for ids in present if len(ids) >= 2]
        numbered = sum(1 for ids in multi if ids == set(range(1, len(ids) + 1)))
        blob_ids = single = 0
        for summary, ids in zip(summaries, sets):
            for code in ids:
                if summary.blobs is not None and code in summary.blobs:
                    blob_ids += 1
                    single += summary.blobs[code] == 1
        seen: dict[int, int] = {}
        for ids in present:
            for code in ids:
                seen[code] = seen.get(code, 0) + 1
        shared = mean(seen.values()) if seen else 0.0
        common = tuple(sorted(c for c, n in seen.items() if n * 2 >= len(present)))
        return cls(len(present), len(multi), numbered, tuple(len(ids) for ids in present),
                   blob_ids, single, shared, common)

    @property
    def numbered_ok(self) -> bool:
        return self.multi > 0 and self.numbered >= NUMBERED_SHARE * self.multi

    @property
    def blobs_ok(self) -> bool:
        return self.blob_ids > 0 and self.single >= SINGLE_BLOB_SHARE * self.blob_ids

    @property
    def varying(self) -> bool:
        return len({n for n in self.sizes if n >= 2}) >= 2

    @property
    def unshared(self) -> bool:
        """Ids that (almost) never repeat across files: a global object counter."""
        return self.masks >= 2 and self.shared < 1.5 and mean(self.sizes) >= 2

    def instances(self) -> Detection | None:
        """The instance reading, when the evidence supports it."""
        if self.numbered_ok and self.blobs_ok and (self.varying or max(self.sizes) >= MANY_IDS):
            strong = self.multi >= 3 and self.varying and max(self.sizes) >= 4
            return Detection("instances", f"{self._numbered()} and {self._blobs()}",
                             not strong, "labels")
        if not self.numbered_ok and self.unshared and self.blobs_ok:
            return Detection("instances", f"{self._unshared()} and {self._blobs()}",
                             self.masks < 5, "labels")
        return None

    def classes(self, kind: str, lead: str = "") -> Detection:
        """The class reading (labels, palette or colours) with the evidence for it."""
        parts = [lead] if lead else []
        if self.common and self.masks >= 2:
            parts.append(f"the masks share the values {_listed(self.common)} (each in at least "
                         f"half of the {self.masks} masks)")
        if self.blob_ids and not self.blobs_ok:
            split = self.blob_ids - self.single
            parts.append(f"{split} of {self.blob_ids} values form several separate regions in "
                         "a mask")
        if not parts:
            parts.append("nothing suggests one value per object")
        weak = self.masks < 2 or (self.numbered_ok and self.blobs_ok)
        if self.numbered_ok and self.blobs_ok:
            parts.append(f"though {self._numbered()} and {self._blobs()}")
        return Detection(kind, ", ".join(parts), weak, "instances")

    def _numbered(self) -> str:
        sizes = [n for n in self.sizes if n >= 2]
        spread = (f"n from {min(sizes)} to {max(sizes)}" if min(sizes) != max(sizes)
                  else f"n = {sizes[0]} in each")
        return (f"{self.numbered} of the {plural(self.multi, 'mask')} with several values "
                f"number them 1..n ({spread})")

    def _blobs(self) -> str:
        return (f"{self.single} of {plural(self.blob_ids, 'value')} are one connected blob "
                f"each ({self.single / self.blob_ids:.0%})")

    def _unshared(self) -> str:
        return (f"a value appears in {self.shared:.1f} masks on average (of {self.masks}): "
                "ids that do not repeat across files")


def _listed(values: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(map(str, values[:limit]))
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def ids_of(summary: MaskSummary, ignore: int | None) -> set[int] | None:
    """A mask's values besides background and the ignore value (None: too many to keep)."""
    if summary.counts is None:
        return None
    return {c for c in summary.counts if c != 0 and c != ignore}


def detect_kind(summaries: Sequence[MaskSummary], encoding: str,
                ignore: int | None = None) -> Detection:
    """The mask kind that the evidence supports (see the module docstring)."""
    if not summaries:
        return Detection("binary", "no mask could be read")
    sets = [ids_of(s, ignore) for s in summaries]
    many = sum(1 for ids in sets if ids is None or len(ids) > MAX_TABLE)
    if many * 2 > len(summaries):
        return Detection("instances", f"{many} of {plural(len(summaries), 'mask')} "
                         f"{'holds' if many == 1 else 'hold'} more than {MAX_TABLE} different "
                         "values")
    kept = [(s, ids) for s, ids in zip(summaries, sets) if ids is not None]
    union = set().union(*(ids for _, ids in kept))
    evidence = Evidence.of([s for s, _ in kept], [ids for _, ids in kept])
    if encoding == "color":
        return _colors(union, evidence)
    if sum(1 for s in summaries if s.palette) * 2 > len(summaries):
        return evidence.instances() or evidence.classes(
            "palette", "the masks are palette PNGs, whose indices are classes")
    binary = _binary(union, summaries)
    if binary:
        return Detection("binary", binary)
    found = evidence.instances()
    if found:
        return found
    if max(union, default=0) < MAX_TABLE:
        return evidence.classes("labels", f"every value is below {MAX_TABLE}")
    if len(union) + 1 <= MAX_TABLE:
        return evidence.classes("colors", f"the masks hold {plural(len(union) + 1, 'value')} "
                                f"(some above {MAX_TABLE - 1}): a table of the values present")
    return Detection("instances", f"the masks hold {len(union) + 1} different values, more "
                     f"than a colour table of {MAX_TABLE}", True, "labels")


def _binary(union: set[int], summaries: Sequence[MaskSummary]) -> str:
    """Why the masks are binary ('' when they are not)."""
    if not union:
        return "every mask is all background"
    if union <= {1} or union <= {255}:
        return f"every mask holds only 0 and {max(union)}"
    if union <= {1, 255} and not any({1, 255} <= set(s.counts or ()) for s in summaries):
        return "every mask holds 0 and 1, or 0 and 255 (no mask both)"
    return ""


def _colors(union: set[int], evidence: Evidence) -> Detection:
    if union <= {WHITE}:
        return Detection("binary", "every mask is black and white")
    if evidence.unshared and evidence.blobs_ok:
        return Detection("instances", f"{evidence._unshared()} and {evidence._blobs()}",
                         evidence.masks < 5, "colors")
    if len(union) + 1 <= MAX_TABLE:
        return evidence.classes("colors", f"the masks hold {plural(len(union) + 1, 'colour')}")
    return Detection("instances", f"the masks hold {len(union) + 1} different colours, more "
                     f"than a colour table of {MAX_TABLE}", True, "colors")
