"""The `eval` JSON object (DESIGN.md) as the Test view reads it (Qt-free).

``classes`` lists every class in class-id order (values null where undefined, e.g.
the IoU of a class absent from the split), and the confusion matrix has the same
order: rows are the truth, columns the prediction.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from components.errors import StudioError

from .feed import number, text
from .overlay import read_classes, read_image


class EvaluationError(StudioError):
    """An `eval` result that cannot be shown; says which part is wrong."""


@dataclass(frozen=True)
class ClassScores:
    name: str
    iou: float | None
    dice: float | None
    precision: float | None
    recall: float | None
    pixels: int | None


@dataclass(frozen=True)
class ImageScore:
    file: str
    mean_iou: float | None


@dataclass(frozen=True)
class Evaluation:
    split: str
    checkpoint: str
    mean_iou: float | None
    pixel_accuracy: float | None
    classes: tuple[ClassScores, ...]
    matrix: np.ndarray           # (C, C) int64, rows = truth
    images: tuple[ImageScore, ...]

    @property
    def class_names(self) -> list[str]:
        return [c.name for c in self.classes]

    def score(self, name: str, metric: str) -> float | None:
        """A metric of one class ("iou", "dice", ...) or of the split ("mean_iou", ...)."""
        if metric in ("mean_iou", "pixel_accuracy"):
            return getattr(self, metric)
        for scores in self.classes:
            if scores.name == name:
                return getattr(scores, metric)
        return None


@dataclass
class TestImage:
    """One test image with what the Test view draws of it. The arrays may be given, or the
    PNG paths (read when first drawn): image (h, w[, 3]), truth and prediction (h, w) ids."""

    __test__ = False  # not a pytest class
    name: str
    mean_iou: float | None = None
    image: np.ndarray | Path | str | None = None
    truth: np.ndarray | Path | str | None = None
    prediction: np.ndarray | Path | str | None = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """(image, truth or None, prediction); reads PNG paths once."""
        if self.image is None or self.prediction is None:
            raise EvaluationError(f"{self.name}: has no image or prediction to show")
        if not isinstance(self.image, np.ndarray):
            self.image = read_image(Path(self.image))
        if self.truth is not None and not isinstance(self.truth, np.ndarray):
            self.truth = read_classes(Path(self.truth))
        if not isinstance(self.prediction, np.ndarray):
            self.prediction = read_classes(Path(self.prediction))
        return self.image, self.truth, self.prediction


def parse_evaluation(data: Any) -> Evaluation:
    """An Evaluation from the `eval` JSON; EvaluationError names the part that is wrong."""
    if not isinstance(data, Mapping):
        raise EvaluationError("the evaluation result is not a JSON object")
    classes = tuple(_class_scores(entry, i) for i, entry in enumerate(data.get("classes") or ()))
    matrix = _matrix(data.get("confusion_matrix"), len(classes))
    images = tuple(ImageScore(str(entry.get("file")), number(entry.get("mean_iou")))
                   for entry in data.get("images") or () if isinstance(entry, Mapping))
    return Evaluation(split=text(data.get("split")) or "test",
                      checkpoint=text(data.get("checkpoint")) or "",
                      mean_iou=number(data.get("mean_iou")),
                      pixel_accuracy=number(data.get("pixel_accuracy")),
                      classes=classes, matrix=matrix, images=images)


def normalized_rows(matrix: np.ndarray) -> np.ndarray:
    """Each truth row as fractions of its pixels (rows with no pixels stay 0)."""
    counts = np.asarray(matrix, np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def cell_text(evaluation: Evaluation, row: int, column: int) -> str:
    """What hovering a confusion matrix cell says."""
    names, counts = evaluation.class_names, evaluation.matrix
    share = normalized_rows(counts)[row, column]
    total = int(counts[row].sum())
    return (f"truth {names[row]}, predicted {names[column]}: {int(counts[row, column]):,} "
            f"pixels ({share:.1%} of the {total:,} {names[row]} pixels)")


def sorted_worst_first(images: list[TestImage]) -> list[TestImage]:
    """Lowest mean IoU first; images without a score last, then by name."""
    return sorted(images, key=lambda i: (i.mean_iou is None, i.mean_iou or 0.0, i.name))


def _class_scores(entry: Any, index: int) -> ClassScores:
    if not isinstance(entry, Mapping) or not text(entry.get("name")):
        raise EvaluationError(f"classes[{index}] of the evaluation result has no name")
    pixels = number(entry.get("pixels"))
    return ClassScores(entry["name"], number(entry.get("iou")), number(entry.get("dice")),
                       number(entry.get("precision")), number(entry.get("recall")),
                       int(pixels) if pixels is not None else None)


def _matrix(value: Any, size: int) -> np.ndarray:
    try:
        matrix = np.asarray(value if value is not None else np.zeros((size, size)), np.int64)
    except (TypeError, ValueError):
        raise EvaluationError("the confusion_matrix of the evaluation result is not a table "
                              "of pixel counts") from None
    if matrix.shape != (size, size):
        raise EvaluationError(f"the confusion_matrix of the evaluation result is "
                              f"{'x'.join(map(str, matrix.shape))}, but {size} classes are listed")
    return matrix
