"""Data loading benchmarks (run with `make bench`; never part of `make test`).

1. Loader against training step on the demo project: samples/s of the training
   DataLoader after its first epoch (cache warm, augmentation on, default worker
   processes) against samples/s of forward+backward+Adam of the demo U-Net on
   CPU at the demo's batch size. Goal: loader >= 5x the step, so data loading is
   never the bottleneck.
2. 20 000 generated 256x256 pairs: the scan (time, peak memory, cancel latency)
   and one epoch through a loader whose cache is capped at 256 MiB: shared
   memory stays under the cap, the rest spills to disk.
"""
from __future__ import annotations

import io
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.data.dataset import close_loader, default_workers, make_loader  # noqa: E402
from app.data.demo_shapes import render_scene  # noqa: E402
from app.data.problems import ScanCancelled  # noqa: E402
from app.data.scan import check_ready, scan  # noqa: E402
from app.paths import DEMO_PROJECT  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import compile_graph  # noqa: E402

STEPS = 6
MANY = 20_000
CAP = 256 << 20


def _loader_rate(loader, epochs: int = 2) -> list[float]:
    rates = []
    for _ in range(epochs):
        start, seen = time.perf_counter(), 0
        for images, _ in loader:
            seen += len(images)
        rates.append(seen / (time.perf_counter() - start))
    return rates


def _step_rate(model: torch.nn.Module, images: torch.Tensor, masks: torch.Tensor) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        loss = F.cross_entropy(model(images), masks)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    return STEPS * len(images) / (time.perf_counter() - start)


def test_loader_is_not_the_bottleneck(tmp_path: Path) -> None:
    project = load_project(DEMO_PROJECT)
    dataset = check_ready(project)
    node = next(n for n in project.graph.nodes if n.type == "Input")
    channels, size = node.settings["channels"], (node.settings["height"], node.settings["width"])
    batch = project.training.batch_size
    loader = make_loader(dataset, "train", channels, size, batch, cache_folder=tmp_path)
    plain = make_loader(dataset, "train", channels, size, batch, augment=False,
                        cache_folder=tmp_path)
    try:
        augmented_rates = _loader_rate(loader)
        plain_rates = _loader_rate(plain)
        images, masks = next(iter(loader))
    finally:
        for each in (loader, plain):
            close_loader(each)
    model = compile_graph(project.graph)
    model.train()
    step = _step_rate(model, images, masks)
    ratio = augmented_rates[-1] / step
    print(f"\n[data] demo: {dataset.description}; {len(loader.dataset)} training samples "
          f"{channels}x{size[0]}x{size[1]}, batch {batch}, {default_workers()} worker process(es), "
          f"torch threads {torch.get_num_threads()}, augment "
          f"{sorted(k for k, v in dataset.spec.augment.items() if v)}")
    print(f"[data] loader epoch 1 (decoding): {augmented_rates[0]:.0f} samples/s; epoch 2 (cache "
          f"warm): {augmented_rates[1]:.0f} samples/s with augmentation, {plain_rates[1]:.0f} "
          "without")
    print(f"[data] training step (forward+backward+Adam, CPU): {step:.1f} samples/s")
    print(f"[data] loader / step = {ratio:.1f}x (goal >= 5x)")
    assert ratio >= 5


def _write_many(folder: Path, count: int) -> None:
    """``count`` pairs of 256x256 JPEG images and PNG label masks, from 200 distinct scenes."""
    encoded = []
    for index in range(200):
        image, mask = render_scene(index, (256, 256), classes=4, seed=11)
        jpeg, png = io.BytesIO(), io.BytesIO()
        Image.fromarray(image).save(jpeg, format="JPEG", quality=90)
        Image.fromarray(mask).save(png, format="PNG")
        encoded.append((jpeg.getvalue(), png.getvalue()))
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for index in range(count):
        jpeg, png = encoded[index % len(encoded)]
        (folder / "images" / f"{index:05d}.jpg").write_bytes(jpeg)
        (folder / "masks" / f"{index:05d}.png").write_bytes(png)


def _rss_kib() -> dict[str, int]:
    """This process's resident memory, private (anon) and shared (the cache block)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssShmem:")):
            name, value = line.split(":")
            fields[name] = int(value.split()[0])
    return fields


class PeakPrivateMemory:
    """Samples this process's private resident memory (RssAnon) every 20 ms."""

    def __enter__(self) -> "PeakPrivateMemory":
        self.before = self.peak = _rss_kib().get("RssAnon", 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_kib().get("RssAnon", 0))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.after = _rss_kib().get("RssAnon", 0)

    def __str__(self) -> str:
        return (f"private RSS {self.before / 1024:.0f} MiB before, peak {self.peak / 1024:.0f}, "
                f"after {self.after / 1024:.0f}")


def _shared_memory_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1])
    return 0


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> dict:
    """20 000 pairs on disk, shared by the two tests below (the second reuses the scan)."""
    folder = tmp_path_factory.mktemp("many")
    start = time.perf_counter()
    _write_many(folder, MANY)
    print(f"\n[data] wrote {MANY} pairs in {time.perf_counter() - start:.1f} s")
    yield {"folder": folder, "data": {"source": "folders", "images": "images", "masks": "masks"}}
    shutil.rmtree(folder, ignore_errors=True)


def test_scan_twenty_thousand_images(many: dict) -> None:
    cancel = threading.Event()
    asked: list[float] = []

    def press_cancel() -> None:
        time.sleep(3.0)
        asked.append(time.perf_counter())
        cancel.set()

    threading.Thread(target=press_cancel, daemon=True).start()
    seen: list[int] = []
    with pytest.raises(ScanCancelled):
        scan(many["data"], many["folder"], progress=lambda d, t, m: seen.append(d), cancel=cancel)
    latency = time.perf_counter() - asked[0]
    print(f"[data] scan cancelled {latency * 1000:.0f} ms after Cancel (at {max(seen)} of {MANY})")

    updates: list[int] = []
    start = time.perf_counter()
    with PeakPrivateMemory() as memory:
        dataset = scan(many["data"], many["folder"], progress=lambda d, t, m: updates.append(d))
    seconds = time.perf_counter() - start
    assert len(dataset.pairs) == MANY and not dataset.problems
    print(f"[data] scan of {MANY} pairs: {seconds:.1f} s ({MANY / seconds:.0f} pairs/s), "
          f"{len(updates)} progress updates; {memory}")
    many["dataset"] = dataset
    assert latency < 1.0


def test_cache_of_twenty_thousand_images_stays_under_its_cap(many: dict, tmp_path: Path) -> None:
    dataset = many.get("dataset") or scan(many["data"], many["folder"])
    shm_before = _shared_memory_kib()
    with PeakPrivateMemory() as memory:
        loader = make_loader(dataset, "train", 3, (256, 256), batch_size=32, augment=False,
                             memory_cap=CAP, cache_folder=tmp_path / "cache")
        cache = loader.dataset.cache
        rates = _loader_rate(loader, epochs=2)
    try:
        shm_grown = _shared_memory_kib() - shm_before
        disk = sum(f.stat().st_blocks * 512 for f in cache.folder.iterdir())
        resident = _rss_kib()
        print(f"[data] cache for {len(loader.dataset)} training samples (3x256x256 uint8 + mask): "
              f"{cache.memory_bytes / 2**20:.1f} MiB in shared memory (cap {CAP / 2**20:.0f} MiB, "
              f"{cache.in_memory} records), {disk / 2**20:.0f} MiB spilled to disk "
              f"({cache.on_disk} records); system shared memory grew by {shm_grown / 1024:.0f} MiB")
        print(f"[data] epoch 1 (decoding): {rates[0]:.0f} samples/s; epoch 2 (cache warm): "
              f"{rates[1]:.0f} samples/s; main process {memory}, plus "
              f"{resident.get('RssShmem', 0) / 1024:.0f} MiB of the shared cache block")
        assert cache.memory_bytes <= CAP and shm_grown * 1024 <= CAP * 1.05
        assert cache.filled() == len(loader.dataset)
    finally:
        close_loader(loader)
