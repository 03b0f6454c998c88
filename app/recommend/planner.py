"""The recommended model: Input -> UNet -> Target planned from a data set (no Qt).

The rules follow nnU-Net's 2D experiment planner and are stated, with their
reasons, in docs/recommend.md; every number a rule uses is a constant here.
``recommend`` returns a proposal and changes nothing: the window shows it and
applies it as one undo step.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from app.data.dataset_info import DataSet
from app.data.spec import ClassInfo
from components.graph import GraphDocument
from components.serialize import graph_to_dict

from .fingerprint import Fingerprint, fingerprint
from .memory import MemoryBudget, MemoryEstimate, device_budget, estimate_memory
from .reasons import explain
from .recommendation import Attempt, Recommendation
from .rules import (BASE_FILTERS, BATCH_SHARE, MAX_BOTTLENECK, MAX_FILTERS, MIN_BATCH,
                    MIN_FILTERS, RESIZE_SLACK, UNET_STYLE, fit_size, max_depth, rare_classes,
                    shrink, training_settings)

Estimator = Callable[[GraphDocument], MemoryEstimate]


def recommend(dataset: DataSet, budget: MemoryBudget | None = None,
              estimate: Estimator = estimate_memory) -> Recommendation:
    """Plan Input -> UNet -> Target and training for a scanned data set."""
    fp = fingerprint(dataset)
    budget = budget or device_budget()
    max_side = MAX_BOTTLENECK * 2 ** max_depth()
    depth, size = fit_size(tuple(min(max(m, 8), max_side) for m in fp.median_size))
    filters, attempts = BASE_FILTERS, []
    while True:
        memory = estimate(build_graph(fp, size, depth, filters))
        fitting = memory.largest_batch(budget.bytes)
        if fitting >= MIN_BATCH:
            break
        attempts.append(Attempt(size, filters, memory.total(MIN_BATCH)))
        smaller = shrink(size, fp.median_size, depth)
        if smaller[1] != size:
            depth, size = smaller
        elif filters > MIN_FILTERS:
            filters //= 2
        else:
            break
    fit = "resize" if all(s >= RESIZE_SLACK * m for s, m in zip(size, fp.median_size)) else "tile"
    samples = fp.samples(fit, size)
    batch = max(MIN_BATCH, min(fitting, math.floor(BATCH_SHARE * samples)))
    doc = build_graph(fp, size, depth, filters)
    rec = Recommendation(
        graph=graph_to_dict(doc), training=training_settings(samples, batch),
        data={"fit": fit}, classes=list(fp.classes), fingerprint=fp,
        input_size=size, depth=depth, base_filters=filters, fit=fit, samples=samples,
        batch_size=batch, memory=memory, budget=budget, fits=fitting >= MIN_BATCH,
        attempts=attempts)
    _weigh_classes(rec)
    explain(rec, fitting)
    return rec












def build_graph(fp: Fingerprint, size: tuple[int, int], depth: int,
                filters: int) -> GraphDocument:
    """The proposed Input -> UNet -> Target document."""
    doc = GraphDocument()
    doc.add_node("Input", (0.0, 0.0), {"channels": fp.channels, "height": size[0],
                                       "width": size[1], "normalization": "per_image"},
                 node_id="input")
    unet = {**UNET_STYLE, "depth": depth, "base_filters": filters, "max_filters": MAX_FILTERS}
    doc.add_node("UNet", (280.0, 0.0), unet, node_id="unet")
    doc.add_node("Target", (560.0, 0.0), {"classes": max(2, len(fp.classes)), "loss": "dice_ce"},
                 node_id="target")
    doc.connect("input", "out", "unet", "in")
    doc.connect("unet", "out", "target", "in")
    return doc






def _weigh_classes(rec: Recommendation) -> None:
    """class_weights "auto" when a class is rare (under RARE_SHARE of the pixels)."""
    target = next(n for n in rec.graph["nodes"] if n["id"] == "target")
    target["settings"]["class_weights"] = "auto" if rare_classes(rec.fingerprint) else "none"
