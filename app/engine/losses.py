"""The training losses the Target offers, each leaving ignored pixels out.

Every loss takes logits (N, K, H, W) and class ids (N, H, W) and returns a scalar.
K is the class count, or 1 for a binary task trained with a one-channel output (the
foreground logit x, which the softmax-based losses read as the two logits (0, x):
softmax(0, x) = (1 - sigmoid(x), sigmoid(x))). A binary loss given two channels reads
x = logit_1 - logit_0, so every loss also accepts the log-probabilities that
evaluate() gets back from sliding-window inference.

Formulas (p = softmax probabilities, g = one-hot truth, v = 1 where the truth is not
ignored, w = class weights, sums over the batch and the pixels):
- cross_entropy, bce, focal: sum(w[y] * l * v) / sum(w[y] * v), the weighted mean
  torch's CrossEntropyLoss uses; l = -log p_y (bce: BCE-with-logits on x;
  focal: -(1 - p_y)^gamma log p_y, Lin et al. 2017). A batch whose pixels are all
  ignored gives 0, not 0/0.
- tversky: 1 - mean over the foreground classes c >= 1 of (TP + s) / (TP + a FP + b FN
  + s), TP = sum(p_c g_c v), FP = sum(p_c (1 - g_c) v), FN = sum((1 - p_c) g_c v),
  s = 1e-5; computed over the whole batch and without the background class, as
  nnU-Net's soft Dice does (Salehi et al. 2017). dice is tversky with a = b = 0.5,
  and dice_ce is dice + cross_entropy (nnU-Net's default).
- class_weights "auto": w_c = 1 / ln(1.02 + f_c), f_c = the class's share of the
  training split's pixels (ENet, Paszke et al. 2016): rare classes weigh more, but
  never more than 1 / ln(1.02) = 50.5, so a class of a few pixels cannot swamp the
  loss the way inverse frequency (1 / f_c) would.

Why hand-written and not torch's CrossEntropyLoss alone: it returns NaN for a batch
whose every pixel is ignored, and torch has no soft Dice, Tversky or focal loss for
multi-class segmentation (torchvision's sigmoid_focal_loss is binary, and torchvision
is not a dependency).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from components.errors import SettingError
from components.target import Target

SMOOTH = 1e-5
ENET_C = 1.02


def auto_class_weights(class_pixels: Sequence[int]) -> list[float]:
    """ENet weights 1 / ln(1.02 + f_c) from the training split's pixels per class."""
    total = sum(class_pixels)
    if total <= 0:
        raise ValueError("class_weights 'auto' needs pixel counts of the training split; "
                         "every count is 0")
    return [1.0 / math.log(ENET_C + n / total) for n in class_pixels]


def class_weight_values(setting: str | Sequence[float], num_classes: int,
                        class_pixels: Sequence[int] | None) -> list[float] | None:
    """The weights a class_weights setting stands for (None for 'none')."""
    if setting == "none":
        return None
    if setting == "auto":
        if class_pixels is None or len(class_pixels) != num_classes:
            raise ValueError(f"class_weights 'auto' needs {num_classes} pixel counts of the "
                             f"training split, got {class_pixels!r}")
        return auto_class_weights(class_pixels)
    if len(setting) != num_classes:
        raise SettingError("class_weights", f"{len(setting)} weights for {num_classes} "
                           "classes (one per class is needed)")
    return [float(w) for w in setting]


def make_loss(target_settings: Mapping, num_classes: int, ignore_index: int | None,
              class_pixels: list[int] | None = None) -> nn.Module:
    """The loss module for a Target's settings (defaults filled in for old files)."""
    target = Target({**target_settings, "classes": num_classes})
    problems = target.loss_problems()
    if problems:
        raise problems[0]
    s = target.settings
    weights = class_weight_values(s["class_weights"], num_classes, class_pixels)
    name = s["loss"]
    if name == "cross_entropy":
        return CrossEntropy(num_classes, ignore_index, weights)
    if name == "bce":
        return BinaryCrossEntropy(ignore_index, weights)
    if name == "focal":
        return Focal(num_classes, ignore_index, weights, s["focal_gamma"])
    if name == "dice":
        return Tversky(num_classes, ignore_index, 0.5, 0.5)
    if name == "tversky":
        return Tversky(num_classes, ignore_index, s["tversky_alpha"], s["tversky_beta"])
    return DiceCE(num_classes, ignore_index, weights)


class _SegmentationLoss(nn.Module):
    """Shared checks and the ignore mask; ``weight`` is a buffer so .to(device) moves it."""

    def __init__(self, num_classes: int, ignore_index: int | None,
                 weights: Sequence[float] | None = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.register_buffer("weight", None if weights is None else
                             torch.tensor(list(weights), dtype=torch.float32))

    def prepare(self, logits: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(logits as K = num_classes channels, target with ignored pixels set to 0,
        float mask of the pixels that count)."""
        if logits.ndim != 4 or target.shape != (logits.shape[0], *logits.shape[2:]):
            raise ValueError(f"logits {tuple(logits.shape)} and target {tuple(target.shape)}: "
                             "expected (N, K, H, W) and (N, H, W)")
        channels = logits.shape[1]
        if channels == 1 and self.num_classes == 2:
            logits = torch.cat([torch.zeros_like(logits), logits], dim=1)
        elif channels != self.num_classes:
            raise ValueError(f"{channels} output channels for {self.num_classes} classes")
        valid = torch.ones_like(target, dtype=torch.bool) if self.ignore_index is None \
            else target != self.ignore_index
        return logits.float(), torch.where(valid, target, 0), valid.float()

    def weighted_mean(self, per_pixel: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        weights = valid if self.weight is None else self.weight[target] * valid
        return (per_pixel * weights).sum() / weights.sum().clamp_min(1e-12)


class CrossEntropy(_SegmentationLoss):
    """Softmax cross-entropy, class-weighted mean over the pixels that count."""

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        logits, target, valid = self.prepare(logits, target)
        nll = F.cross_entropy(logits, target, reduction="none")
        return self.weighted_mean(nll, target, valid)


class Focal(_SegmentationLoss):
    """-(1 - p_y)^gamma log p_y: gamma 0 is cross-entropy."""

    def __init__(self, num_classes: int, ignore_index: int | None,
                 weights: Sequence[float] | None, gamma: float) -> None:
        super().__init__(num_classes, ignore_index, weights)
        self.gamma = gamma

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        logits, target, valid = self.prepare(logits, target)
        log_p = F.log_softmax(logits, dim=1).gather(1, target[:, None])[:, 0]
        focus = (1 - log_p.exp()).clamp_min(0) ** self.gamma
        return self.weighted_mean(-focus * log_p, target, valid)


class BinaryCrossEntropy(_SegmentationLoss):
    """BCE-with-logits on the foreground logit of a binary task."""

    def __init__(self, ignore_index: int | None, weights: Sequence[float] | None) -> None:
        super().__init__(2, ignore_index, weights)

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        two, target, valid = self.prepare(logits, target)
        foreground = two[:, 1] - two[:, 0]  # the logit itself for a one-channel output
        bce = F.binary_cross_entropy_with_logits(foreground, target.float(), reduction="none")
        return self.weighted_mean(bce, target, valid)


class Tversky(_SegmentationLoss):
    """1 - soft Tversky index over the foreground classes (Dice at alpha = beta = 0.5)."""

    def __init__(self, num_classes: int, ignore_index: int | None, alpha: float,
                 beta: float) -> None:
        super().__init__(num_classes, ignore_index)
        self.alpha, self.beta = alpha, beta

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        logits, target, valid = self.prepare(logits, target)
        mask = valid[:, None]
        p = F.softmax(logits, dim=1)[:, 1:] * mask
        g = F.one_hot(target, self.num_classes).movedim(-1, 1)[:, 1:].float() * mask
        axes = (0, 2, 3)
        tp = (p * g).sum(axes)
        fp = (p * (1 - g)).sum(axes)
        fn = ((1 - p) * g).sum(axes)  # (1 - p) * g is 0 at ignored pixels: g is 0 there
        index = (tp + SMOOTH) / (tp + self.alpha * fp + self.beta * fn + SMOOTH)
        return 1 - index.mean()


class DiceCE(nn.Module):
    """Soft Dice + cross-entropy, weighted 1 : 1 as nnU-Net does."""

    def __init__(self, num_classes: int, ignore_index: int | None,
                 weights: Sequence[float] | None) -> None:
        super().__init__()
        self.dice = Tversky(num_classes, ignore_index, 0.5, 0.5)
        self.cross_entropy = CrossEntropy(num_classes, ignore_index, weights)

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        return self.dice(logits, target) + self.cross_entropy(logits, target)
