"""The one place that reads the engine's event lines and metrics rows (Qt-free).

PLAN.md's "Event fields" is the contract; every field name the window depends on
is spelled here and nowhere else, so when the engine renames one this module is
the whole fix. Where the engine (docs/engine.md) names a field otherwise, both
names are read: ``started`` run / batches / epoch (PLAN: run_dir, batches_per_epoch,
start_epoch), ``checkpoint`` path / kind (PLAN: file, best), and the final events'
epochs (PLAN: epoch). Parsing is forgiving: a missing or mistyped field becomes None
(NaN on a curve), an unknown event type or a line that is not an object is
skipped, because a half-written line must never take the window down.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

TERMINAL = ("finished", "stopped", "failed")


def number(value: Any) -> float | None:
    """A finite or infinite float from a JSON number; None for null, bools and text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def integer(value: Any) -> int | None:
    result = number(value)
    return int(result) if result is not None and math.isfinite(result) else None


def numbers(value: Any) -> dict[str, float]:
    """A {class name: value} mapping; entries that are not numbers are left out."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in ((k, number(v)) for k, v in value.items()) if v is not None}


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def either(event: Mapping, *names: str) -> Any:
    """The first of ``names`` the event has (PLAN.md's name first, then the engine's)."""
    return next((event[name] for name in names if name in event), None)


@dataclass(frozen=True)
class Started:
    device: str | None
    device_name: str | None
    run_dir: str | None
    epochs: int | None           # total wanted
    start_epoch: int             # epochs already done (> 0 on resume)
    batches_per_epoch: int | None
    samples: dict[str, float]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Batch:
    t: float | None
    epoch: int
    batch: int
    batches: int | None
    step: int | None
    loss: float | None
    learning_rate: float | None
    samples_per_s: float | None

    def position(self, batches_per_epoch: int | None = None) -> float:
        """Where the batch sits in epochs: the last batch of epoch 3 is at 3.0, so batch
        curves and per-epoch curves share one x axis."""
        batches = self.batches or batches_per_epoch
        if not batches:
            return float(self.epoch)
        return self.epoch - 1 + min(self.batch, batches) / batches


@dataclass(frozen=True)
class EpochRow:
    epoch: int
    train_loss: float | None = None
    val_loss: float | None = None
    mean_iou: float | None = None
    iou: dict[str, float] = field(default_factory=dict)
    dice: dict[str, float] = field(default_factory=dict)
    pixel_accuracy: float | None = None
    learning_rate: float | None = None
    seconds: float | None = None
    samples_per_s: float | None = None
    train_mean_iou: float | None = None
    train_iou: dict[str, float] = field(default_factory=dict)

    SCALARS = ("train_loss", "val_loss", "mean_iou", "pixel_accuracy", "learning_rate",
               "seconds", "samples_per_s", "train_mean_iou")
    PER_CLASS = ("iou", "dice", "train_iou")


@dataclass(frozen=True)
class SystemSample:
    t: float | None
    cpu_percent: float | None
    memory_mb: float | None
    gpu_memory_mb: float | None
    gpu_percent: float | None


@dataclass(frozen=True)
class PreviewSample:
    name: str
    image: str        # relative to the run directory
    truth: str
    prediction: str


@dataclass(frozen=True)
class Preview:
    epoch: int | None
    step: int | None
    samples: tuple[PreviewSample, ...]


@dataclass(frozen=True)
class TensorStats:
    mean: float | None
    std: float | None
    norm: float | None
    hist: tuple[float, ...]
    range: tuple[float, float] | None


@dataclass(frozen=True)
class LayerStats:
    node: str
    parameter: str
    weight: TensorStats | None
    grad: TensorStats | None


@dataclass(frozen=True)
class Layers:
    epoch: int | None
    layers: tuple[LayerStats, ...]


@dataclass(frozen=True)
class Checkpoint:
    file: str | None
    epoch: int | None
    best: bool


@dataclass(frozen=True)
class Pause:
    """A `paused` (paused True) or `resumed` event."""
    paused: bool
    t: float | None


@dataclass(frozen=True)
class Ended:
    status: str                  # finished | stopped | failed
    message: str | None
    epoch: int | None
    checkpoint: str | None


Record = (Started | Batch | EpochRow | SystemSample | Preview | Layers | Checkpoint | Pause
          | Ended)


def parse_event(event: Any) -> Record | None:
    """The typed record of one event line (already JSON-decoded), or None to skip it."""
    if not isinstance(event, Mapping):
        return None
    kind = event.get("type")
    if kind in TERMINAL:
        return Ended(kind, text(event.get("message")), integer(either(event, "epoch", "epochs")),
                     text(event.get("checkpoint")))
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    return parser(event) if parser else None


def epoch_row(row: Any) -> EpochRow | None:
    """A metrics.jsonl row (or the body of an `epoch` event); None without an epoch."""
    if not isinstance(row, Mapping):
        return None
    epoch = integer(row.get("epoch"))
    if epoch is None:
        return None
    scalars = {name: number(row.get(name)) for name in EpochRow.SCALARS}
    per_class = {name: numbers(row.get(name)) for name in EpochRow.PER_CLASS}
    return EpochRow(epoch=epoch, **scalars, **per_class)


def _started(event: Mapping) -> Started:
    classes = event.get("classes")
    names = tuple(str(c) for c in classes) if isinstance(classes, list) else ()
    return Started(text(event.get("device")), text(event.get("device_name")),
                   text(either(event, "run_dir", "run")), integer(event.get("epochs")),
                   integer(either(event, "start_epoch", "epoch")) or 0,
                   integer(either(event, "batches_per_epoch", "batches")),
                   numbers(event.get("samples")), names)


def _batch(event: Mapping) -> Batch | None:
    epoch, batch = integer(event.get("epoch")), integer(event.get("batch"))
    if epoch is None or batch is None:
        return None
    return Batch(number(event.get("t")), epoch, batch, integer(event.get("batches")),
                 integer(event.get("step")), number(event.get("loss")),
                 number(event.get("learning_rate")), number(event.get("samples_per_s")))


def _system(event: Mapping) -> SystemSample:
    return SystemSample(number(event.get("t")), number(event.get("cpu_percent")),
                        number(event.get("memory_mb")), number(event.get("gpu_memory_mb")),
                        number(event.get("gpu_percent")))


def _preview(event: Mapping) -> Preview:
    samples = []
    for sample in event.get("samples") or ():
        if not isinstance(sample, Mapping):
            continue
        paths = [text(sample.get(key)) for key in ("image", "truth", "prediction")]
        if all(paths):
            name = text(sample.get("name")) or paths[0]
            samples.append(PreviewSample(name, *paths))
    return Preview(integer(event.get("epoch")), integer(event.get("step")), tuple(samples))


def _tensor_stats(value: Any) -> TensorStats | None:
    if not isinstance(value, Mapping):
        return None
    hist = value.get("hist")
    counts = tuple(v for v in (number(c) for c in hist) if v is not None) \
        if isinstance(hist, list) else ()
    bounds = value.get("range")
    span = None
    if isinstance(bounds, list) and len(bounds) == 2:
        lo, hi = number(bounds[0]), number(bounds[1])
        span = (lo, hi) if lo is not None and hi is not None else None
    return TensorStats(number(value.get("mean")), number(value.get("std")),
                       number(value.get("norm")), counts, span)


def _layers(event: Mapping) -> Layers:
    layers = []
    for layer in event.get("layers") or ():
        if not isinstance(layer, Mapping):
            continue
        node, parameter = text(layer.get("node")), text(layer.get("parameter"))
        if node and parameter:
            layers.append(LayerStats(node, parameter, _tensor_stats(layer.get("weight")),
                                     _tensor_stats(layer.get("grad"))))
    return Layers(integer(event.get("epoch")), tuple(layers))


def _checkpoint(event: Mapping) -> Checkpoint:
    path = text(either(event, "file", "path"))
    return Checkpoint(path.replace("\\", "/").rsplit("/", 1)[-1] if path else None,
                      integer(event.get("epoch")),
                      event.get("best") is True or event.get("kind") == "best")


_PARSERS = {"started": _started, "batch": _batch, "epoch": epoch_row, "system": _system,
            "preview": _preview, "layers": _layers, "checkpoint": _checkpoint,
            "paused": lambda event: Pause(True, number(event.get("t"))),
            "resumed": lambda event: Pause(False, number(event.get("t")))}
