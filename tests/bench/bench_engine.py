"""Engine benchmark (run with `make bench`; never part of `make test`).

Training throughput (samples/s) of the engine against a plain hand-written PyTorch
loop (forward, loss, backward, optimizer step, loss.item()) over the same model and
the same data, in the same run: the plain loop runs as a callback of the engine's own
run, one plain epoch beside every engine epoch, alternately just before and just after
it, so both see the same load on a shared machine. Ratio = median over the epoch
pairs of engine samples/s / plain samples/s. Goal >= 0.95.

Both read cached, unaugmented tiles with workers 0, so the figure is the cost of the
engine's loop itself (callbacks, lazy loss checks, bookkeeping, events). The engine's
samples/s is its own metrics.jsonl figure (training time, without the per-epoch
validation, which the plain loop does not do); the first epoch of each (decoding
into the cache) is left out.
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
from app.engine.callbacks import Callback  # noqa: E402
from app.engine.losses import make_loss  # noqa: E402
from app.engine.run import TrainOptions, checked_data, seed_everything, train  # noqa: E402
from app.engine.task import task_of  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import compile_graph  # noqa: E402
from engine_helpers import project_dict, write_data  # noqa: E402

EPOCHS = 13         # the first (decoding) epoch is not counted
IMAGES, SIZE, BATCH = 48, 64, 8


def _project(folder: Path):
    write_data(folder / "data", count=IMAGES, size=SIZE)
    data = project_dict(size=SIZE, epochs=EPOCHS, batch_size=BATCH, learning_rate=0.001)
    data["graph"]["nodes"][1]["settings"].update(depth=3, base_filters=16)
    data["data"]["augment"] = {}
    path = folder / "bench.json"
    path.write_text(json.dumps(data))
    return load_project(path)


class PlainLoop(Callback):
    """The loop a person would write by hand, on the same tiles and an identical model;
    one of its epochs runs before (odd epochs) or after (even epochs) each engine epoch."""

    def __init__(self, project) -> None:
        dataset = checked_data(project)
        task = task_of(project, dataset)
        seed_everything(project.training.seed)
        self.model = compile_graph(project.graph).train()
        self.loss = make_loss(task.target, task.num_classes, task.ignore_index,
                              task.class_pixels)
        self.optimizer = torch.optim.Adam(self.model.parameters(),
                                          lr=project.training.learning_rate)
        data = SegmentationDataset(dataset, "train", task.channels, task.window)
        make_cache(data)
        self.loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True,
                                                  num_workers=0)
        self.rates: dict[int, float] = {}
        self.epoch()  # decodes into its cache, like the engine's first epoch

    def epoch(self) -> float:
        samples, start = 0, time.perf_counter()
        for images, masks in self.loader:
            loss = self.loss(self.model(images), masks)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            loss.item()
            samples += len(images)
        return samples / (time.perf_counter() - start)

    def on_epoch_start(self, trainer, epoch: int) -> None:
        if epoch % 2:
            self.rates[epoch] = self.epoch()

    def on_epoch_end(self, trainer, row) -> None:
        if row["epoch"] % 2 == 0:
            self.rates[row["epoch"]] = self.epoch()

    def close(self) -> None:
        close_loader(self.loader)


def test_engine_throughput_against_a_plain_loop():
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        project = _project(folder)
        plain = PlainLoop(project)
        try:
            result = train(project, TrainOptions(out=folder / "run", notify=lambda t: None),
                           [plain])
        finally:
            plain.close()
        engine = {row["epoch"]: row["samples_per_s"] for row in result.run.rows()}
        pairs = [(engine[e], plain.rates[e]) for e in range(2, EPOCHS + 1)]
        ratio = statistics.median(e / p for e, p in pairs)
        print(f"\nengine {statistics.median(e for e, _ in pairs):.1f} samples/s, plain loop "
              f"{statistics.median(p for _, p in pairs):.1f} samples/s, ratio {ratio:.3f} "
              f"(median of {len(pairs)} epoch pairs; {IMAGES} images {SIZE}x{SIZE}, batch "
              f"{BATCH}, UNet depth 3 / 16 filters, {torch.get_num_threads()} threads)")
        assert ratio >= 0.95
