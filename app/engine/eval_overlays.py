"""``main.py eval --overlays DIR``: each evaluated image, its truth and its prediction as
PNGs, named in the result's ``images`` rows, so the window's Test view can draw every
test image's overlay without predicting it again.

Pictures are written at most OVERLAY_SIDE pixels on their longer side (class ids
resized nearest), enough for a list of thumbnails and one large view; the metrics
are computed at full size before that.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .pictures import class_pixels, image_pixels, shrink, write_png

OVERLAY_SIDE = 768
PARTS = ("image", "truth", "prediction")


class OverlayWriter:
    """The ``on_image`` hook of evaluate(): writes three PNGs per image into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, dict[str, str]] = {}   # image name -> part -> file name

    def __call__(self, sample: Any, classes: torch.Tensor) -> None:
        index = len(self.files)
        arrays = {"image": shrink(image_pixels(sample.image), OVERLAY_SIDE, nearest=False),
                  "truth": shrink(class_pixels(sample.mask), OVERLAY_SIDE, nearest=True),
                  "prediction": shrink(class_pixels(classes), OVERLAY_SIDE, nearest=True)}
        names = {part: f"{index:04d}_{part}.png" for part in PARTS}
        for part in PARTS:
            write_png(self.folder / names[part], arrays[part])
        self.files[sample.name] = names

    def annotate(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The result's image rows with their PNGs (paths relative to the folder)."""
        return [{**row, **self.files.get(row["file"], {})} for row in rows]
