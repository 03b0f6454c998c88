"""``preview`` events: the model's prediction for a few fixed validation samples, every
few seconds, as small PNGs in the run directory's previews/ (for the window).

A preview must never hold training up for long, so it is small and timed: each
sample is one Input-sized window (the centre crop of a larger image with
``fit: tile``, the whole image resized with ``fit: resize``), predicted once, and
written at most PREVIEW_SIDE pixels on its longer side; the time one preview took
sets the interval to the next, so previews cost about BUDGET of the training time
(never more often than every MIN_INTERVAL seconds). The image and truth PNGs are
written once; each preview replaces the prediction PNGs atomically, so a reader
never sees half a file.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import torch

from .callbacks import BatchInfo, Callback
from .inference import predict_probabilities
from .metrics import most_probable
from .pictures import class_pixels, image_pixels, shrink, write_png

if TYPE_CHECKING:
    from .callbacks import Trainer

Emit = Callable[..., None]
SAMPLES = 4
PREVIEW_SIDE = 256
MIN_INTERVAL = 3.0   # seconds
BUDGET = 0.03        # share of the training time previews may take
FOLDER = "previews"


@dataclass
class PreviewSample:
    """One fixed validation sample, cropped once: what the model sees and the truth."""

    name: str
    image: torch.Tensor      # float (C, h, w) in [0, 1]
    truth: np.ndarray        # uint8 (h, w) class ids (255 ignored)
    files: dict[str, str]    # image / truth / prediction -> path relative to the run


def choose(count: int, wanted: int = SAMPLES) -> list[int]:
    """Up to ``wanted`` indices spread evenly over ``count`` samples (fixed for the run)."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def centre_crop(image: torch.Tensor, mask: torch.Tensor, window: Sequence[int]
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """The window-sized centre of an image larger than the window (else the image)."""
    height, width = image.shape[-2:]
    h, w = min(height, window[0]), min(width, window[1])
    top, left = (height - h) // 2, (width - w) // 2
    return image[:, top:top + h, left:left + w], mask[top:top + h, left:left + w]


class LivePreview(Callback):
    """Writes the fixed samples' predictions every few seconds and emits ``preview``."""

    def __init__(self, emit: Emit, run_dir: Path, samples: Sequence[Any],
                 window: Sequence[int], fit: str) -> None:
        self.emit, self.run_dir, self.window, self.fit = emit, Path(run_dir), tuple(window), fit
        self.source = samples        # a FullImageDataset (or a list of FullImage-likes)
        self.samples: list[PreviewSample] = []
        self.interval = MIN_INTERVAL
        self.seconds: float | None = None   # what the last preview took
        self._last = float("-inf")

    def on_fit_start(self, trainer: "Trainer") -> None:
        (self.run_dir / FOLDER).mkdir(parents=True, exist_ok=True)
        for slot, index in enumerate(choose(len(self.source))):
            item = self.source[index]
            image, mask = (centre_crop(item.image, item.mask, self.window)
                           if self.fit == "tile" else (item.image, item.mask))
            files = {part: f"{FOLDER}/s{slot}_{part}.png"
                     for part in ("image", "truth", "prediction")}
            truth = class_pixels(mask)
            write_png(self.run_dir / files["image"],
                      shrink(image_pixels(image), PREVIEW_SIDE, nearest=False))
            write_png(self.run_dir / files["truth"], shrink(truth, PREVIEW_SIDE, nearest=True))
            self.samples.append(PreviewSample(item.name, image, truth, files))

    def on_batch_end(self, trainer: "Trainer", info: BatchInfo) -> None:
        if self.samples and time.monotonic() - self._last >= self.interval:
            self.preview(trainer)

    def preview(self, trainer: "Trainer") -> None:
        """Predict and write every sample now, emit the event, and plan the next one."""
        parts = trainer.parts
        started = time.perf_counter()
        with parts.runtime.autocast():
            for sample in self.samples:
                probabilities = predict_probabilities(parts.model, sample.image, self.window,
                                                      fit=self.fit, device=parts.runtime.device)
                classes = class_pixels(most_probable(probabilities, dim=0))
                write_png(self.run_dir / sample.files["prediction"],
                          shrink(classes, PREVIEW_SIDE, nearest=True))
        self.seconds = time.perf_counter() - started
        self.interval = max(MIN_INTERVAL, self.seconds / BUDGET)
        self._last = time.monotonic()
        self.emit("preview", epoch=trainer.state.epoch + 1, step=trainer.state.step,
                  seconds=round(self.seconds, 3),
                  samples=[{"name": s.name, **s.files} for s in self.samples])
