"""Engine benchmark (run with `make bench`; never part of `make test`).

Training throughput (samples/s) of the engine against a plain hand-written PyTorch
loop (forward, loss, backward, optimizer step, loss.item()) over the same model and
the same data, measured in the same run with the order of the two rotating every
round; ratio = median of per-round ratios. Goal >= 0.95.

Both read the same cached, unaugmented tiles with workers 0, so the figure is the
cost of the engine's loop itself: callbacks, lazy loss checks, progress bookkeeping.
The engine's samples/s is its own metrics.jsonl figure (training time, without the
per-epoch validation, as the plain loop has none); the first epoch (decoding into the
cache) is left out of both.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.data.dataset import SegmentationDataset, close_loader, make_cache  # noqa: E402
from app.engine.losses import make_loss  # noqa: E402
from app.engine.run import TrainOptions, checked_data, seed_everything, train  # noqa: E402
from app.engine.task import task_of  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import compile_graph  # noqa: E402
from engine_helpers import project_dict, write_data  # noqa: E402

ROUNDS = 6
EPOCHS = 3          # the first (decoding) epoch is not counted
IMAGES, SIZE, BATCH = 24, 64, 8


def _project(folder: Path):
    write_data(folder / "data", count=IMAGES, size=SIZE)
    data = project_dict(size=SIZE, epochs=EPOCHS, batch_size=BATCH, learning_rate=0.001)
    data["graph"]["nodes"][1]["settings"].update(depth=3, base_filters=16)
    data["data"]["augment"] = {}
    path = folder / "bench.json"
    path.write_text(json.dumps(data))
    return load_project(path)


def engine_rate(project, out: Path) -> float:
    result = train(project, TrainOptions(out=out, notify=lambda text: None))
    rows = result.run.rows()[1:]
    return statistics.mean(row["samples_per_s"] for row in rows)


def plain_rate(project) -> float:
    """The loop a person would write by hand, on the same tiles and model."""
    dataset = checked_data(project)
    task = task_of(project, dataset)
    seed_everything(project.training.seed)
    model = compile_graph(project.graph).train()
    loss_fn = make_loss(task.target, task.num_classes, task.ignore_index, task.class_pixels)
    optimizer = torch.optim.Adam(model.parameters(), lr=project.training.learning_rate)
    data = SegmentationDataset(dataset, "train", task.channels, task.window)
    make_cache(data)
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=0)
    samples, seconds = 0, 0.0
    try:
        for epoch in range(EPOCHS):
            start = time.perf_counter()
            for images, masks in loader:
                loss = loss_fn(model(images), masks)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                loss.item()
                if epoch:
                    samples += len(images)
            if epoch:
                seconds += time.perf_counter() - start
    finally:
        close_loader(loader)
    return samples / seconds


def test_engine_throughput_against_a_plain_loop():
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        project = _project(folder)
        rates: dict[str, list[float]] = {"engine": [], "plain": []}
        for round_ in range(ROUNDS):
            order = ["engine", "plain"] if round_ % 2 == 0 else ["plain", "engine"]
            for name in order:
                if name == "engine":
                    rates[name].append(engine_rate(project, folder / f"run{round_}"))
                else:
                    rates[name].append(plain_rate(project))
        ratio = statistics.median(e / p for e, p in zip(rates["engine"], rates["plain"]))
        print(f"\nengine {statistics.median(rates['engine']):.1f} samples/s, plain loop "
              f"{statistics.median(rates['plain']):.1f} samples/s, ratio {ratio:.3f} "
              f"({ROUNDS} rounds, {IMAGES} images {SIZE}x{SIZE}, batch {BATCH}, "
              f"{torch.get_num_threads()} threads)")
        assert ratio >= 0.95
