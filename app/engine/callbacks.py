"""The training loop's hooks (after Lightning's Callback): everything around the loop.

Progress bar, event stream, checkpoints, metric logging, early stopping and the
window's bridge are callbacks; the loop calls each hook by name on every callback
in order. A hook is a no-op unless overridden. A callback with state that must
survive a resume (early stopping's counter) returns it from ``state_dict``; it is
saved in every checkpoint under the callback's ``name``.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from .state import TrainingParts, TrainState


class Trainer(Protocol):
    """What a hook may read of the loop that calls it (the loop's Trainer is one)."""

    parts: TrainingParts
    state: TrainState
    control: "Control"
    callbacks: "CallbackList"
    improved: bool          # the last epoch set a new best mean IoU
    finish_message: str     # a callback sets it to end the run (early stopping)

    def checkpoint_state(self) -> dict[str, Any]: ...


@dataclass
class BatchInfo:
    """One finished batch. ``loss`` is read lazily: on a GPU it waits for the batch, so a
    callback that shows it a few times a second costs a few synchronizations a second."""

    epoch: int                  # 1-based
    batch: int                  # 1-based, within the epoch
    batches: int                # in the epoch
    samples: int                # in this batch
    learning_rate: float
    samples_per_s: float
    step: int                   # optimizer steps so far in the run
    _loss: Callable[[], float]

    @property
    def loss(self) -> float:
        return self._loss()


@dataclass(frozen=True)
class Outcome:
    """How a fit ended: finished | stopped | failed, with a message for people."""

    status: str
    message: str = ""
    epochs: int = 0


class Callback:
    """Base class: override the hooks you need."""

    name = ""

    def on_fit_start(self, trainer: "Trainer") -> None:
        """Before the first batch; the run directory, model and data are ready."""

    def on_epoch_start(self, trainer: "Trainer", epoch: int) -> None:
        """Before the first batch of epoch ``epoch`` (1-based)."""

    def on_batch_end(self, trainer: "Trainer", info: BatchInfo) -> None:
        """After each batch's backward pass (and optimizer step, when one was due)."""

    def on_validation_start(self, trainer: "Trainer", images: int) -> None:
        """Before the per-epoch validation over ``images`` whole images."""

    def on_validation_progress(self, trainer: "Trainer", done: int, total: int) -> None:
        """While validating: ``done`` of ``total`` images predicted."""

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        """After validation; ``row`` is the epoch's metrics.jsonl row."""

    def on_checkpoint(self, trainer: "Trainer", path: str, kind: str) -> None:
        """After a checkpoint was written; ``kind`` is last or best."""

    def on_pause(self, trainer: "Trainer", paused: bool) -> None:
        """When the loop pauses between batches (True) and goes on (False)."""

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        """Once, however the fit ended (finished, stopped or failed)."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs back (plain values)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


class CallbackList:
    """Calls a hook on every callback, in order."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)

    def call(self, hook: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def state_dict(self) -> dict[str, dict[str, Any]]:
        return {c.name: c.state_dict() for c in self.callbacks if c.name and c.state_dict()}

    def load_state_dict(self, states: dict[str, dict[str, Any]]) -> None:
        for callback in self.callbacks:
            if callback.name in states:
                callback.load_state_dict(states[callback.name])


class Control:
    """Stop and pause requests from other threads (stdin, a signal handler, a window).

    The loop checks it between batches, so Stop acts after the current batch.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.reason = ""

    def stop(self, reason: str = "stopped") -> None:
        self.reason = self.reason or reason
        self._stop.set()
        self._running.set()  # a paused loop wakes up to stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, on_pause: Callable[[bool], None]) -> None:
        """Block while paused; ``on_pause`` hears when the pause starts and ends."""
        if self._running.is_set():
            return
        on_pause(True)
        self._running.wait()
        on_pause(False)
