"""A synthetic training run for the statistics tests, screenshots and benchmark: the
event lines PLAN.md's "Event fields" describe, and the run directory they name."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

CLASSES = ["background", "nucleus", "micronucleus"]


def circles(size: int, centres: list[tuple[int, int, int, int]]) -> np.ndarray:
    """(size, size) class ids: circles (row, col, radius, class) on background 0."""
    rows, cols = np.mgrid[:size, :size]
    mask = np.zeros((size, size), np.uint8)
    for row, col, radius, label in centres:
        mask[(rows - row) ** 2 + (cols - col) ** 2 <= radius ** 2] = label
    return mask


def microscopy(truth: np.ndarray, seed: int = 0) -> np.ndarray:
    """A gray fluorescence-looking image: bright blurry blobs where the truth has cells."""
    rng = np.random.default_rng(seed)
    base = (truth > 0).astype(np.float32)
    for _ in range(2):  # cheap blur
        base = (base + np.roll(base, 1, 0) + np.roll(base, -1, 0) + np.roll(base, 1, 1)
                + np.roll(base, -1, 1)) / 5
    image = 20 + 190 * base + rng.normal(0, 12, truth.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def preview_truth(size: int = 96) -> np.ndarray:
    return circles(size, [(30, 30, 16, 1), (62, 58, 20, 1), (24, 72, 6, 2), (80, 20, 5, 2)])


def preview_prediction(size: int = 96) -> np.ndarray:
    """Close to the truth but not equal: shifted cells, one micronucleus missed, one extra."""
    return circles(size, [(32, 31, 15, 1), (60, 60, 21, 1), (25, 71, 5, 2), (84, 80, 6, 1)])


def write_previews(run_dir: Path, epoch: int, count: int = 2) -> list[dict[str, str]]:
    folder = run_dir / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for index in range(count):
        truth = preview_truth()
        prediction = preview_prediction() if index == 0 else np.roll(preview_prediction(), 3, 1)
        names = {}
        for part, array in (("image", microscopy(truth, index)), ("truth", truth),
                            ("prediction", prediction)):
            names[part] = f"previews/e{epoch}_s{index}_{part}.png"
            Image.fromarray(array).save(run_dir / names[part])
        samples.append({"name": f"val/images/cell_{index}.png", **names})
    return samples


def epoch_row(epoch: int, epochs: int, train_iou: bool = True) -> dict[str, Any]:
    progress = 1 - math.exp(-epoch / (epochs / 4))
    wobble = 0.02 * math.sin(epoch * 1.7)
    iou = {"background": 0.9 + 0.09 * progress, "nucleus": 0.3 + 0.55 * progress + wobble,
           "micronucleus": 0.05 + 0.35 * progress - wobble}
    row = {"epoch": epoch, "train_loss": 1.1 - 0.9 * progress,
           "val_loss": 1.15 - 0.85 * progress + wobble,
           "mean_iou": sum(iou.values()) / 3, "iou": iou,
           "dice": {k: 2 * v / (1 + v) for k, v in iou.items()},
           "pixel_accuracy": 0.9 + 0.09 * progress, "learning_rate": 1e-3 * 0.9 ** epoch,
           "seconds": 12.5, "samples_per_s": 40.0}
    if train_iou:
        row["train_iou"] = {k: min(1.0, v + 0.04) for k, v in iou.items()}
        row["train_mean_iou"] = sum(row["train_iou"].values()) / 3
    return row


def synthetic_events(epochs: int = 30, batches: int = 40, run_dir: Path | None = None,
                     previews_every: int = 5, seed: int = 0) -> list[dict[str, Any]]:
    """The event stream of one finished run; preview PNGs written when run_dir is given."""
    rng = np.random.default_rng(seed)
    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"v": 1, "seq": len(events), "t": len(events) * 0.1, "type": kind,
                       **fields})

    emit("started", device="cpu", device_name="CPU", run_dir=str(run_dir or "run"),
         epochs=epochs, start_epoch=0, batches_per_epoch=batches,
         samples={"train": 30, "val": 3, "test": 16}, classes=CLASSES)
    for epoch in range(1, epochs + 1):
        for batch in range(1, batches + 1):
            step = (epoch - 1) * batches + batch
            loss = 1.2 * math.exp(-step / (epochs * batches / 4)) + 0.1
            emit("batch", epoch=epoch, batch=batch, batches=batches, step=step,
                 loss=float(loss * abs(1 + 0.25 * rng.standard_normal())),
                 learning_rate=1e-3 * 0.9 ** epoch, samples_per_s=40.0)
            if batch % 20 == 0:
                emit("system", cpu_percent=150 + 20 * rng.random(), memory_mb=900 + step * 0.1,
                     gpu_memory_mb=None, gpu_percent=None)
        row = epoch_row(epoch, epochs)
        emit("epoch", **row, best=False)
        emit("layers", epoch=epoch, layers=layer_stats(epoch, rng))
        if run_dir is not None and (epoch == 1 or epoch % previews_every == 0):
            emit("preview", epoch=epoch, step=epoch * batches,
                 samples=write_previews(run_dir, epoch))
    emit("finished", message="done", epoch=epochs, checkpoint="best.pt")
    return events


def layer_stats(epoch: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    layers = []
    for node, parameters in (("conv1", ("weight", "bias")), ("unet", ("enc1.0.weight",))):
        for parameter in parameters:
            weights = rng.normal(0.01 * epoch, 0.1 + 0.002 * epoch, 2000)
            grads = rng.normal(0, 0.01 / epoch, 2000)
            layers.append({"node": node, "parameter": parameter,
                           "weight": stats(weights), "grad": stats(grads)})
    return layers


def stats(values: np.ndarray) -> dict[str, Any]:
    counts, edges = np.histogram(values, bins=32)
    return {"mean": float(values.mean()), "std": float(values.std()),
            "norm": float(np.linalg.norm(values)), "hist": counts.tolist(),
            "range": [float(edges[0]), float(edges[-1])]}


def write_run(run_dir: Path, events: list[dict[str, Any]] | None = None,
              status: str = "finished", epochs: int = 5) -> Path:
    """A run directory: run.json, metrics.jsonl, events.jsonl (from ``events``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    events = events if events is not None else synthetic_events(epochs, 8, run_dir)
    rows = [{k: v for k, v in e.items() if k not in ("v", "seq", "t", "type", "best")}
            for e in events if e["type"] == "epoch"]
    (run_dir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run_dir / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (run_dir / "run.json").write_text(json.dumps(
        {"status": status, "started": "2026-11-24T10:15:00+01:00", "device": "cpu",
         "epochs_planned": len(rows), "message": None}))
    return run_dir
