"""The status bar's line about the run this window drives (Qt-free): epoch, batch, loss,
samples/s and the time left.

The time left is measured, not guessed from a batch size: the run's progress in
epochs (epoch - 1 + batch / batches) over the seconds it took since the run
started, pauses left out. After the first epoch that rate includes the
validation, so the estimate settles on what a whole epoch really costs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from app.stats import feed


def duration(seconds: float | None) -> str:
    """'45 s', '12 min', '2 h 05 min'."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass
class LiveStatus:
    """Follows one run's events; ``text()`` is the status bar's line."""

    state: str = "idle"          # starting | running | paused | stopping | ended
    epochs: int | None = None
    start_epoch: int = 0
    batch: feed.Batch | None = None
    _started_t: float | None = None
    _paused_at: float | None = None
    _paused_for: float = 0.0
    _last_t: float | None = None

    def add(self, event: Mapping[str, Any]) -> None:
        record, t = feed.parse_event(event), feed.number(event.get("t"))
        if isinstance(record, feed.Started):
            self.state, self.epochs, self.start_epoch = "running", record.epochs, record.start_epoch
            self._started_t, self.batch = t, None
        elif isinstance(record, feed.Batch):
            self.batch, self._last_t = record, t
        elif isinstance(record, feed.Pause) and record.paused:
            self.state, self._paused_at = "paused", record.t
        elif isinstance(record, feed.Pause):
            self.state = "running"
            if self._paused_at is not None and record.t is not None:
                self._paused_for += record.t - self._paused_at
            self._paused_at = None
        elif isinstance(record, feed.Ended):
            self.state = "ended"

    def progress(self) -> float | None:
        """Epochs done so far, as a fraction (2.5 = halfway through epoch 3)."""
        if self.batch is None:
            return None
        return self.batch.position()

    def eta_seconds(self) -> float | None:
        done, b = self.progress(), self.batch
        if done is None or b is None or self.epochs is None or self._started_t is None \
                or self._last_t is None:
            return None
        elapsed = self._last_t - self._started_t - self._paused_for
        trained = done - self.start_epoch
        if elapsed <= 0 or trained <= 0:
            return None
        return (self.epochs - done) * elapsed / trained

    def text(self) -> str:
        if self.state in ("idle", "ended"):
            return ""
        if self.batch is None:
            return "Training: starting…"
        b = self.batch
        total = f"/{self.epochs}" if self.epochs else ""
        parts = [f"epoch {b.epoch}{total}",
                 f"batch {b.batch}/{b.batches}" if b.batches else f"batch {b.batch}",
                 f"loss {b.loss:.4f}" if b.loss is not None else "loss –"]
        if b.samples_per_s:
            parts.append(f"{b.samples_per_s:.1f} samples/s")
        if self.state == "paused":  # a paused run ends at no particular time
            parts.append(f"{duration(self.eta_seconds())} left after Resume")
        else:
            parts.append(f"ETA {duration(self.eta_seconds())}")
        label = {"paused": "Paused", "stopping": "Stopping"}.get(self.state, "Training")
        return f"{label}: " + " · ".join(parts)
