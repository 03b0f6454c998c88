"""One evaluation path for per-epoch validation, ``main.py eval`` and the Test view.

Each image is predicted at its own size with ``predict_probabilities`` (sliding window
for ``fit="tile"``, resized back for ``fit="resize"``) and compared with its mask at its
own size, so the number a person reads is the one ``predict`` would give, and the
overlapping tiles training used never count a pixel twice. One confusion matrix,
accumulated on the model's device, covers the whole split (never an average of
per-image scores); the per-image mean IoU is reported beside it, worst first, to
point at the images the model gets wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Callable, Iterable, Protocol

import torch
from torch import Tensor, nn

from .inference import model_device, predict_probabilities
from .metrics import ConfusionMatrix, SplitMetrics, most_probable, summarize

LOG_FLOOR = 1e-7
"""Probabilities are floored here before their log feeds the loss: a stitched
probability may be exactly 0, whose log would make cross-entropy infinite."""


class FullImageLike(Protocol):
    """What evaluate() reads of app.data.dataset.FullImage."""

    name: str
    image: Tensor  # float32 (C, H, W) in [0, 1]
    mask: Tensor   # int64 (H, W) class ids, ignored pixels = IGNORE_INDEX


@dataclass
class Evaluation:
    """The result of evaluating one split."""

    matrix: ConfusionMatrix
    metrics: SplitMetrics
    loss: float | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    """{"file", "mean_iou"} per image, worst first (an image whose pixels are all
    ignored has mean_iou None and comes last)."""

    def to_json(self, split: str, checkpoint: str | PathLike) -> dict[str, Any]:
        """The object ``main.py eval`` prints (DESIGN.md)."""
        return {"split": split, "checkpoint": str(checkpoint),
                "mean_iou": self.metrics.mean_iou,
                "pixel_accuracy": self.metrics.pixel_accuracy,
                "classes": self.metrics.classes_table(),
                "confusion_matrix": self.metrics.matrix,
                "images": [dict(image) for image in self.images]}


def evaluate(model: nn.Module, samples: Iterable[FullImageLike], num_classes: int,
             class_names: list[str], window: tuple[int, int], fit: str,
             ignore_index: int | None, device: torch.device | str | None = None,
             loss: nn.Module | None = None, tta: bool = False,
             progress: Callable[[int, int], None] | None = None,
             on_image: Callable[[FullImageLike, Tensor], None] | None = None) -> Evaluation:
    """Metrics of ``model`` over ``samples`` (one split), each image at its own size.

    ``loss`` (from make_loss), when given, is computed per image on the log of the
    stitched probabilities and averaged over the images. ``progress(done, total)`` is
    called after each image (total 0 when ``samples`` has no length); ``on_image(sample,
    classes)`` gets each image's predicted class ids (H, W), e.g. to draw overlays."""
    if len(class_names) != num_classes:
        raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
    device = torch.device(device) if device is not None else model_device(model)
    total = len(samples) if hasattr(samples, "__len__") else 0
    split = ConfusionMatrix(num_classes, ignore_index, device)
    images: list[dict[str, Any]] = []
    losses: list[float] = []
    indexed = total and hasattr(samples, "__getitem__")  # a map-style Dataset: by index
    items = (samples[i] for i in range(total)) if indexed else samples
    for done, sample in enumerate(items, start=1):
        probabilities = predict_probabilities(model, sample.image, window, fit=fit, tta=tta,
                                              device=device)
        if probabilities.shape[0] != num_classes:
            raise ValueError(f"the model gives {probabilities.shape[0]} class probabilities "
                             f"for {num_classes} classes")
        mask = sample.mask.to(device)
        if mask.shape != probabilities.shape[1:]:
            raise ValueError(f"{sample.name}: the mask is {tuple(mask.shape)}, the image "
                             f"{tuple(sample.image.shape[1:])}")
        one = ConfusionMatrix(num_classes, ignore_index, device)
        classes = most_probable(probabilities, dim=0)
        one.update(classes, mask)
        if on_image is not None:
            on_image(sample, classes)
        split.matrix += one.matrix
        images.append({"file": sample.name,
                       "mean_iou": summarize(one.matrix, class_names).mean_iou})
        if loss is not None:
            losses.append(_image_loss(loss, probabilities, mask))
        if progress is not None:
            progress(done, total)
    images.sort(key=lambda row: (row["mean_iou"] is None, row["mean_iou"] or 0.0))
    return Evaluation(split, summarize(split.matrix, class_names),
                      sum(losses) / len(losses) if losses else None, images)


def _image_loss(loss: nn.Module, probabilities: Tensor, mask: Tensor) -> float:
    log_probabilities = probabilities.clamp_min(LOG_FLOOR).log()[None]
    with torch.no_grad():
        return float(loss.to(probabilities.device)(log_probabilities, mask[None]))
