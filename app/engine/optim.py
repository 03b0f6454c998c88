"""Optimizers and learning-rate schedules from the training settings.

The Schedule hides when each torch scheduler steps: cosine (with linear warm-up)
and one_cycle move every optimizer step, step every epoch, reduce_on_plateau after
validation on the mean IoU. Its state goes into every checkpoint; when a resumed
run is given more epochs than it planned, the schedules that depend on the total
(cosine, one_cycle) are re-planned for the new total from the step they reached.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import torch
from torch import nn
from torch.optim import lr_scheduler

from .config import TrainingConfig


def make_optimizer(parameters: Iterable[nn.Parameter], config: TrainingConfig
                   ) -> torch.optim.Optimizer:
    """The optimizer the settings name, with its parameters."""
    lr, decay = config.learning_rate, config.weight_decay
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=config.betas, weight_decay=decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, betas=config.betas, weight_decay=decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=config.momentum, weight_decay=decay,
                               nesterov=config.nesterov and config.momentum > 0)
    return torch.optim.RMSprop(parameters, lr=lr, momentum=config.momentum, weight_decay=decay)


class Schedule:
    """One learning-rate schedule, stepped where it belongs."""

    PER_STEP = ("cosine", "one_cycle")

    def __init__(self, optimizer: torch.optim.Optimizer, config: TrainingConfig, epochs: int,
                 steps_per_epoch: int) -> None:
        self.kind = config.schedule
        self.optimizer = optimizer
        total = max(1, epochs * steps_per_epoch)
        self.scheduler: Any = None
        if self.kind == "cosine":
            warmup = min(config.warmup_epochs * steps_per_epoch, total - 1)
            self.scheduler = lr_scheduler.LambdaLR(optimizer, _warmup_cosine(warmup, total))
        elif self.kind == "one_cycle":
            self.scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=config.learning_rate,
                                                     total_steps=total)
        elif self.kind == "step":
            self.scheduler = lr_scheduler.StepLR(optimizer, config.step_size,
                                                 gamma=config.schedule_factor)
        elif self.kind == "reduce_on_plateau":
            self.scheduler = lr_scheduler.ReduceLROnPlateau(
                optimizer, mode="max", factor=config.schedule_factor,
                patience=config.plateau_patience)

    def after_step(self) -> None:
        """After each optimizer step."""
        if self.kind in self.PER_STEP:
            self.scheduler.step()

    def after_epoch(self, mean_iou: float | None) -> None:
        """After each epoch's validation."""
        if self.kind == "step":
            self.scheduler.step()
        elif self.kind == "reduce_on_plateau" and mean_iou is not None:
            self.scheduler.step(mean_iou)

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict() if self.scheduler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore; the plan (total steps) stays the one this Schedule was built with."""
        if self.scheduler is None or not state:
            return
        if self.kind == "one_cycle":
            plan = self.scheduler.state_dict()
            state = {**state, "total_steps": plan["total_steps"],
                     "_schedule_phases": plan["_schedule_phases"]}
        self.scheduler.load_state_dict(state)
        if self.kind in self.PER_STEP:  # the saved lr was for the old plan: recompute it
            for group, lr in zip(self.optimizer.param_groups, self._closed_form()):
                group["lr"] = lr

    def _closed_form(self) -> list[float]:
        scheduler = self.scheduler
        scheduler._get_lr_called_within_step = True  # torch's own flag for get_lr()
        try:
            return list(scheduler.get_lr())
        finally:
            scheduler._get_lr_called_within_step = False


def _warmup_cosine(warmup: int, total: int):
    """Factor of the base learning rate at step ``s``: linear up, then half a cosine."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor
