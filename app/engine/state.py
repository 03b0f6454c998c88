"""What the training loop works on: where a run is, and what it trains with.

Kept apart from the loop so that callbacks can name these types without importing
the loop that calls them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from .data import TrainData
from .metrics import ConfusionMatrix
from .devices import Runtime
from .distributed import Ranks
from .optim import Schedule


@dataclass
class TrainState:
    """Where the run is; saved in every checkpoint."""

    epoch: int = 0                      # epochs completed
    batch: int = 0                      # batches done in the unfinished epoch
    step: int = 0                       # optimizer steps
    best_mean_iou: float | None = None
    best_epoch: int = 0
    loss_sum: float = 0.0               # sample-weighted, unfinished epoch
    samples: int = 0
    train_seconds: float = 0.0

    def end_epoch(self) -> None:
        self.epoch += 1
        self.batch, self.loss_sum, self.samples, self.train_seconds = 0, 0.0, 0, 0.0


@dataclass
class TrainingParts:
    """What the loop trains with; run.py assembles it from a project."""

    model: nn.Module                    # its state_dict is what checkpoints hold
    forward: Callable[[torch.Tensor], torch.Tensor]   # the model, or torch.compile of it
    loss: nn.Module
    optimizer: torch.optim.Optimizer
    schedule: Schedule
    scaler: torch.amp.GradScaler
    runtime: Runtime
    data: TrainData
    validate: Callable[[nn.Module, Callable[[int, int], None]], Any]   # -> Evaluation
    val_images: int
    epochs: int
    accumulate: int = 1
    grad_clip: float | None = None
    extra: dict[str, Any] | None = None  # graph, training, classes: stored in checkpoints
    ranks: Ranks = field(default_factory=Ranks)  # torchrun's processes (one without it)
    train_matrix: ConfusionMatrix | None = None  # the epoch's training predictions so far
    class_names: list[str] = field(default_factory=list)
