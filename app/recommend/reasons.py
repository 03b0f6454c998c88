"""The recommendation's reasons, one sentence per decision (no Qt).

Kept apart from the rules so the planner reads as arithmetic and the wording
can change without touching it. Every sentence names the numbers it rests on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING


from . import rules
from .memory import gib

if TYPE_CHECKING:
    from .recommendation import Recommendation


def explain(rec: "Recommendation", fitting: int) -> None:
    """Fill ``rec.reasons`` and ``rec.warnings``."""
    fp, (h, w), d = rec.fingerprint, rec.input_size, rec.depth
    reasons, warnings = rec.reasons, rec.warnings
    split = "training" if fp.split == "train" else "(no training split: all)"
    mh, mw = fp.median_size
    reasons.append(f"Input channels {fp.channels}: "
                   + ("every image is gray." if fp.channels == 1 else "the images are in colour."))
    sizes = (f"{fp.smallest[0]}x{fp.smallest[1]} to {fp.largest[0]}x{fp.largest[1]}"
             if fp.smallest != fp.largest else "all the same size")
    reasons.append(f"The median {split} image is {mh}x{mw} (height x width; {fp.images} "
                   f"images, {sizes}).")
    reasons.append(_size_reason(rec))
    bottleneck = f"{h // 2 ** d}x{w // 2 ** d}"
    capped = (f"; the U-Net component goes no deeper than {rules.max_depth()}"
              if d == rules.max_depth() and min(h, w) // 2 ** d >= 2 * rules.MIN_BOTTLENECK else "")
    reasons.append(f"Depth {d}: halving {h}x{w} {d} times leaves a {bottleneck} px bottleneck "
                   f"(nnU-Net pools until {rules.MIN_BOTTLENECK} to {2 * rules.MIN_BOTTLENECK - 1} px "
                   f"remain{capped}).")
    reasons.append(_filters_reason(rec))
    reasons.extend(_memory_reasons(rec, fitting))
    reasons.append(_batch_reason(rec, fitting))
    steps = -(-rec.samples // rec.batch_size)
    reasons.append(f"Epochs {rec.training['epochs']}: about {rules.TARGET_STEPS:,} optimizer steps "
                   f"at {steps} per epoch, kept within {rules.MIN_EPOCHS} to {rules.MAX_EPOCHS} (a first "
                   "run; nnU-Net trains 1,000 epochs of 250 steps). Adam, learning rate 0.001.")
    reasons.append("Each image is standardized to zero mean and unit variance (nnU-Net's "
                   "normalization for images other than CT).")
    names = ", ".join(c.name for c in rec.classes)
    reasons.append(f"{len(rec.classes)} classes, names and colours from the data: {names}.")
    reasons.extend(_loss_reasons(rec))
    warnings.extend(f"Class '{rec.classes[i].name}' has no pixels in the {split} images: the "
                    "model cannot learn it." for i, n in enumerate(fp.class_pixels) if n == 0)
    if not rec.fits:
        warnings.append(f"Even {h}x{w} with {rec.base_filters} filters needs "
                        f"{gib(rec.memory.total(rules.MIN_BATCH))} for a batch of {rules.MIN_BATCH}, "
                        f"more than {rec.budget.source} ({gib(rec.budget.bytes)}): training "
                        "will probably run out of memory.")


def _size_reason(rec: "Recommendation") -> str:
    (h, w), step = rec.input_size, 2 ** rec.depth
    mh, mw = rec.fingerprint.median_size
    if rec.fit == "resize":
        return (f"Input {h}x{w}: the median image rounded to a multiple of {step} (2^depth); "
                "whole images are resized to it.")
    per_image = rec.samples / max(1, rec.fingerprint.images)
    cause = (f"larger than the {rules.MAX_BOTTLENECK * 2 ** rules.max_depth()} px a depth-"
             f"{rules.max_depth()} U-Net takes with a bottleneck of at most {rules.MAX_BOTTLENECK} px"
             if not rec.attempts else "too large for the memory budget (below)")
    return (f"Input {h}x{w} tiles: the median image {mh}x{mw} is {cause}, so images are cut "
            f"into {h}x{w} tiles ({per_image:.1f} per image, {rec.samples} in all).")


def _filters_reason(rec: "Recommendation") -> str:
    top = min(rec.base_filters * 2 ** rec.depth, rules.MAX_FILTERS)
    text = (f"{rec.base_filters} filters at full size, doubling at every level to {top} at "
            f"the bottleneck (nnU-Net's 2D U-Net starts at {rules.BASE_FILTERS}, capped at "
            f"{rules.MAX_FILTERS}).")
    if rec.base_filters < rules.BASE_FILTERS:
        text += " Fewer than 32 because even the smallest Input did not fit the memory."
    return text


def _memory_reasons(rec: "Recommendation", fitting: int) -> list[str]:
    memory, budget = rec.memory, rec.budget
    lines = []
    if rec.attempts:
        first, last = rec.attempts[0], rec.attempts[-1]
        tried = (f"{first.size[0]}x{first.size[1]}" if first is last else
                 f"{len(rec.attempts)} sizes from {first.size[0]}x{first.size[1]} down to "
                 f"{last.size[0]}x{last.size[1]}")
        lines.append(f"A batch of {rules.MIN_BATCH} at {first.size[0]}x{first.size[1]} with "
                     f"{first.filters} filters needs {gib(first.needs)}: it will not fit in "
                     f"{gib(budget.bytes)}. Tried {tried}; each step takes {2 ** rec.depth} px "
                     "off the side largest relative to the median (nnU-Net's rule).")
    lines.append(f"Memory: {gib(memory.total(rec.batch_size))} for a batch of {rec.batch_size} "
                 f"({gib(memory.fixed)} for {memory.parameters:,} weights with their gradients "
                 f"and Adam's moments, {gib(memory.per_sample)} of feature maps per sample), "
                 f"within {budget.source} ({gib(budget.bytes)}).")
    return lines


def _batch_reason(rec: "Recommendation", fitting: int) -> str:
    share = int(rules.BATCH_SHARE * rec.samples)
    text = (f"Batch size {rec.batch_size}: the memory allows {fitting} samples and "
            f"{rules.BATCH_SHARE:.0%} of the {rec.samples} training samples is {share}")
    if rec.batch_size == rules.MIN_BATCH and share < rules.MIN_BATCH:
        return text + f", and a batch has at least {rules.MIN_BATCH} (batch normalization)."
    return text + "; the smaller of the two."


def _loss_reasons(rec: "Recommendation") -> list[str]:
    rare = rules.rare_classes(rec.fingerprint)
    lines = ["Loss: Dice + cross-entropy, nnU-Net's (Dice keeps small classes from being "
             "ignored)."]
    if not rare:
        lines.append(f"No class weights: every class covers at least {rules.RARE_SHARE:.0%} of "
                     "the training pixels.")
        return lines
    shares = ", ".join(f"'{rec.classes[i].name}' {rec.fingerprint.class_shares[i]:.2%}"
                       for i in rare)
    lines.append(f"Class weights 'auto' (inverse pixel frequency): {shares} of the training "
                 f"pixels, under {rules.RARE_SHARE:.0%}.")
    return lines
