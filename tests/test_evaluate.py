"""evaluate(): whole images at their own size, one matrix per split, the eval JSON."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.engine.evaluate import evaluate
from app.engine.losses import make_loss
from app.engine.metrics import ConfusionMatrix

IGNORE = 255
NAMES = ["background", "cell"]


@dataclass
class Sample:  # stands in for app.data.dataset.FullImage
    name: str
    image: torch.Tensor
    mask: torch.Tensor


class Brightness(nn.Module):
    """Pixel-wise: logits (0, 20 (x - 0.5)), so 'cell' is predicted where x > 0.5."""

    def forward(self, x):
        return torch.cat([torch.zeros_like(x), 20 * (x - 0.5)], dim=1)


class ThreeClassBrightness(nn.Module):
    """As Brightness, with a third class that is never likely."""

    def forward(self, x):
        return torch.cat([torch.zeros_like(x), 20 * (x - 0.5), torch.full_like(x, -5)], dim=1)


def sample(name, height, width, seed, ignored=0):
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(1, height, width, generator=generator)
    mask = (torch.rand(height, width, generator=generator) < image[0]).long()
    mask.view(-1)[:ignored] = IGNORE
    return Sample(name, image, mask)


def expected_matrix(samples):
    matrix = ConfusionMatrix(2, IGNORE)
    for s in samples:
        matrix.update((s.image[0] > 0.5).long(), s.mask)
    return matrix.matrix


def test_each_image_at_its_own_size_one_matrix_for_the_split():
    samples = [sample("train/a.png", 40, 48, 0), sample("b.png", 64, 64, 1, ignored=100),
               sample("c.tif#2", 70, 50, 2)]
    calls = []
    result = evaluate(Brightness(), samples, 2, NAMES, window=(32, 32), fit="tile",
                      ignore_index=IGNORE, progress=lambda done, total: calls.append((done, total)))
    assert torch.equal(result.matrix.matrix, expected_matrix(samples))
    # every pixel once at its own size (overlapping windows never count twice)
    assert int(result.matrix.matrix.sum()) == 40 * 48 + 64 * 64 - 100 + 70 * 50
    assert calls == [(1, 3), (2, 3), (3, 3)]
    per_image = [ConfusionMatrix(2, IGNORE) for _ in samples]
    for matrix, s in zip(per_image, samples):
        matrix.update((s.image[0] > 0.5).long(), s.mask)
    expected = sorted((m.summarize(NAMES).mean_iou, s.name) for m, s in zip(per_image, samples))
    assert [(row["mean_iou"], row["file"]) for row in result.images] == expected
    assert result.images[0]["mean_iou"] <= result.images[-1]["mean_iou"]
    assert result.metrics.foreground_iou == result.metrics.iou["cell"]
    assert result.loss is None


def test_to_json_is_the_design_eval_object():
    samples = [sample("test/images/a.png", 33, 40, 3), sample("test/images/b.png", 20, 20, 4)]
    result = evaluate(Brightness(), samples, 2, NAMES, (16, 16), "tile", None)
    data = result.to_json("test", "runs/x/best.pt")
    assert list(data) == ["split", "checkpoint", "mean_iou", "pixel_accuracy", "classes",
                          "confusion_matrix", "images"]
    assert data["split"] == "test" and data["checkpoint"] == "runs/x/best.pt"
    assert data["confusion_matrix"] == expected_matrix(samples).tolist()  # rows = truth
    assert [c["name"] for c in data["classes"]] == NAMES
    assert list(data["classes"][1]) == ["name", "iou", "dice", "precision", "recall", "pixels"]
    assert data["classes"][1]["pixels"] == sum(int((s.mask == 1).sum()) for s in samples)
    assert data["mean_iou"] == pytest.approx(result.metrics.mean_iou)
    assert {row["file"] for row in data["images"]} == {"test/images/a.png", "test/images/b.png"}
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_absent_class_and_fully_ignored_image_in_the_json():
    dark = Sample("dark.png", torch.zeros(1, 8, 8), torch.zeros(8, 8, dtype=torch.long))
    hidden = Sample("hidden.png", torch.ones(1, 8, 8), torch.full((8, 8), IGNORE))
    result = evaluate(ThreeClassBrightness(), [hidden, dark], 3, NAMES + ["other"], (8, 8),
                      "tile", IGNORE,
                      loss=make_loss({"loss": "cross_entropy"}, 3, IGNORE))
    assert 0 < result.loss < 0.01  # the fully ignored image adds 0, not NaN
    data = result.to_json("val", "best.pt")
    assert data["classes"][1] == {"name": "cell", "iou": None, "dice": None, "precision": None,
                                  "recall": None, "pixels": 0}
    assert data["mean_iou"] == 1.0  # background only, all right
    assert data["images"] == [{"file": "dark.png", "mean_iou": 1.0},
                              {"file": "hidden.png", "mean_iou": None}]
    json.dumps(data, allow_nan=False)


def test_mean_loss_over_the_images():
    samples = [sample("a.png", 16, 16, 5), sample("b.png", 16, 24, 6, ignored=30)]
    model = ThreeClassBrightness()
    loss = make_loss({"loss": "dice_ce"}, 3, IGNORE)
    result = evaluate(model, samples, 3, NAMES + ["other"], (16, 16), "tile", IGNORE, loss=loss)
    direct = [float(loss(model(s.image[None]), s.mask[None])) for s in samples]
    assert result.loss == pytest.approx(sum(direct) / 2, rel=1e-4)


def test_resize_fit_compares_at_the_image_size():
    samples = [sample("a.png", 48, 40, 7)]
    result = evaluate(Brightness(), samples, 2, NAMES, (16, 16), "resize", None)
    assert int(result.matrix.matrix.sum()) == 48 * 40
    small = F.interpolate(samples[0].image[None], size=(16, 16), mode="area")  # as training
    probabilities = torch.softmax(Brightness()(small), dim=1)
    back = F.interpolate(probabilities, size=(48, 40), mode="bilinear", align_corners=False)
    expected = ConfusionMatrix(2)
    expected.update(back[0].argmax(0), samples[0].mask)
    assert torch.equal(result.matrix.matrix, expected.matrix)


class MapStyle:
    """A torch-style Dataset: a length and indexing, which wraps instead of ending."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index % len(self.items)]


def test_a_map_style_dataset_is_read_by_index():
    samples = [sample("a.png", 8, 8, 0), sample("b.png", 8, 8, 1)]
    result = evaluate(Brightness(), MapStyle(samples), 2, NAMES, (8, 8), "tile", None)
    assert sorted(row["file"] for row in result.images) == ["a.png", "b.png"]
    assert int(result.matrix.matrix.sum()) == 128


def test_samples_without_a_length_and_bad_inputs():
    calls = []
    generator = (sample(f"{i}.png", 8, 8, i) for i in range(2))
    evaluate(Brightness(), generator, 2, NAMES, (8, 8), "tile", None,
             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 0), (2, 0)]
    bad = Sample("bad.png", torch.zeros(1, 8, 8), torch.zeros(8, 9, dtype=torch.long))
    with pytest.raises(ValueError, match=r"bad.png: the mask is \(8, 9\), the image \(8, 8\)"):
        evaluate(Brightness(), [bad], 2, NAMES, (8, 8), "tile", None)
    with pytest.raises(ValueError, match="the model gives 2 class probabilities for 3 classes"):
        evaluate(Brightness(), [bad], 3, NAMES + ["other"], (8, 8), "tile", None)
    with pytest.raises(ValueError, match="1 class names for 2 classes"):
        evaluate(Brightness(), [], 2, ["background"], (8, 8), "tile", None)
