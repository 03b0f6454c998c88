"""Everything one run has reported so far, as curves ready to draw (Qt-free).

The Statistics view only reads this; the live feed, a replayed events.jsonl and a
past run's metrics.jsonl all fill it through ``add`` / ``add_row``, so a past run
looks exactly like the live one did. Each kind of data counts its own revision:
a panel redraws only what changed since it last looked, on its timer.

A resumed run repeats what came after its checkpoint: a batch or epoch that is not
later than the last one kept drops the points from it on, so x stays increasing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from app import runs

from . import feed
from .buffer import GrowingBuffer
from .smoothing import DEFAULT_WEIGHT, Ema

BATCH_COLUMNS = ("x", "step", "epoch", "batch", "t", "loss", "smooth", "learning_rate",
                 "samples_per_s")
SYSTEM_COLUMNS = ("t", "cpu_percent", "memory_mb", "gpu_memory_mb", "gpu_percent")
STAT_KEYS = ("mean", "std", "norm")
LAYER_COLUMNS = ("epoch",) + tuple(f"{part}_{key}" for part in ("weight", "grad")
                                   for key in STAT_KEYS)


@dataclass(frozen=True)
class LatestHistogram:
    epoch: int | None
    weight: feed.TensorStats | None
    grad: feed.TensorStats | None


class RunHistory:
    """Curves of one run: batches, epochs, system use, layer statistics, previews."""

    def __init__(self, smoothing: float = DEFAULT_WEIGHT) -> None:
        self._ema = Ema(smoothing)
        self.revisions: Counter[str] = Counter()
        self.clear()

    def clear(self) -> None:
        self.run_dir: Path | None = None
        self.started: feed.Started | None = None
        self.ended: feed.Ended | None = None
        self.last_batch: feed.Batch | None = None
        self.last_checkpoint: feed.Checkpoint | None = None
        self.classes: list[str] = []
        self.batches = GrowingBuffer(BATCH_COLUMNS)
        self.epochs = GrowingBuffer(("epoch",) + feed.EpochRow.SCALARS)
        self.system = GrowingBuffer(SYSTEM_COLUMNS)
        self.layers: dict[tuple[str, str], GrowingBuffer] = {}
        self.histograms: dict[tuple[str, str], LatestHistogram] = {}
        self.preview: feed.Preview | None = None
        self._ema.reset()
        self.revisions.update(("batches", "epochs", "system", "layers", "preview", "status"))

    # --- filling -----------------------------------------------------------------------
    def add(self, event: Any) -> feed.Record | None:
        """One event dict, as the engine wrote it; returns what it was read as."""
        record = feed.parse_event(event)
        if isinstance(record, feed.Batch):
            self._add_batch(record)
        elif isinstance(record, feed.EpochRow):
            self.add_row(record)
        elif isinstance(record, feed.SystemSample):
            self.system.append({k: getattr(record, k) for k in SYSTEM_COLUMNS})
            self.revisions["system"] += 1
        elif isinstance(record, feed.Pause):
            if record.paused:  # no samples come while paused: a row of gaps, so the
                self.system.append({"t": record.t})  # curves break instead of a line across
                self.revisions["system"] += 1
        elif isinstance(record, feed.Layers):
            self._add_layers(record)
        elif isinstance(record, feed.Preview):
            self.preview = record
            self.revisions["preview"] += 1
        elif record is not None:
            self._add_status(record)
        return record

    def replay(self, events: Iterable[Any]) -> None:
        for event in events:
            self.add(event)

    def add_row(self, row: feed.EpochRow | Any) -> None:
        """A metrics.jsonl row or a parsed `epoch` event."""
        if not isinstance(row, feed.EpochRow):
            row = feed.epoch_row(row)
            if row is None:
                return
        epochs = self.epochs.column("epoch")
        if len(epochs) and row.epoch <= epochs[-1]:
            self.epochs.truncate(int(np.searchsorted(epochs, row.epoch)))
        values: dict[str, float | None] = {"epoch": row.epoch}
        values.update((name, getattr(row, name)) for name in feed.EpochRow.SCALARS)
        for group in feed.EpochRow.PER_CLASS:
            for name, value in getattr(row, group).items():
                self._know_class(name)
                values[f"{group}:{name}"] = value
        for name in values:
            self.epochs.add_column(name)
        self.epochs.append(values)
        self.revisions["epochs"] += 1

    def load_run(self, run_dir: Path) -> None:
        """A past run: events.jsonl when present (batches, previews, layers, system),
        then metrics.jsonl, the authority on the epochs."""
        self.clear()
        run_dir = Path(run_dir)
        self.replay(runs.read_jsonl(run_dir / runs.EVENTS_FILE))
        self.run_dir = run_dir
        rows = runs.read_jsonl(run_dir / runs.METRICS_FILE)
        if rows:
            self.epochs.clear()
            for row in rows:
                self.add_row(row)
        self.revisions["status"] += 1

    def set_smoothing(self, weight: float) -> None:
        self._ema = Ema(weight)
        self.batches.set_column("smooth", self._ema.run(self.batches.column("loss")))
        self.revisions["batches"] += 1

    @property
    def smoothing(self) -> float:
        return self._ema.weight

    # --- reading -----------------------------------------------------------------------
    def epoch_curve(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a metrics column, e.g. "val_loss" or "iou:nucleus"."""
        if name not in self.epochs.columns:
            return np.empty(0), np.empty(0)
        return self.epochs.column("epoch"), self.epochs.column(name)

    def best_epoch(self) -> tuple[int, float] | None:
        """The epoch with the highest validation mean IoU (the first on a tie)."""
        values = self.epochs.column("mean_iou")
        if not len(values) or np.all(np.isnan(values)):
            return None
        index = int(np.nanargmax(values))
        return int(self.epochs.column("epoch")[index]), float(values[index])

    def resolve(self, relative: str) -> Path:
        """A file an event names (relative to the run directory)."""
        return (self.run_dir / relative) if self.run_dir else Path(relative)

    def layer_keys(self, node: str) -> list[str]:
        """The parameters of one canvas node that have statistics, in arrival order."""
        return [parameter for owner, parameter in self.layers if owner == node]

    # --- internals ---------------------------------------------------------------------
    def _add_batch(self, batch: feed.Batch) -> None:
        per_epoch = self.started.batches_per_epoch if self.started else None
        x = batch.position(per_epoch)
        xs = self.batches.column("x")
        if len(xs) and x <= xs[-1]:
            self.batches.truncate(int(np.searchsorted(xs, x)))
            self.set_smoothing(self._ema.weight)
        loss = np.nan if batch.loss is None else batch.loss
        self.batches.append({"x": x, "step": batch.step, "epoch": batch.epoch,
                             "batch": batch.batch, "t": batch.t, "loss": loss,
                             "smooth": self._ema.add(loss), "learning_rate": batch.learning_rate,
                             "samples_per_s": batch.samples_per_s})
        self.last_batch = batch
        self.revisions["batches"] += 1
        self.revisions["status"] += 1

    def _add_layers(self, layers: feed.Layers) -> None:
        for layer in layers.layers:
            key = (layer.node, layer.parameter)
            buffer = self.layers.setdefault(key, GrowingBuffer(LAYER_COLUMNS, 64))
            epochs = buffer.column("epoch")
            epoch = layers.epoch if layers.epoch is not None else len(epochs) + 1
            if len(epochs) and epoch <= epochs[-1]:
                buffer.truncate(int(np.searchsorted(epochs, epoch)))
            values: dict[str, float | None] = {"epoch": epoch}
            for part in ("weight", "grad"):
                stats = getattr(layer, part)
                for name in STAT_KEYS:
                    values[f"{part}_{name}"] = getattr(stats, name) if stats else None
            buffer.append(values)
            self.histograms[key] = LatestHistogram(epoch, layer.weight, layer.grad)
        self.revisions["layers"] += 1

    def _add_status(self, record: feed.Record) -> None:
        if isinstance(record, feed.Started):
            self.started, self.ended = record, None
            if record.run_dir and self.run_dir is None:  # the owner's path wins: the
                self.run_dir = Path(record.run_dir)     # child may run in another folder
            for name in record.classes:
                self._know_class(name)
        elif isinstance(record, feed.Ended):
            self.ended = record
        elif isinstance(record, feed.Checkpoint):
            self.last_checkpoint = record
        self.revisions["status"] += 1

    def _know_class(self, name: str) -> None:
        if name not in self.classes:
            self.classes.append(name)
            self.revisions["epochs"] += 1
