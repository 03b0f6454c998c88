"""What an export is checked on: windows of the project's own images, as ``predict``
feeds them to the model (a window-sized crop for ``fit: tile``, the resized image for
``fit: resize``), or seeded random input when the project has no data to read."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from app.data.images import crop_padded, resize_image
from components.errors import StudioError

if TYPE_CHECKING:
    from app.project import Project

SPLITS = ("val", "test", "train")


@dataclass(frozen=True)
class Samples:
    """Model inputs (N, C, H, W) in [0, 1] and where they came from."""

    names: list[str]
    windows: torch.Tensor
    source: str

    def resized(self, size: tuple[int, int]) -> torch.Tensor:
        """The same samples at another size (for checking a dynamic height and width)."""
        return torch.stack([torch.from_numpy(resize_image(w.permute(1, 2, 0).numpy(), size))
                            for w in self.windows])


def verification_samples(project: "Project", channels: int, window: tuple[int, int],
                         fit: str, count: int = 3) -> Samples:
    """Up to ``count`` windows from the first split with images (val, test, train)."""
    try:
        found = _data_windows(project, channels, window, fit, count)
    except (StudioError, OSError, ValueError) as error:
        return _random(channels, window, count, f"random input (the project's data cannot "
                       f"be read: {str(error).splitlines()[0]})")
    if isinstance(found, str):
        return _random(channels, window, count,
                       f"random input (the project has no images{found})")
    return found


def _data_windows(project: "Project", channels: int, window: tuple[int, int], fit: str,
                  count: int) -> Samples | str:
    """The samples, or why there are none (the scan's first problem)."""
    from app.data.dataset import FullImageDataset
    from app.data.scan import scan

    dataset = scan(project.data, project.folder)
    for split in SPLITS:
        images = FullImageDataset(dataset, split, channels)
        if not len(images):
            continue
        chosen = [images[i] for i in range(min(count, len(images)))]
        windows = [_window_of(sample.image.permute(1, 2, 0).numpy(), window, fit)
                   for sample in chosen]
        return Samples([sample.name for sample in chosen], torch.stack(windows).float(),
                       f"{len(chosen)} image{'s' if len(chosen) > 1 else ''} of the "
                       f"{split} split")
    return f": {dataset.problems[0]}" if dataset.problems else ""


def _window_of(pixels: np.ndarray, window: tuple[int, int], fit: str) -> torch.Tensor:
    """(C, h, w): the resized image, or the window-sized crop at the image's centre
    (float32 after the stack: 16-bit images arrive as float64 from the percentile
    scaling, which predict_probabilities casts too)."""
    if fit == "resize":
        return torch.from_numpy(resize_image(pixels, window))
    top = max(0, (pixels.shape[0] - window[0]) // 2)
    left = max(0, (pixels.shape[1] - window[1]) // 2)
    crop = crop_padded(pixels, top, left, window)
    return torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1)))


def _random(channels: int, window: tuple[int, int], count: int, source: str) -> Samples:
    generator = torch.Generator().manual_seed(0)
    windows = torch.rand((count, channels, *window), generator=generator)
    return Samples([f"random {i + 1}" for i in range(count)], windows, source)
