"""The command line's view of a run: one tqdm bar over all training batches (loss,
samples/s, ETA) on stderr, and one line per epoch with the validation metrics."""
from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

from tqdm import tqdm

from .callbacks import BatchInfo, Callback, Outcome

if TYPE_CHECKING:
    from .callbacks import Trainer


class ProgressBar(Callback):
    """tqdm over the run's batches; epoch lines are written above it."""

    def __init__(self, lines: IO[str] | None = None, bar: IO[str] | None = None) -> None:
        self.lines, self.bar_stream = lines or sys.stdout, bar or sys.stderr
        self.bar: tqdm | None = None

    def on_fit_start(self, trainer: "Trainer") -> None:
        p, s = trainer.parts, trainer.state
        self.bar = tqdm(total=p.epochs * p.data.batches,
                        initial=s.epoch * p.data.batches + s.batch, file=self.bar_stream,
                        unit="batch", dynamic_ncols=True, leave=False, mininterval=0.25)

    def on_epoch_start(self, trainer: "Trainer", epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch}/{trainer.parts.epochs}", refresh=False)

    def on_batch_end(self, trainer: "Trainer", info: BatchInfo) -> None:
        bar = self.bar
        if bar is None:
            return
        bar.update(1)
        if bar.n == bar.last_print_n:  # tqdm just redrew: refresh the numbers with it
            bar.set_postfix(loss=f"{info.loss:.4f}", samples_s=f"{info.samples_per_s:.1f}",
                            refresh=False)

    def on_validation_progress(self, trainer: "Trainer", done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {trainer.state.epoch + 1}/{trainer.parts.epochs}"
                                     f" validating {done}/{total}")

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        line = epoch_line(row, trainer.parts.epochs, trainer.improved)
        tqdm.write(line, file=self.lines)

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def epoch_line(row: dict[str, Any], epochs: int, best: bool) -> str:
    """``epoch 3/20  train_loss 0.4123  val_loss 0.3801  mean_iou 0.7120 (nucleus 0.90...)``."""
    def number(value: Any) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    classes = ", ".join(f"{name} {number(v)}" for name, v in row.get("iou", {}).items())
    return (f"epoch {row['epoch']}/{epochs}  train_loss {number(row['train_loss'])}  "
            f"val_loss {number(row['val_loss'])}  mean_iou {number(row['mean_iou'])}"
            f"{f' ({classes})' if classes else ''}  pixel_accuracy "
            f"{number(row['pixel_accuracy'])}  lr {row['learning_rate']:.3g}  "
            f"{row['seconds']:.1f} s  {row['samples_per_s']:.1f} samples/s"
            f"{'  * best' if best else ''}")
