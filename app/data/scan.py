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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from components.base import Role

from .class_decision import (count_classes, decide_classes, keep_main_encoding,
                             palette_conflicts, unused_ids)
from .dataset_info import DataSet, PairInfo
from .images import ImageInfo, describe_error, probe, read_mask, verify
from .masks import MaskSummary, add_instance_counts, codes_of, summarize
from .pairing import Pair, shown
from .problems import DataProblemsError, Problem, ScanCancelled, plural
from .sources import resolve
from .spec import DataSpec, parse_data
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
    infos = keep_main_encoding(infos, dataset)
    if decide_classes(dataset, infos):
        palette_conflicts(dataset, infos)
        if dataset.decoder.kind == "instances":
            _complete_instances(reader, infos, dataset.decoder.ignore)
        count_classes(dataset, infos)
        unused_ids(dataset, infos)
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
