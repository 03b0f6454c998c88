"""The two trivial predictors: all background and one global threshold."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from app.engine.baselines import Threshold, choose_threshold, compare_baselines, markdown_table
from app.engine.metrics import ConfusionMatrix

IGNORE = 255
NAMES = ["background", "nucleus", "micronucleus"]


@dataclass
class Sample:  # stands in for app.data.dataset.FullImage
    name: str
    image: torch.Tensor
    mask: torch.Tensor


def row(values, labels, channels=1):
    image = torch.tensor(values, dtype=torch.float32).reshape(1, 1, -1).repeat(channels, 1, 1)
    return Sample("row.png", image, torch.tensor(labels).reshape(1, -1))


def test_threshold_by_hand():
    # intensities 0.1 .. 0.4, truth 0 1 0 1: ">= 0.2" gives TP 2, FP 1, FN 0 -> IoU 2/3,
    # the best of every cut (">= 0.4": 1/2; everything: 1/2; "< k": at most 1/2)
    threshold = choose_threshold([row([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])], 2, None)
    assert threshold.above and threshold.train_iou == pytest.approx(2 / 3)
    # every cut between the bins of 0.1 (102) and 0.2 (204) ties: the middle one is kept
    assert threshold.bin == (103 + 204) // 2 and threshold.value == pytest.approx(0.15, abs=1e-3)
    assert threshold.predict(torch.tensor([[[0.1, 0.2, 0.3, 0.4]]])).tolist() == [[0, 1, 1, 1]]
    assert threshold.describe(["bg", "cell"]) == ("intensity >= 0.1494 -> cell (foreground IoU "
                                                  "0.6667 on the training split)")


def test_dark_objects_take_the_lower_side_and_ignored_pixels_do_not_vote():
    sample = row([0.1, 0.2, 0.8, 0.9, 0.05], [1, 1, 0, 0, IGNORE])
    threshold = choose_threshold([sample], 2, IGNORE)
    assert not threshold.above and threshold.train_iou == 1.0
    assert threshold.predict(sample.image).tolist() == [[1, 1, 0, 0, 1]]
    with pytest.raises(ValueError, match="no foreground pixels"):
        choose_threshold([row([0.1, 0.2], [0, IGNORE])], 2, IGNORE)


def synthetic(seed, size=24, share=0.3):
    generator = torch.Generator().manual_seed(seed)
    mask = (torch.rand(size, size, generator=generator) < share).long()
    mask[mask.bool() & (torch.rand(size, size, generator=generator) < 0.2)] = 2
    bright = 0.45 + 0.5 * torch.rand(size, size, generator=generator)
    dark = 0.55 * torch.rand(size, size, generator=generator)
    image = torch.where(mask > 0, bright, dark)[None].repeat(3, 1, 1)  # RGB: the mean counts
    return Sample(f"{seed}.png", image, mask)


def test_training_iou_is_exact_and_the_most_frequent_foreground_class_is_predicted():
    train = [synthetic(i) for i in range(3)]
    threshold = choose_threshold(train, 3, None)
    assert threshold.foreground_class == 1 and threshold.above
    merged = ConfusionMatrix(2)
    for sample in train:
        merged.update(threshold.predict(sample.image).clamp(max=1), sample.mask.clamp(max=1))
    assert merged.summarize(["bg", "fg"]).foreground_iou == pytest.approx(threshold.train_iou)
    assert 0.45 <= threshold.value <= 0.55 and 0.8 < threshold.train_iou < 1


def test_compare_baselines_on_a_test_split():
    train, test = [synthetic(i) for i in range(3)], [synthetic(10 + i, 16) for i in range(2)]
    test[0].mask[:2] = IGNORE
    background, thresholded = compare_baselines(train, test, NAMES, IGNORE)
    assert background.name == "all background" and thresholded.name == "global threshold"
    truth = torch.cat([s.mask.reshape(-1) for s in test])
    kept = truth[truth != IGNORE]
    share = float((kept == 0).double().mean())
    assert background.metrics.iou == pytest.approx({"background": share, "nucleus": 0.0,
                                                    "micronucleus": 0.0})
    assert background.metrics.pixel_accuracy == pytest.approx(share)
    threshold = choose_threshold(train, 3, IGNORE)
    expected = ConfusionMatrix(3, IGNORE)
    for sample in test:
        expected.update(threshold.predict(sample.image), sample.mask)
    assert thresholded.metrics.matrix == expected.matrix.tolist()
    assert thresholded.metrics.iou["micronucleus"] == 0.0  # one threshold, one class
    assert thresholded.metrics.iou["nucleus"] > 0.5
    assert thresholded.description.startswith("intensity >= 0.")


def test_markdown_table():
    test = [synthetic(20, 8)]
    rows = [(b.name, b.metrics) for b in compare_baselines([synthetic(1)], test, NAMES, None)]
    absent = ConfusionMatrix(3)
    absent.update(torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 2, dtype=torch.long))
    table = markdown_table(rows + [("nothing there", absent.summarize(NAMES))])
    lines = table.splitlines()
    assert lines[0] == ("| predictor | IoU background | IoU nucleus | IoU micronucleus | "
                        "mean IoU | pixel accuracy |")
    assert lines[1] == "|---|---|---|---|---|---|"
    background = rows[0][1]
    assert lines[2] == (f"| all background | {background.iou['background']:.4f} | 0.0000 | "
                        f"0.0000 | {background.mean_iou:.4f} | {background.pixel_accuracy:.4f} |")
    assert lines[4] == "| nothing there | 1.0000 | - | - | 1.0000 | 1.0000 |"
    assert len(lines) == 5 and isinstance(rows[1][1].mean_iou, float)
    assert Threshold(512, True, 1, 0.5).value == 0.5
