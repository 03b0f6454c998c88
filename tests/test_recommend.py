"""The recommended model on data sets of very different fingerprints (docs/recommend.md)."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from app.data.scan import scan
from app.engine.config import training_from_dict
from app.project import project_from_dict
from app.recommend import MemoryBudget, RecommendError, device_budget, estimate_memory, recommend
from app.recommend import memory as memory_module
from components import registry
from components.compiler import analyze, compile_graph
from components.serialize import graph_from_dict
from tests.helpers import chain

GIB = 1024 ** 3
BUDGET = MemoryBudget(4 * GIB, "cpu", "a test budget")


def write_set(folder, count, height, width, channels, classes, rare=False):
    """``count`` image/mask pairs: class c fills the c-th vertical band (a 2x2 dot when rare)."""
    rows, cols = np.mgrid[0:height, 0:width]
    for index in range(count):
        gray = ((rows + cols * (index + 1)) % 256).astype(np.uint8)
        image = gray if channels == 1 else np.stack([gray, gray[::-1], gray.T[:height, :width]
                                                     if height == width else gray], -1)
        mask = np.minimum(cols * classes // width, classes - 1).astype(np.uint8)
        if rare:
            mask = np.where(mask == classes - 1, 0, mask).astype(np.uint8)
            mask[5:7, 5:7] = classes - 1
        (folder / "images").mkdir(parents=True, exist_ok=True)
        (folder / "masks").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / "images" / f"{index:03d}.png")
        Image.fromarray(mask).save(folder / "masks" / f"{index:03d}.png")
    data = {"source": "folders", "images": "images", "masks": "masks",
            "split": [0.6, 0.2, 0.2], "mask": {"kind": "labels"}}
    return scan(data, folder), data


def compiles(rec):
    doc = graph_from_dict(rec.graph)
    assert analyze(doc).ok, analyze(doc).problems
    return compile_graph(doc, device="meta")


def train_samples(dataset):
    return dataset.counts()["train"]["pages"]


def test_small_gray_images_get_a_whole_image_input_and_the_minimum_batch(tmp_path):
    dataset, data = write_set(tmp_path, 10, 40, 48, channels=1, classes=2)
    rec = recommend(dataset, BUDGET)
    compiles(rec)
    assert rec.fingerprint.median_size == (40, 48) and dataset.channels == 1
    # depth: floor(log2(40 / 4)) = 3 -> multiples of 8 -> 40x48, bottleneck 5x6
    assert (rec.depth, rec.input_size, rec.fit) == (3, (40, 48), "resize")
    assert rec.node_settings("input") == {"channels": 1, "height": 40, "width": 48,
                                          "normalization": "per_image"}
    unet = rec.node_settings("unet")
    assert (unet["depth"], unet["base_filters"], unet["out_channels"]) == (3, 32, "auto")
    assert rec.node_settings("target")["classes"] == 2
    assert rec.node_settings("target")["loss"] == "dice_ce"
    samples = train_samples(dataset)
    assert rec.samples == samples == 6
    assert rec.batch_size == 2  # 5 % of 6 samples is 0; a batch holds at least 2
    assert rec.training == {"epochs": 300, "batch_size": 2, "optimizer": "adam",
                            "learning_rate": 0.001}  # 2000 steps / 3 per epoch, capped
    assert rec.data == {"fit": "resize"} and rec.fits
    assert "Batch size 2" in " ".join(rec.reasons)
    assert "at least 2 (batch normalization)" in " ".join(rec.reasons)
    assert "No class weights" in " ".join(rec.reasons)
    project = project_from_dict({"format": 1, "name": "r", "graph": rec.graph,
                                 "data": {**data, **rec.data}, "training": rec.training})
    assert project.graph.node("unet").settings["depth"] == 3
    model = compile_graph(project.graph)
    assert model(torch.rand(2, 1, 40, 48)).shape == (2, 2, 40, 48)


def test_large_rgb_images_are_tiled_at_the_deepest_unet(tmp_path):
    dataset, _ = write_set(tmp_path, 5, 1000, 1200, channels=3, classes=3)
    rec = recommend(dataset, BUDGET)
    compiles(rec)
    assert rec.fingerprint.median_size == (1000, 1200) and rec.fingerprint.channels == 3
    # 16 px bottleneck x 2^5 = 512: larger images are cut into 512x512 tiles
    assert (rec.depth, rec.input_size, rec.fit) == (5, (512, 512), "tile")
    tiles = math.ceil(1000 / 512) * math.ceil(1200 / 512)
    assert rec.samples == train_samples(dataset) * tiles == 3 * 6
    fitting = rec.memory.largest_batch(BUDGET.bytes)
    assert rec.batch_size == max(2, min(fitting, math.floor(0.05 * rec.samples))) == 2
    assert rec.memory.total(rec.batch_size) <= BUDGET.bytes
    assert rec.node_settings("input")["channels"] == 3 and rec.data == {"fit": "tile"}
    assert any("512x512 tiles" in r and "(6.0 per image, 18 in all)" in r for r in rec.reasons)
    assert rec.node_settings("unet")["max_filters"] == 512
    assert any("doubling at every level to 512 at the bottleneck" in r for r in rec.reasons)


def test_when_the_model_does_not_fit_it_says_so_and_proposes_the_next_smaller(tmp_path):
    dataset, _ = write_set(tmp_path, 5, 256, 256, channels=1, classes=2)
    generous = recommend(dataset, BUDGET)
    assert generous.input_size == (256, 256) and not generous.attempts
    need = generous.memory.total(2)
    tight = MemoryBudget(int(need * 0.7), "cpu", "a tight budget")
    rec = recommend(dataset, tight)
    compiles(rec)
    assert rec.attempts[0].size == (256, 256) and rec.attempts[0].needs == need
    assert rec.input_size[0] * rec.input_size[1] < 256 * 256 and rec.fit == "tile"
    assert rec.input_size[0] % 2 ** rec.depth == 0 and rec.input_size[1] % 2 ** rec.depth == 0
    assert rec.fits and rec.memory.total(rec.batch_size) <= tight.bytes
    previous = rec.attempts[-1].size  # the last refused size is one step larger
    assert sum(previous) - sum(rec.input_size) in (2 ** rec.depth, 2 ** (rec.depth + 1))
    text = " ".join(rec.reasons)
    assert f"needs {memory_module.gib(need)}: it will not fit" in text


def test_nothing_fits_a_tiny_budget_and_the_warning_says_so(tmp_path):
    dataset, _ = write_set(tmp_path, 4, 64, 64, channels=1, classes=2)
    rec = recommend(dataset, MemoryBudget(1024 ** 2, "cpu", "one MiB"))
    compiles(rec)
    assert not rec.fits and rec.base_filters == 8 and rec.input_size == (32, 32)
    assert rec.warnings and "will probably run out of memory" in rec.warnings[-1]


def test_a_rare_class_gets_class_weights(tmp_path):
    dataset, _ = write_set(tmp_path, 8, 64, 64, channels=1, classes=3, rare=True)
    rec = recommend(dataset, BUDGET)
    compiles(rec)
    shares = rec.fingerprint.class_shares
    assert shares[2] == pytest.approx(4 / (64 * 64)) and shares[0] > 0.01 and shares[1] > 0.01
    assert rec.node_settings("target")["class_weights"] == "auto"
    assert [c.name for c in rec.classes] == [c.name for c in dataset.classes]
    assert [c.color for c in rec.classes] == [c.color for c in dataset.classes]
    assert any("'class 2' 0.10% of the training pixels, under 1%" in r for r in rec.reasons)


def test_training_settings_are_valid_for_the_engine(tmp_path):
    dataset, _ = write_set(tmp_path, 6, 64, 64, channels=1, classes=2)
    rec = recommend(dataset, BUDGET)
    _, problems = training_from_dict(rec.training)
    assert problems == []


def test_memory_counts_what_backward_keeps():
    doc = chain(("Input", {"channels": 1, "height": 8, "width": 8}),
                ("Convolution", {"filters": 4, "batch_norm": False, "activation": "none"}),
                ("Target", {"classes": 4}))
    estimate = estimate_memory(doc)
    weights = 4 * 1 * 9 + 4
    assert estimate.parameters == weights and estimate.fixed == 4 * weights * 4
    saved_input = 1 * 8 * 8 * 4                     # the conv keeps its input
    batch = 8 * 8 * 4 + 8 * 8 * 8                    # image float32, mask int64
    loss = memory_module.LOSS_COPIES * 4 * 8 * 8 * 4
    assert estimate.per_sample == saved_input + batch + loss
    assert estimate.largest_batch(estimate.fixed) == 0
    room = estimate.fixed + 3 * estimate.per_sample * memory_module.OVERHEAD
    assert estimate.largest_batch(int(room) + 1) == 3


def test_the_budget_is_the_gpus_free_memory_or_a_fixed_cpu_figure(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_budget() == MemoryBudget(4 * GIB, "cpu", "the fixed CPU budget")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda index=0: (10 * GIB, 80 * GIB))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Test GPU")
    budget = device_budget()
    assert budget.bytes == int(10 * GIB * 0.85) and budget.device == "cuda:0"
    assert budget.source == "85% of the free memory on cuda:0 (Test GPU, 10.0 GiB free)"


def test_data_without_usable_pairs_is_refused_with_the_reason(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    dataset = scan({"source": "folders", "images": "images", "masks": "masks"}, tmp_path)
    with pytest.raises(RecommendError, match="no usable image/mask pairs"):
        recommend(dataset, BUDGET)


def test_the_recommendation_imports_no_qt():
    code = ("import sys, app.recommend; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
