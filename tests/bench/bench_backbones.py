"""Training speed per U-Net backbone, measured with the engine (`make bench`).

Each backbone's U-Net (the UNet component's defaults otherwise: mirrored decoder,
transpose unpooling, batch norm) trains on the same 16 RGB images of 128x128, batch
8, for 2 epochs through app.engine.run.train; its samples/s is the engine's own
metrics.jsonl figure (training time without validation) of the second epoch (the
first decodes into the cache). Every figure is also given as a ratio to the classic
U-Net (backbone none, depth 4, 64 filters) trained in the same run: before the first
backbone and after every fourth, each backbone compared with the mean of the two
classic measurements around it, so a loaded machine shifts both alike. The backbones train
from random weights: the speed does not depend on them, and nothing is downloaded.
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.run import TrainOptions, train  # noqa: E402
from app.project import load_project  # noqa: E402
from components.unet import BACKBONES  # noqa: E402
from engine_helpers import CLASSES, project_dict  # noqa: E402

SIZE, BATCH, IMAGES, EPOCHS = 128, 8, 16, 2
EVERY = 4  # backbones between two classic measurements


def _data(folder: Path) -> None:
    rng = np.random.default_rng(0)
    for split, count in (("train", IMAGES), ("val", 1), ("test", 1)):
        for kind in ("images", "masks"):
            (folder / split / kind).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            image = rng.integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)
            mask = rng.integers(0, 3, (SIZE, SIZE), dtype=np.uint8)
            Image.fromarray(image).save(folder / split / "images" / f"{i}.png")
            Image.fromarray(mask).save(folder / split / "masks" / f"{i}.png")


def _samples_per_s(folder: Path, backbone: str) -> float:
    data = project_dict(size=SIZE, epochs=EPOCHS, batch_size=BATCH, learning_rate=0.001)
    input_node, unet = data["graph"]["nodes"][0], data["graph"]["nodes"][1]
    input_node["settings"].update(channels=3, normalization="imagenet")
    unet["settings"] = {"backbone": backbone}
    data["data"].update(classes=CLASSES, augment={})
    path = folder / f"{backbone}.json"
    path.write_text(json.dumps(data))
    out = Path(tempfile.mkdtemp(prefix=f"run_{backbone}_", dir=folder))
    result = train(load_project(path), TrainOptions(out=out / "run", notify=lambda text: None))
    gc.collect()  # automatic collection is off under the tests' Qt set-up (app/gui_garbage.py)
    return result.run.rows()[-1]["samples_per_s"]


def test_training_speed_per_backbone():
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        _data(folder / "data")
        names = [b for b in BACKBONES if b != "none"]
        if os.environ.get("BENCH_BACKBONES"):  # a quick look at a few: vgg11,resnet18
            names = os.environ["BENCH_BACKBONES"].split(",")
        lines = []
        for start in range(0, len(names), EVERY):
            before = _samples_per_s(folder, "none")
            speeds = {name: _samples_per_s(folder, name) for name in names[start:start + EVERY]}
            classic = statistics.mean([before, _samples_per_s(folder, "none")])
            for name, speed in speeds.items():
                lines.append(f"| {name} | {speed:.2f} | {classic:.2f} | {speed / classic:.2f} |")
                print(lines[-1], flush=True)
        print(f"\n{IMAGES} RGB images {SIZE}x{SIZE}, batch {BATCH}, "
              f"{torch.get_num_threads()} threads\n| backbone | samples/s | classic U-Net "
              "samples/s (same run) | ratio |\n|---|---|---|---|\n" + "\n".join(lines))
        assert len(lines) == len(names)
