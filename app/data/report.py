"""The scan as JSON for ``main.py data PROJECT`` (the contract is in DESIGN.md).

A person checks a data set from a terminal or a CI job before training: the
pairs per split, the mask kind and the evidence for it, the classes with their
pixel counts, every problem with its file, and the notes. Problems the project
skips are listed under ``skipped`` rather than ``problems``, since they do not
stop training.
"""
from __future__ import annotations

from typing import Any

from .dataset_info import DataSet
from .detect import describe
from .problems import Problem
from .split import SPLITS


def scan_report(dataset: DataSet, problems: list[Problem]) -> dict[str, Any]:
    """The JSON object; ``problems`` are those that stop training (DataSet.unreported and
    the model's, see scan.ready_problems)."""
    pixels = dataset.class_pixels()
    decoder = dataset.decoder
    ignore = None
    if decoder.ignore is not None:
        ignore = {"value": describe(decoder.ignore, decoder.encoding),
                  "pixels": dataset.ignored_pixels(), "reason": dataset.ignore_reason}
    skipped = [p for p in dataset.problems if p not in problems]
    return {"source": dataset.description,
            "pairs": {split: len(dataset.split_pairs(split)) for split in SPLITS},
            "mask_kind": decoder.kind, "evidence": dataset.evidence,
            "classes": [{"name": c.name, "color": list(c.color),
                         "pixels": pixels[i] if i < len(pixels) else 0}
                        for i, c in enumerate(dataset.classes)],
            "ignore": ignore,
            "problems": [{"file": p.file, "message": p.message} for p in problems],
            "skipped": [{"file": p.file, "message": p.message} for p in skipped],
            "notes": list(dataset.notes)}
