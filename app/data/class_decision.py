"""Deciding what the masks' values mean: the mask kind, the class table, the ignore value.

The scan reads every mask into a small summary (value counts, palettes, instance
evidence); this module turns those summaries into a MaskDecoder and the classes, and
reports what does not fit (masks of the other encoding, palettes that disagree,
values outside the class set, label ids no mask uses). docs/data.md states the rules.
"""
from __future__ import annotations

from collections import Counter

from .dataset_info import DataSet, PairInfo
from .detect import Detection, describe, detect_ignore, detect_kind
from .images import read_mask
from .masks import (MaskDecoder, MaskSummary, align_lossy, default_classes, detected_table,
                    inherent_classes, pack, union_codes, unpack)
from .pairing import shown
from .problems import Problem, plural
from .spec import IGNORE_AUTO, IGNORE_NONE, MAX_CLASSES


def keep_main_encoding(infos: list[PairInfo], dataset: DataSet) -> list[PairInfo]:
    """Masks must agree on being values (gray, label, palette) or colours."""
    if not infos:
        return infos
    counts = Counter(info.summary.encoding for info in infos)
    main = "values" if counts["values"] >= counts["color"] else "color"
    words = {"values": "gray/label image", "color": "colour image"}
    kept = []
    for info in infos:
        if info.summary.encoding == main:
            kept.append(info)
            continue
        dataset.problems.append(Problem(shown(info.pair.mask, dataset.base),
                                        f"mask is a {words[info.summary.encoding]} but most masks "
                                        f"are {words[main]}s ({counts[main]} of {len(infos)})",
                                        info.key))
    dataset.encoding = main
    return kept


def decide_classes(dataset: DataSet, infos: list[PairInfo]) -> bool:
    """The mask kind, the ignore value and the classes; False when the kind the person
    chose cannot read these masks (then nothing is counted)."""
    spec, summaries = dataset.spec, [info.summary for info in infos]
    lossy = align_lossy(summaries, dataset.encoding)
    if lossy:
        dataset.notes.append(f"{plural(lossy, 'mask')} {_are(lossy)} JPEG data, whose "
                             "compression changes colours: each pixel gets the class of the "
                             "nearest class colour (value). Save masks as PNG to keep them exact.")
    blended = sum(1 for s in summaries if s.blended)
    if blended:
        dataset.notes.append(f"{plural(blended, 'mask')} {_have(blended)} blended "
                             "(anti-aliased) edges between two values: each edge pixel was "
                             "given the nearer of the two.")
    ignore = _ignore(dataset, summaries)
    detection = (detect_kind(summaries, dataset.encoding, ignore) if spec.mask_kind == "auto"
                 else Detection(spec.mask_kind, "it is the mask kind chosen in the data settings"))
    dataset.evidence = detection.evidence
    if detection.note():
        dataset.notes.append(detection.note())
    kind = detection.kind
    if kind == "palette" and not _palette_masks(dataset, infos):
        dataset.decoder = MaskDecoder("palette", max(len(spec.classes or ()), 2), dataset.encoding)
        dataset.classes = list(spec.classes or ()) or default_classes(dataset.decoder, None)
        return False
    table: tuple[int, ...] = ()
    count = inherent_classes(kind, spec.instances)
    if kind == "colors":
        given = spec.colors if dataset.encoding == "color" else spec.values
        table = (tuple(pack(c) if dataset.encoding == "color" else c for c in given) if given
                 else detected_table(summaries, dataset.encoding, ignore))
        count = len(table)
    elif kind == "binary" and dataset.encoding == "values":
        table = (0, 1) if union_codes(summaries, ignore) <= {0, 1} else (0, 255)
    elif count is None:
        count = (len(spec.classes) if spec.classes
                 else max(union_codes(summaries, ignore), default=1) + 1)
    _class_count_problems(dataset, kind, count, ignore)
    count = min(count, MAX_CLASSES - (ignore is not None))
    dataset.decoder = MaskDecoder(kind, max(count, 2), dataset.encoding, table, spec.instances,
                                  ignore)
    palette = _first_palette(infos)
    dataset.classes = list(spec.classes) if spec.classes and len(spec.classes) == max(count, 2) \
        else default_classes(dataset.decoder, palette)
    return True


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


def _class_count_problems(dataset: DataSet, kind: str, count: int, ignore: int | None) -> None:
    spec, where = dataset.spec, dataset.description
    limit = MAX_CLASSES - (ignore is not None)
    if count > limit:
        dataset.problems.append(Problem(where, f"the masks hold {count} different values, more "
                                        f"than {limit} classes; if they are instance ids "
                                        "(one value per object) choose the mask kind 'instances'"))
    if spec.classes and len(spec.classes) != max(min(count, limit), 2):
        dataset.problems.append(Problem(where, f"data.classes names {len(spec.classes)} classes "
                                        f"but the {kind} masks have {count}; fix the list (or let "
                                        "the wizard detect it again)"))


def _ignore(dataset: DataSet, summaries: list[MaskSummary]) -> int | None:
    """The code of the pixels to ignore: the person's, or VOC's void border detected."""
    setting, encoding = dataset.spec.ignore, dataset.encoding
    if setting == IGNORE_NONE:
        return None
    if setting == IGNORE_AUTO:
        code, why = detect_ignore(summaries, encoding)
        if code is not None:
            dataset.ignore_reason = why
            dataset.notes.append(f"Pixels of {describe(code, encoding)} are ignored (left out "
                                 f"of training and metrics, drawn hatched) because {why}. To "
                                 "make them a class, set 'Ignore pixels' to 'none'.")
        return code
    if isinstance(setting, tuple):
        code = pack(setting) if encoding == "color" else setting[0]
    else:
        code = pack((setting,) * 3) if encoding == "color" else setting
    dataset.ignore_reason = "it is the ignore value set in the data settings"
    return code


def _palette_masks(dataset: DataSet, infos: list[PairInfo]) -> bool:
    """Mask kind 'palette' needs palette PNGs: a few others are bad pairs, many a mistake."""
    others = [info for info in infos if not info.summary.palette]
    if not others:
        return True
    what = "colour images" if dataset.encoding == "color" else "gray images"
    first = shown(others[0].pair.mask, dataset.base)
    if len(others) * 2 >= len(infos):
        dataset.problems.append(Problem(dataset.description, f"the mask kind is 'palette' but "
                                        f"{len(others)} of {plural(len(infos), 'mask')} are "
                                        f"{what}, not palette PNGs (first: {first}); choose the "
                                        "mask kind 'auto' or 'labels'"))
        return False
    for info in others:
        dataset.problems.append(Problem(shown(info.pair.mask, dataset.base), "is not a palette "
                                        "PNG, but the mask kind is 'palette'", info.key))
    return True


def palette_conflicts(dataset: DataSet, infos: list[PairInfo]) -> None:
    """Palette indices are classes only if every mask's palette agrees on them: tools
    that order a palette by first use give red index 1 in one file and 2 in the next."""
    if dataset.decoder.kind != "palette":
        return
    seen: dict[int, tuple[int, PairInfo]] = {}
    for info in infos:
        for index, color in sorted((info.summary.colors or {}).items()):
            first = seen.setdefault(index, (color, info))
            if first[0] != color:
                dataset.problems.append(Problem(
                    shown(info.pair.mask, dataset.base), f"palette index {index} is colour "
                    f"{unpack(color)} here but {unpack(first[0])} in "
                    f"{shown(first[1].pair.mask, dataset.base)}: an index must mean one class in "
                    "every mask (save the masks with one palette)", info.key))
                break


def _first_palette(infos: list[PairInfo]) -> list | None:
    for info in infos:
        if info.summary.palette:
            try:
                return read_mask(info.pair.mask)[1]
            except Exception:  # already read once in the scan; only colours are lost
                return None
    return None


def count_classes(dataset: DataSet, infos: list[PairInfo]) -> None:
    decoder = dataset.decoder
    for info in infos:
        info.class_pixels, bad = decoder.class_counts(info.summary)
        info.ignored_pixels = decoder.ignored_pixels(info.summary)
        if bad:
            values = ", ".join(decoder.describe_code(code) for code in bad)
            dataset.problems.append(Problem(shown(info.pair.mask, dataset.base),
                                            f"mask values outside the class set: {values} "
                                            f"(the classes are {decoder.allowed()})", info.key))


def unused_ids(dataset: DataSet, infos: list[PairInfo]) -> None:
    """Label ids the masks skip still become classes: say so, and how to avoid it."""
    decoder = dataset.decoder
    if decoder.kind not in ("labels", "palette") or not infos:
        return
    used = [any(c < len(i.class_pixels) and i.class_pixels[c] for i in infos)
            for c in range(decoder.num_classes)]
    unused = [c for c, u in enumerate(used) if not u]
    if unused:
        present = ", ".join(str(c) for c, u in enumerate(used) if u)
        dataset.notes.append(f"Mask values {_ranges(unused)} appear in no mask, yet as "
                             f"{decoder.kind} ids they are classes ({decoder.num_classes} in all). "
                             f"To keep only the values present ({present}), choose the mask kind "
                             "'colors'.")


def _ranges(ids: list[int]) -> str:
    parts: list[tuple[int, int]] = []
    for c in ids:
        if parts and parts[-1][1] == c - 1:
            parts[-1] = (parts[-1][0], c)
        else:
            parts.append((c, c))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)
