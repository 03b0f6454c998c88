"""Two trivial predictors a trained model has to beat (issue 7, "Must show").

- **all background**: class 0 everywhere. Its mean IoU is what a model scores by
  learning nothing; on sparse masks its pixel accuracy is high, which is why pixel
  accuracy is never reported alone.
- **global threshold**: one intensity threshold (the mean of the channels, in [0, 1])
  chosen on the training split and applied unchanged to every image of the evaluated
  split; pixels on the foreground side get the training split's most frequent
  foreground class. The threshold (and which side is foreground, for dark objects on
  a bright background) is the one that maximizes the foreground IoU over the training
  split's pixels (all classes >= 1 merged), found exactly from two 1024-bin histograms.
  Why not Otsu: Otsu maximizes the separation of two intensity modes, not the metric we
  report, and it is known to put the threshold far too low when the foreground is a
  small share of the pixels (as nuclei and micronuclei are); the IoU-optimal threshold
  is the strongest single threshold there is, so beating it means something.

Both are evaluated like a model: whole images at their own size, one ConfusionMatrix
over the split, ignored pixels left out. ``compare_baselines`` gives both for the docs
table, and ``markdown_table`` renders it beside a model's SplitMetrics.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
from torch import Tensor

from .evaluate import FullImageLike
from .metrics import ConfusionMatrix, SplitMetrics, summarize

BINS = 1024
"""Histogram bins over [0, 1]; finer than 8-bit images, so their thresholds are exact."""


@dataclass(frozen=True)
class Threshold:
    """Foreground where the intensity bin is >= ``bin`` (``above``) or < ``bin``.

    Of the cuts that tie (all those between the same two occupied bins) the middle one
    is kept: halfway between the darkest foreground and the brightest background value
    the training split separates, not hard against either."""

    bin: int
    above: bool
    foreground_class: int
    train_iou: float
    """The foreground IoU it reached on the training split (what chose it)."""

    @property
    def value(self) -> float:
        return self.bin / BINS

    def describe(self, class_names: Sequence[str]) -> str:
        side = ">=" if self.above else "<"
        return (f"intensity {side} {self.value:.4f} -> {class_names[self.foreground_class]} "
                f"(foreground IoU {self.train_iou:.4f} on the training split)")

    def predict(self, image: Tensor) -> Tensor:
        """Class ids (H, W) for an image (C, H, W) in [0, 1]."""
        hit = intensity_bins(image) >= self.bin
        return torch.where(hit if self.above else ~hit, self.foreground_class, 0)


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    metrics: SplitMetrics


def intensity_bins(image: Tensor) -> Tensor:
    """(H, W) bin index of the mean intensity over the channels."""
    return (image.float().mean(0) * BINS).floor().clamp_(0, BINS - 1).long()


def choose_threshold(samples: Iterable[FullImageLike], num_classes: int,
                     ignore_index: int | None) -> Threshold:
    """The global threshold with the best foreground IoU over ``samples`` (training)."""
    foreground = torch.zeros(BINS, dtype=torch.float64)
    background = torch.zeros(BINS, dtype=torch.float64)
    class_pixels = torch.zeros(num_classes, dtype=torch.float64)
    for sample in samples:
        bins, mask = intensity_bins(sample.image).reshape(-1), sample.mask.reshape(-1)
        if ignore_index is not None:
            bins, mask = bins[mask != ignore_index], mask[mask != ignore_index]
        foreground += torch.bincount(bins[mask > 0], minlength=BINS).double()
        background += torch.bincount(bins[mask == 0], minlength=BINS).double()
        class_pixels += torch.bincount(mask, minlength=num_classes)[:num_classes].double()
    if class_pixels[1:].sum() == 0:
        raise ValueError("the training split has no foreground pixels to choose a threshold on")
    best = max((_iou_at(foreground, background, above), above) for above in (True, False))
    (iou, cut), above = best
    return Threshold(cut, above, int(class_pixels[1:].argmax()) + 1, iou)


def _iou_at(foreground: Tensor, background: Tensor, above: bool) -> tuple[float, int]:
    """(best IoU, its bin) for 'foreground at bins >= k' (or '< k'), k = 0..BINS."""
    zero = torch.zeros(1, dtype=torch.float64)
    if above:  # predicted foreground: bins k..BINS-1, suffix sums
        tp = torch.cat([foreground.flip(0).cumsum(0).flip(0), zero])
        fp = torch.cat([background.flip(0).cumsum(0).flip(0), zero])
    else:  # bins 0..k-1, prefix sums
        tp = torch.cat([zero, foreground.cumsum(0)])
        fp = torch.cat([zero, background.cumsum(0)])
    fn = foreground.sum() - tp
    iou = tp / (tp + fp + fn).clamp_min(1)
    first = last = int(iou.argmax())
    while last + 1 < len(iou) and iou[last + 1] == iou[first]:
        last += 1  # cuts between the same two occupied bins tie: take the middle one
    return float(iou[first]), (first + last) // 2


def compare_baselines(train: Iterable[FullImageLike], evaluated: Iterable[FullImageLike],
                      class_names: list[str], ignore_index: int | None,
                      device: torch.device | str | None = None) -> list[Baseline]:
    """Both baselines on ``evaluated`` (e.g. the test split), the threshold chosen on
    ``train``; one pass over each."""
    classes = len(class_names)
    threshold = choose_threshold(train, classes, ignore_index)
    empty = ConfusionMatrix(classes, ignore_index, device)
    thresholded = ConfusionMatrix(classes, ignore_index, device)
    for sample in evaluated:
        empty.update(torch.zeros_like(sample.mask), sample.mask)
        thresholded.update(threshold.predict(sample.image), sample.mask)
    return [Baseline("all background", f"class 0 ({class_names[0]}) everywhere",
                     summarize(empty.matrix, class_names)),
            Baseline("global threshold", threshold.describe(class_names),
                     summarize(thresholded.matrix, class_names))]


def markdown_table(rows: Sequence[tuple[str, SplitMetrics]]) -> str:
    """A Markdown table: per-class IoU, mean IoU and pixel accuracy per predictor
    ("-" where a class has no IoU); the class columns follow the first row's names."""
    names = rows[0][1].class_names
    head = ["predictor", *(f"IoU {n}" for n in names), "mean IoU", "pixel accuracy"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, metrics in rows:
        cells = [label, *(_cell(metrics.iou.get(n)) for n in names),
                 _cell(metrics.mean_iou), _cell(metrics.pixel_accuracy)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
