"""Scanning a data section into a DataSet: pairs, classes, split and every problem.

The scan reads every file once (all pages of every image are decoded, so a
truncated file is found now and not in the middle of an epoch), keeps only a
small summary per pair, reports progress and can be cancelled. Reading runs on
a few threads: Pillow and numpy release the GIL while they decode and count.
``check_ready`` is what training calls: it refuses data with unreported problems.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from components.base import Role

from .dataset_info import DataSet, PairInfo
from .detect import Detection, describe, detect_ignore, detect_kind
from .images import ImageInfo, describe_error, probe, read_mask, verify
from .masks import (MaskDecoder, MaskSummary, add_instance_counts, align_lossy, codes_of,
                    default_classes, detected_table, inherent_classes, pack, summarize,
                    union_codes, unpack)
from .pairing import Pair, shown
from .problems import DataProblemsError, Problem, ScanCancelled, plural
from .sources import resolve
from .spec import IGNORE_AUTO, IGNORE_NONE, MAX_CLASSES, DataSpec, parse_data
from .split import assign_splits

if TYPE_CHECKING:
    from app.project import Project

Progress = Callable[[int, int, str], None]
CHUNK = 32


@dataclass
class _Reader:
    """Reads pairs on a thread pool, in chunks, checking for cancellation."""

    base: Path
    progress: Progress
    cancel: threading.Event | None
    workers: int

    def map(self, function: Callable[[Any], Any], items: list, message: str) -> list:
        results: list = []
        with ThreadPoolExecutor(self.workers) as pool:
            for start in range(0, len(items), CHUNK):
                self.check()
                results += list(pool.map(function, items[start:start + CHUNK]))
                self.progress(len(results), len(items), message)
        return results

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ScanCancelled("scan cancelled")


def scan(data: dict[str, Any] | DataSpec, base: Path, progress: Progress | None = None,
         cancel: threading.Event | None = None, workers: int | None = None) -> DataSet:
    """Describe the data section's data set; ScanCancelled if ``cancel`` gets set."""
    spec = data if isinstance(data, DataSpec) else parse_data(data)
    reader = _Reader(Path(base), progress or (lambda done, total, message: None), cancel,
                     workers or min(8, os.cpu_count() or 1))
    reader.progress(0, 0, "Listing files")
    source = resolve(spec, Path(base))
    pairing = source.pair()
    reader.check()
    dataset = DataSet(spec=source.spec, description=source.description, base=source.base,
                      problems=list(pairing.problems), notes=source.notes + pairing.notes,
                      found=len(pairing.pairs), found_keys=[p.key for p in pairing.pairs])
    wants_instances = source.spec.mask_kind == "instances"
    results = reader.map(lambda pair: _read_pair(pair, source.base, wants_instances),
                         pairing.pairs, "Reading images and masks")
    infos = [info for info, _ in results if info is not None]
    for _, problems in results:
        dataset.problems += problems
    reader.progress(len(results), len(results), "Checking classes")
    infos = _keep_main_encoding(infos, dataset)
    if _decide_classes(dataset, infos):
        _palette_conflicts(dataset, infos)
        if dataset.decoder.kind == "instances":
            _complete_instances(reader, infos, dataset.decoder.ignore)
        _count_classes(dataset, infos)
        _unused_ids(dataset, infos)
    _finish(dataset, infos)
    return dataset


def check_ready(project: "Project", dataset: DataSet | None = None) -> DataSet:
    """The project's data set, or DataProblemsError listing every unreported problem.

    Training calls this before it starts: data with problems the person has not
    seen and accepted (by skipping those pairs) is never trained on, and a Target
    or Input that does not fit the data is a problem too.
    """
    dataset = dataset or scan(project.data, project.folder)
    problems = ready_problems(project, dataset)
    if problems:
        raise DataProblemsError(problems)
    return dataset


def ready_problems(project: "Project", dataset: DataSet) -> list[Problem]:
    """What stops training: the data's problems not skipped, and a model that does not fit."""
    return dataset.unreported + _model_problems(project, dataset)


def _model_problems(project: "Project", dataset: DataSet) -> list[Problem]:
    problems = []
    if project.graph.source_node() is None:
        problems.append(Problem("the model", "has no Input component, so the data has no size "
                                "and channels to be fitted to; add an Input"))
    sinks, sources = (project.graph.nodes_with_role(role) for role in (Role.SINK, Role.SOURCE))
    for node in project.graph.nodes:
        if (node in sinks and dataset.pairs  # no data: its own problems say why
                and node.settings.get("classes") != dataset.num_classes):
            problems.append(Problem(f"Target '{node.id}'", f"has {node.settings.get('classes')} "
                                    f"classes but the data has {dataset.num_classes} "
                                    f"({', '.join(c.name for c in dataset.classes)}); set its "
                                    "classes or run the data wizard"))
        if node in sources and node.settings.get("channels") not in (1, 3):
            problems.append(Problem(f"Input '{node.id}'", f"has {node.settings.get('channels')} "
                                    "channels; image data gives 1 (gray) or 3 (colour)"))
    return problems


def _read_pair(pair: Pair, base: Path, instances: bool) -> tuple[PairInfo | None, list[Problem]]:
    """Probe and decode one pair; every failure becomes a Problem naming the file."""
    image_name, mask_name = shown(pair.image, base), shown(pair.mask, base)
    problems: list[Problem] = []
    image = _attempt(lambda: _probe_and_verify(pair.image), image_name, pair.key, problems)
    mask = _attempt(lambda: probe(pair.mask), mask_name, pair.key, problems)
    if image is None or mask is None:
        return None, problems
    size_problem = _size_problem(image, mask, image_name)
    if size_problem:
        problems.append(Problem(mask_name, size_problem, pair.key))
        return None, problems
    summary = _attempt(lambda: _summarize_pages(pair.mask, mask.pages, instances, mask.lossy),
                       mask_name, pair.key, problems)
    if summary is None:
        return None, problems
    return PairInfo(pair, image.width, image.height, image.pages, image.channels, image.bits,
                    summary, page_sizes=image.page_sizes), problems


def _size_problem(image: ImageInfo, mask: ImageInfo, image_name: str) -> str:
    """Why a mask does not fit its image ('' when it does): pages, and every page's size."""
    if mask.pages != image.pages:
        return (f"mask has {plural(mask.pages, 'page')} but its image {image_name} has "
                f"{image.pages}")
    sizes = zip(mask.page_sizes or [(mask.width, mask.height)],
                image.page_sizes or [(image.width, image.height)])
    for page, ((mw, mh), (iw, ih)) in enumerate(sizes):
        if (mw, mh) != (iw, ih):
            if image.pages == 1:
                return f"mask is {mw}x{mh} but its image {image_name} is {iw}x{ih}"
            return (f"mask page {page + 1} is {mw}x{mh} but page {page + 1} of its image "
                    f"{image_name} is {iw}x{ih} (of {image.pages} pages)")
    return ""


def _attempt(work: Callable[[], Any], name: str, key: str, problems: list[Problem]) -> Any:
    try:
        return work()
    except Exception as error:  # any decoding failure is the file's problem, reported
        problems.append(Problem(name, describe_error(error), key))
        return None


def _probe_and_verify(path: Path):
    info = probe(path)
    verify(path, info.pages)
    return info


def _summarize_pages(path: Path, pages: int, instances: bool, lossy: bool) -> MaskSummary:
    summaries = []
    for page in range(pages):
        raw, palette = read_mask(path, page)
        summaries.append(summarize(raw, palette is not None, instances, lossy, palette))
    return _merge(summaries)


def _merge(summaries: list[MaskSummary]) -> MaskSummary:
    if len(summaries) == 1:
        return summaries[0]
    first = summaries[0]
    counts: dict[int, int] | None = {}
    for summary in summaries:
        if summary.counts is None or counts is None:
            counts = None
            continue
        for code, n in summary.counts.items():
            counts[code] = counts.get(code, 0) + n
    merged = MaskSummary(first.encoding, first.palette,
                         len(counts) if counts is not None else max(s.distinct for s in summaries),
                         counts, lossy=first.lossy, colors=first.colors,
                         blended=any(s.blended for s in summaries))
    for mode in ("foreground", "boundary"):
        if all(mode in s.instance_counts for s in summaries):
            merged.instance_counts[mode] = [sum(v) for v in zip(*(s.instance_counts[mode]
                                                                  for s in summaries))]
    merged.instance_ignored = sum(s.instance_ignored for s in summaries)
    if all(s.blobs is not None for s in summaries):  # an id on several pages: one blob a page
        merged.blobs = {}
        for summary in summaries:
            for code, blobs in (summary.blobs or {}).items():
                merged.blobs[code] = max(blobs, merged.blobs.get(code, 0))
    for summary in summaries:
        for code, (pixels, inner, touches) in summary.border.items():
            old = merged.border.get(code, (0, 0, False))
            merged.border[code] = (old[0] + pixels, old[1] + inner, old[2] or touches)
    return merged


def _keep_main_encoding(infos: list[PairInfo], dataset: DataSet) -> list[PairInfo]:
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


def _decide_classes(dataset: DataSet, infos: list[PairInfo]) -> bool:
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


def _palette_conflicts(dataset: DataSet, infos: list[PairInfo]) -> None:
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


def _complete_instances(reader: _Reader, infos: list[PairInfo], ignore: int | None) -> None:
    """Instance histograms for masks that did not look like instances on their own (or
    were counted before the ignore value was known)."""
    missing = [info for info in infos if not info.summary.instance_counts
               or info.summary.instance_ignore != ignore]

    def add(info: PairInfo) -> None:
        info.summary.instance_counts, info.summary.instance_ignored = {}, 0
        for page in range(info.pages):
            codes, _ = codes_of(read_mask(info.pair.mask, page)[0])
            part = MaskSummary(info.summary.encoding, info.summary.palette, 0, None)
            add_instance_counts(part, codes, ignore)
            info.summary.instance_ignored += part.instance_ignored
            for mode, hist in part.instance_counts.items():
                old = info.summary.instance_counts.get(mode, [0] * len(hist))
                info.summary.instance_counts[mode] = [a + b for a, b in zip(old, hist)]
        info.summary.instance_ignore = ignore

    reader.map(add, missing, "Reading instance masks")


def _count_classes(dataset: DataSet, infos: list[PairInfo]) -> None:
    decoder = dataset.decoder
    for info in infos:
        info.class_pixels, bad = decoder.class_counts(info.summary)
        info.ignored_pixels = decoder.ignored_pixels(info.summary)
        if bad:
            values = ", ".join(decoder.describe_code(code) for code in bad)
            dataset.problems.append(Problem(shown(info.pair.mask, dataset.base),
                                            f"mask values outside the class set: {values} "
                                            f"(the classes are {decoder.allowed()})", info.key))


def _unused_ids(dataset: DataSet, infos: list[PairInfo]) -> None:
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


def _finish(dataset: DataSet, infos: list[PairInfo]) -> None:
    """Leave out pairs with problems or on the skip list; split the rest."""
    bad = {p.key for p in dataset.problems if p.key is not None}
    skip = dataset.spec.skip
    dataset.pairs = [i for i in infos if i.key not in bad and i.key not in skip]
    dataset.skipped = sorted((bad | {i.key for i in infos}) & skip)
    spec = dataset.spec
    if spec.split_folders:
        for info in dataset.pairs:
            info.split = info.pair.split or "train"
    else:
        present = [{c for c, n in enumerate(i.class_pixels) if n} for i in dataset.pairs]
        splits = assign_splits([i.key for i in dataset.pairs], present, spec.split, spec.seed)
        for info, split in zip(dataset.pairs, splits):
            info.split = split
    _whole_set_problems(dataset)


def _whole_set_problems(dataset: DataSet) -> None:
    if dataset.found and not dataset.pairs:
        which = ("the only pair cannot" if dataset.found == 1
                 else f"none of the {dataset.found} pairs can")
        dataset.problems.append(Problem(dataset.description, f"{which} be used: nothing is left "
                                        "to train on"))
    elif dataset.pairs and not dataset.split_pairs("train"):
        dataset.problems.append(Problem(dataset.description, "the train split is empty"))


def problem_keys(problems: Iterable[Problem]) -> list[str]:
    """The keys the wizard writes to data.skip to leave every bad pair out."""
    return sorted({p.key for p in problems if p.key is not None})
