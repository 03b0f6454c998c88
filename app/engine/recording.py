"""The callbacks that make a run directory: run.json, metrics.jsonl, checkpoints,
and early stopping (which only ends a run, but lives with what it reads)."""
from __future__ import annotations

import os
import platform
import socket
import sys
from datetime import datetime, timezone
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .callbacks import Callback, Outcome
from .checkpoint import rng_state, write_checkpoint
from .distributed import Ranks
from .files import atomic_copy
from .rundir import RunDirectory

if TYPE_CHECKING:
    from .callbacks import Trainer


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    try:
        app_version = metadata.version("unet-studio")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        app_version = "unknown"
    return {"unet_studio": app_version, "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__}


class RunRecord(Callback):
    """run.json: status running | finished | stopped | failed, times, device, command, and
    the process (pid, host) that writes it, so a reader can tell a run whose process died
    (an interrupted run) from one that is still going."""

    def __init__(self, run: RunDirectory, command: list[str], device: dict[str, Any],
                 resumed: bool) -> None:
        self.run, self.command, self.device, self.resumed = run, command, device, resumed

    def on_fit_start(self, trainer: "Trainer") -> None:
        record = self.run.record() if self.resumed else {"started": now(), "resumes": []}
        if self.resumed:
            record["resumes"] = record.get("resumes", []) + [
                {"time": now(), "epoch": trainer.state.epoch, "batch": trainer.state.batch,
                 "command": self.command}]
        record.update(status="running", ended=None, error=None, message=None,
                      command=record.get("command", self.command), **self.device,
                      versions=versions(), epochs_planned=trainer.parts.epochs,
                      pid=os.getpid(), host=socket.gethostname())
        self.run.write_record(record)

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        record = self.run.record()
        failed = outcome.status == "failed"
        record.update(status=outcome.status, ended=now(), message=outcome.message,
                      error=outcome.message if failed else None, epochs=trainer.state.epoch,
                      best_mean_iou=trainer.state.best_mean_iou,
                      best_epoch=trainer.state.best_epoch or None)
        self.run.write_record(record)


class MetricsLogger(Callback):
    """metrics.jsonl: one row per finished epoch (rows past a resumed checkpoint dropped)."""

    def __init__(self, run: RunDirectory) -> None:
        self.run = run
        self.rows: list[dict[str, Any]] = []

    def on_fit_start(self, trainer: "Trainer") -> None:
        self.rows = [r for r in self.run.rows() if r.get("epoch", 0) <= trainer.state.epoch]
        self.run.write_rows(self.rows)

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.run.write_rows(self.rows)


class Checkpointer(Callback):
    """last.pt after every epoch and on stop; best.pt when the mean IoU improved."""

    def __init__(self, run: RunDirectory) -> None:
        self.run = run

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        self._write_last(trainer)
        if trainer.improved:
            atomic_copy(self.run.last, self.run.best)
            trainer.callbacks.call("on_checkpoint", trainer, str(self.run.best), "best")

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        if outcome.status == "stopped":  # mid-epoch: the resume point is here
            self._write_last(trainer)

    def _write_last(self, trainer: "Trainer") -> None:
        write_checkpoint(self.run.last, trainer.checkpoint_state())
        trainer.callbacks.call("on_checkpoint", trainer, str(self.run.last), "last")


class EarlyStopping(Callback):
    """Ends the run after ``patience`` epochs without a better validation mean IoU."""

    name = "early_stopping"

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.waited = 0

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        self.waited = 0 if trainer.improved else self.waited + 1
        if self.waited >= self.patience:
            best = trainer.state.best_mean_iou
            trainer.finish_message = (
                f"early stopping: no better validation mean IoU for {self.patience} epoch"
                f"{'s' if self.patience != 1 else ''} (best {best:.4f} at epoch "
                f"{trainer.state.best_epoch})" if best is not None else
                f"early stopping: no validation mean IoU for {self.patience} epochs")

    def state_dict(self) -> dict[str, Any]:
        return {"waited": self.waited}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.waited = int(state.get("waited", 0))


class RankRandomState(Callback):
    """Under torchrun: every rank's random generators, gathered before each checkpoint
    (rank 0 writes them with its own), so a resumed run gives each rank its own back
    and continues exactly. Comes before the Checkpointer in the callback list."""

    name = "ranks"

    def __init__(self, ranks: Ranks) -> None:
        self.ranks = ranks
        self.states: list[Any] = []

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        self._gather()

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        if outcome.status == "stopped":  # the Checkpointer writes last.pt next
            self._gather()

    def _gather(self) -> None:
        if self.ranks.distributed:
            self.states = self.ranks.gather(rng_state())

    def state_dict(self) -> dict[str, Any]:
        return {"world_size": self.ranks.world, "rng": self.states} if self.states else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.states = list(state.get("rng", []))

    def own(self) -> dict[str, Any] | None:
        """This rank's generators from the checkpoint it resumes, if it has them."""
        return self.states[self.ranks.rank] if self.ranks.rank < len(self.states) else None


def command_line() -> list[str]:
    return [sys.executable, *sys.argv]
