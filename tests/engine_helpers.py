"""Tiny projects and data for the engine tests (written into tmp_path)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

CLASSES = [{"name": "background", "color": [0, 0, 0]},
           {"name": "disc", "color": [255, 0, 0]},
           {"name": "square", "color": [0, 255, 0]}]


def write_data(folder: Path, count: int = 6, size: int = 32, seed: int = 0) -> Path:
    """``count`` gray images with a bright disc (class 1) and a dim square (class 2)."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", count), ("val", 2), ("test", 2)):
        (folder / split / "images").mkdir(parents=True, exist_ok=True)
        (folder / split / "masks").mkdir(parents=True, exist_ok=True)
        for i in range(n):
            image = rng.normal(40, 10, (size, size))
            mask = np.zeros((size, size), np.uint8)
            y, x = np.mgrid[:size, :size]
            cy, cx = rng.integers(8, size - 8, 2)
            disc = (y - cy) ** 2 + (x - cx) ** 2 < 25
            top, left = rng.integers(0, size - 6, 2)
            square = np.zeros_like(disc)
            square[top:top + 6, left:left + 6] = True
            square &= ~disc
            image[disc], image[square] = 220, 120
            mask[disc], mask[square] = 1, 2
            Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
                folder / split / "images" / f"{split}{i}.png")
            Image.fromarray(mask).save(folder / split / "masks" / f"{split}{i}.png")
    return folder


def project_dict(data_root: str = "data", size: int = 32, **training: Any) -> dict[str, Any]:
    """Input (1 channel) -> UNet depth 2, 8 filters -> Target (3 classes)."""
    nodes = [
        {"id": "input", "type": "Input", "position": [0, 0],
         "settings": {"channels": 1, "height": size, "width": size,
                      "normalization": "per_image"}},
        {"id": "unet", "type": "UNet", "position": [200, 0],
         "settings": {"depth": 2, "base_filters": 8}},
        {"id": "target", "type": "Target", "position": [400, 0],
         "settings": {"classes": 3, "loss": "cross_entropy"}},
    ]
    edges = [{"source": "input", "source_port": "out", "target": "unet", "target_port": "in"},
             {"source": "unet", "source_port": "out", "target": "target", "target_port": "in"}]
    settings = {"epochs": 2, "batch_size": 2, "learning_rate": 0.01, "workers": 0, "seed": 3}
    settings.update(training)
    return {"format": 1, "name": "tiny", "graph": {"nodes": nodes, "edges": edges},
            "data": {"source": "folders", "root": data_root, "images": "images",
                     "masks": "masks", "split": "folders", "mask": {"kind": "labels"},
                     "classes": CLASSES, "augment": {"flip": True}},
            "training": settings}


def write_project(folder: Path, **training: Any) -> Path:
    """A tiny project with its data in ``folder``; returns the project file."""
    if not (folder / "data").exists():
        write_data(folder / "data")
    path = folder / "tiny.json"
    path.write_text(json.dumps(project_dict(**training)))
    return path
