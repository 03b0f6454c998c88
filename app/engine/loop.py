"""The one training loop: per batch forward, loss, backward, optimizer step; per epoch
validation over the whole val split. Everything else is a callback.

The loop never waits for the GPU just to read a loss: losses stay on the device
and are checked (finite or not) in small groups, every batch on a CPU and about
ten times a second on a GPU, so a NaN is still traced to its epoch and batch.
Stop and pause requests are honoured between optimizer steps, so a stopped run
can resume in the middle of an epoch exactly where it was.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

import torch
from torch import nn

from app.data.problems import plural
from components.errors import StudioError

from .callbacks import BatchInfo, Callback, CallbackList, Control, Outcome
from .state import TrainingParts, TrainState
from .checkpoint import FORMAT, rng_state
from .data import TrainData
from .devices import Runtime, free_memory
from .metrics import predicted_classes, summarize
from .optim import Schedule


class NonFiniteLoss(StudioError):
    """The loss became NaN or infinite; names the epoch and batch."""


class OutOfMemory(StudioError):
    """A batch did not fit in the device's memory; says which batch size would."""


class LossMonitor:
    """Batch losses kept on the device and checked in groups."""

    def __init__(self, state: TrainState, epoch: int, interval: float) -> None:
        self.state, self.epoch, self.interval = state, epoch, interval
        self.pending: list[tuple[int, torch.Tensor, int]] = []
        self.latest = float("nan")
        self._flushed = time.perf_counter()

    def add(self, batch: int, loss: torch.Tensor, samples: int) -> None:
        self.pending.append((batch, loss, samples))
        if time.perf_counter() - self._flushed >= self.interval:
            self.flush()

    def flush(self) -> float:
        """Check every pending loss; the latest value (NonFiniteLoss at the first bad one)."""
        if self.pending:
            values = torch.stack([loss for _, loss, _ in self.pending]).float().cpu().tolist()
            for (batch, _, samples), value in zip(self.pending, values):
                if not math.isfinite(value):
                    self.pending.clear()
                    raise NonFiniteLoss(
                        f"the loss became {value} at epoch {self.epoch}, batch {batch}; "
                        "training stopped and the last good checkpoint was kept (a lower "
                        "training.learning_rate, training.grad_clip or precision fp32 may help)")
                self.state.loss_sum += value * samples
                self.state.samples += samples
                self.latest = value
            self.pending.clear()
        self._flushed = time.perf_counter()
        return self.latest


class Trainer:
    """Runs the epochs of one run; callbacks do the rest."""

    def __init__(self, parts: TrainingParts, callbacks: list[Callback],
                 control: Control | None = None) -> None:
        self.parts = parts
        self.callbacks = CallbackList(callbacks)
        self.control = control or Control()
        self.state = TrainState()
        self.improved = False           # the last epoch set a new best mean IoU
        self.finish_message = ""        # set by a callback (early stopping) to end the run

    # --- the loop ---------------------------------------------------------------------
    def fit(self) -> Outcome:
        """Train until the planned epochs, a stop request or an error; returns how it ended."""
        self.callbacks.call("on_fit_start", self)
        try:
            while self.state.epoch < self.parts.epochs and not self.finish_message:
                if not self._train_epoch():
                    break
                self._end_epoch(self._validate())
                if self.parts.ranks.any(self.control.stopping):
                    break
        except BaseException as caught:
            error = self.parts.ranks.explain(caught)  # another rank's failure, by its rank
            message = str(error) if isinstance(error, StudioError) else (
                f"{type(error).__name__}: {error}")
            self.callbacks.call("on_fit_end", self, Outcome("failed", message, self.state.epoch))
            if error is caught:
                raise
            raise error from None
        outcome = self._outcome()
        self.callbacks.call("on_fit_end", self, outcome)
        return outcome

    def _outcome(self) -> Outcome:
        done = self.state.epoch
        if self.finish_message:
            return Outcome("finished", self.finish_message, done)
        if self.state.epoch >= self.parts.epochs:
            return Outcome("finished", f"trained {plural(done, 'epoch')}", done)
        reason = self.control.reason or "stopped"
        if not self.state.batch:
            return Outcome("stopped", f"{reason} after {plural(done, 'epoch')}", done)
        where = f"in epoch {done + 1} after batch {self.state.batch}"
        whole = f" ({plural(done, 'epoch')} done)" if done else ""
        return Outcome("stopped", f"{reason} {where}{whole}", done)

    def _train_epoch(self) -> bool:
        """Train one epoch (or its rest); False when a stop request came first."""
        p, s = self.parts, self.state
        epoch, batches = s.epoch + 1, p.data.batches
        p.data.start_epoch(s.epoch, s.batch)
        p.model.train()
        self.callbacks.call("on_epoch_start", self, epoch)
        interval = 0.0 if p.runtime.device.type == "cpu" else 0.1
        monitor = LossMonitor(s, epoch, interval)
        last = time.perf_counter()
        for images, masks in p.data.loader:
            before = time.perf_counter()
            self.control.wait_while_paused(lambda on: self.callbacks.call("on_pause", self, on))
            last += time.perf_counter() - before  # a pause is not training time
            boundary = (s.batch + 1) % p.accumulate == 0 or s.batch + 1 == batches
            loss = self._forward_backward(images, masks, epoch, s.batch + 1, boundary)
            s.batch += 1
            if boundary:
                self._step()
            monitor.add(s.batch, loss, len(images))
            now = time.perf_counter()
            s.train_seconds += now - last
            last = now
            rate = (s.samples + sum(n for *_, n in monitor.pending)) / max(s.train_seconds, 1e-9)
            self.callbacks.call("on_batch_end", self, BatchInfo(
                epoch, s.batch, batches, len(images), p.schedule.learning_rate,
                rate * p.ranks.world, s.step, monitor.flush))  # every rank as fast as this
            if boundary and s.batch < batches and p.ranks.any(self.control.stopping):
                monitor.flush()  # every rank stops after the same batch
                return False
        monitor.flush()
        return True

    def _forward_backward(self, images: torch.Tensor, masks: torch.Tensor, epoch: int,
                          batch: int, sync: bool = True) -> torch.Tensor:
        try:
            return self._pass(images, masks, sync)
        except torch.OutOfMemoryError:
            pass  # leave the except block first, so the failed pass's tensors can be freed
        raise self._out_of_memory(images, masks, epoch, batch)

    def _pass(self, images: torch.Tensor, masks: torch.Tensor, sync: bool = True
              ) -> torch.Tensor:
        """Forward and backward; ``sync`` False: a micro-batch before the optimizer step,
        whose gradients ranks need not average yet (DistributedDataParallel.no_sync)."""
        p = self.parts
        images = images.to(p.runtime.device, non_blocking=True).contiguous(
            memory_format=p.runtime.memory_format)
        masks = masks.to(p.runtime.device, non_blocking=True)
        with p.ranks.no_sync(sync):
            with p.runtime.autocast():
                logits = p.forward(images)
            loss = p.loss(logits.float(), masks)
            p.scaler.scale(loss / p.accumulate).backward()
        if p.train_matrix is not None:  # the train IoU curve, from the predictions made anyway
            p.train_matrix.accumulate(
                predicted_classes(logits.detach(), p.train_matrix.num_classes), masks)
        return loss.detach()

    def _step(self) -> None:
        p = self.parts
        if p.grad_clip is not None:
            p.scaler.unscale_(p.optimizer)
            nn.utils.clip_grad_norm_(p.model.parameters(), p.grad_clip)
        p.scaler.step(p.optimizer)
        p.scaler.update()
        p.optimizer.zero_grad(set_to_none=True)
        self.state.step += 1
        p.schedule.after_step()

    def _out_of_memory(self, images: torch.Tensor, masks: torch.Tensor, epoch: int,
                       batch: int) -> OutOfMemory:
        """The error to raise, after probing smaller batches of the same samples."""
        p = self.parts
        wanted = p.data.batch_size
        fits = None
        size = min(len(images), wanted) // 2
        while size >= 1 and fits is None:
            p.optimizer.zero_grad(set_to_none=True)
            free_memory(p.runtime.device)
            try:
                self._pass(images[:size], masks[:size])
                fits = size
            except torch.OutOfMemoryError:
                size //= 2
        p.optimizer.zero_grad(set_to_none=True)
        free_memory(p.runtime.device)
        where = f"{p.runtime.describe()}, at epoch {epoch}, batch {batch}"
        if fits is None:
            return OutOfMemory(f"training.batch_size: not even a batch of 1 fits in the memory "
                               f"of {where}; use a smaller Input size or a smaller model")
        keep = wanted * p.accumulate
        return OutOfMemory(
            f"training.batch_size: {wanted} does not fit in the memory of {where}; a batch "
            f"of {fits} fits: set training.batch_size to {fits} (and training.accumulate to "
            f"{max(1, keep // fits)} to keep the effective batch of {keep})")

    def _validate(self) -> dict[str, Any]:
        p = self.parts
        p.ranks.align_buffers(p.model)
        p.model.eval()
        self.callbacks.call("on_validation_start", self, p.val_images)
        started = time.perf_counter()
        try:
            with torch.no_grad(), p.runtime.autocast():
                evaluation = p.validate(p.model, lambda done, total: self.callbacks.call(
                    "on_validation_progress", self, done, total))
        except torch.OutOfMemoryError:
            raise OutOfMemory(f"validation ran out of the memory of {p.runtime.describe()}; "
                              "whole images are predicted in Input-sized windows, so a "
                              "smaller Input or model is needed") from None
        finally:
            p.model.train()
        s = self.state
        seconds = s.train_seconds + time.perf_counter() - started
        metrics = evaluation.metrics.row()
        loss_sum, samples = p.ranks.sum(s.loss_sum, s.samples)  # every rank's batches
        return {"epoch": s.epoch + 1, "train_loss": loss_sum / max(1, samples),
                "val_loss": evaluation.loss, "mean_iou": metrics["mean_iou"],
                "iou": metrics["iou"], "dice": metrics["dice"],
                "pixel_accuracy": metrics["pixel_accuracy"], **self._train_metrics(),
                "learning_rate": p.schedule.learning_rate, "seconds": round(seconds, 3),
                "samples_per_s": round(samples / max(s.train_seconds, 1e-9), 3)}

    def _train_metrics(self) -> dict[str, Any]:
        """IoU of the epoch's training predictions (on augmented tiles, in training mode,
        with the weights of the moment: a running figure, as the train loss is)."""
        p = self.parts
        if p.train_matrix is None:
            return {}
        metrics = summarize(p.ranks.sum_counts(p.train_matrix.matrix), p.class_names)
        return {"train_mean_iou": metrics.mean_iou, "train_iou": metrics.iou}

    def _end_epoch(self, row: dict[str, Any]) -> None:
        s = self.state
        s.end_epoch()
        if self.parts.train_matrix is not None:
            self.parts.train_matrix.reset()
        mean_iou = row["mean_iou"]
        self.improved = mean_iou is not None and (s.best_mean_iou is None
                                                  or mean_iou > s.best_mean_iou)
        if self.improved:
            s.best_mean_iou, s.best_epoch = mean_iou, s.epoch
        self.parts.schedule.after_epoch(mean_iou)
        self.callbacks.call("on_epoch_end", self, row)

    # --- checkpoints ------------------------------------------------------------------
    def checkpoint_state(self) -> dict[str, Any]:
        """Everything an exact resume needs, in weights_only-loadable types."""
        p, s = self.parts, self.state
        return {"format": FORMAT, "model": p.model.state_dict(),
                "optimizer": p.optimizer.state_dict(), "scheduler": p.schedule.state_dict(),
                "scaler": p.scaler.state_dict(), "epoch": s.epoch, "step": s.step,
                "batch": s.batch, "rng": rng_state(), "best_mean_iou": s.best_mean_iou,
                "best_epoch": s.best_epoch, "epochs": p.epochs,
                "partial": {"loss_sum": s.loss_sum, "samples": s.samples,
                            "train_seconds": s.train_seconds,
                            **self._partial_matrix()},
                "callbacks": self.callbacks.state_dict(), **(p.extra or {})}

    def restore(self, checkpoint: dict[str, Any]) -> None:
        """Continue from a checkpoint (its RNG state is restored by the caller, last)."""
        p = self.parts
        p.model.load_state_dict(checkpoint["model"])
        p.optimizer.load_state_dict(checkpoint["optimizer"])
        p.schedule.load_state_dict(checkpoint["scheduler"])
        if checkpoint.get("scaler"):
            p.scaler.load_state_dict(checkpoint["scaler"])
        partial = checkpoint.get("partial", {})
        self.state = TrainState(checkpoint["epoch"], checkpoint.get("batch", 0),
                                checkpoint["step"], checkpoint.get("best_mean_iou"),
                                checkpoint.get("best_epoch", 0), partial.get("loss_sum", 0.0),
                                partial.get("samples", 0), partial.get("train_seconds", 0.0))
        self.callbacks.load_state_dict(checkpoint.get("callbacks", {}))
        matrix = partial.get("train_matrix")
        if p.train_matrix is not None and matrix is not None:
            p.train_matrix.matrix.copy_(torch.as_tensor(matrix, dtype=torch.int64))

    def _partial_matrix(self) -> dict[str, Any]:
        matrix = self.parts.train_matrix
        return {} if matrix is None else {"train_matrix": matrix.matrix.cpu().tolist()}

    def state_json(self) -> dict[str, Any]:
        return asdict(self.state)
