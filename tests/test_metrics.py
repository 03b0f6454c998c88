"""Metrics: the confusion matrix against hand-computed cases and against torchmetrics.

How torchmetrics 1.9 treats the cases we bridge here:
- MulticlassJaccardIndex(average="none") gives 0.0 for a class absent from truth and
  prediction (zero_division=0); we leave that class out, so the per-class comparison
  runs over the present classes and the test checks the absent ones are missing.
  average="macro" already gives such a class weight 0: equal to our mean_iou.
- DiceScore has no ignore_index: the pixels are removed before it sees them (flattened
  to one (1, P) "image" of the kept pixels, which aggregation_level="global" sums anyway).
  It gives NaN for an absent class ("none") and nanmean for "macro": equal to ours.
- MulticlassJaccardIndex / MulticlassAccuracy drop pixels whose target is ignore_index
  (255 here, outside the class ids) before counting, as we do.
"""
from __future__ import annotations

import pytest
import torch
from torchmetrics.classification import (BinaryJaccardIndex, MulticlassAccuracy,
                                         MulticlassJaccardIndex)
from torchmetrics.segmentation import DiceScore

from app.engine.metrics import ConfusionMatrix, predicted_classes, summarize

IGNORE = 255
NAMES4 = ["background", "a", "b", "c"]


def random_case(seed: int, classes: int = 4, absent: int | None = None, ignored: float = 0.0):
    generator = torch.Generator().manual_seed(seed)
    truth = torch.randint(0, classes, (3, 16, 16), generator=generator)
    prediction = torch.where(torch.rand(truth.shape, generator=generator) < 0.6, truth,
                             torch.randint(0, classes, truth.shape, generator=generator))
    if absent is not None:  # a class in neither truth nor prediction
        truth[truth == absent] = 0
        prediction[prediction == absent] = 0
    if ignored:
        truth[torch.rand(truth.shape, generator=generator) < ignored] = IGNORE
    return prediction, truth


def torchmetrics_values(prediction, truth, classes, ignore_index):
    jaccard_none = MulticlassJaccardIndex(classes, average="none", ignore_index=ignore_index)
    jaccard_macro = MulticlassJaccardIndex(classes, average="macro", ignore_index=ignore_index)
    accuracy = MulticlassAccuracy(classes, average="micro", ignore_index=ignore_index)
    keep = truth != IGNORE  # DiceScore has no ignore_index
    dice_none = DiceScore(classes, average="none", aggregation_level="global",
                          input_format="index")
    dice_macro = DiceScore(classes, average="macro", aggregation_level="global",
                           input_format="index")
    for half in (slice(0, 2), slice(2, 3)):  # two batches, as validation sees them
        p, t = prediction[half], truth[half]
        for metric in (jaccard_none, jaccard_macro, accuracy):
            metric.update(p, t)
        k = keep[half]
        for metric in (dice_none, dice_macro):
            metric.update(p[k][None], t[k][None])
    return {"iou": jaccard_none.compute(), "mean_iou": jaccard_macro.compute(),
            "accuracy": accuracy.compute(), "dice": dice_none.compute().reshape(-1),
            "mean_dice": dice_macro.compute().reshape(())}


def our_values(prediction, truth, classes, ignore_index):
    matrix = ConfusionMatrix(classes, ignore_index)
    matrix.update(prediction[:2], truth[:2])
    matrix.update(prediction[2:], truth[2:])
    return matrix.summarize(NAMES4[:classes])


@pytest.mark.parametrize("absent, ignored", [(None, 0.0), (2, 0.0), (None, 0.2), (3, 0.3)],
                         ids=["plain", "absent class", "ignored pixels", "absent and ignored"])
def test_equal_to_torchmetrics(absent, ignored):
    prediction, truth = random_case(7, absent=absent, ignored=ignored)
    ignore_index = IGNORE if ignored else None
    ours = our_values(prediction, truth, 4, ignore_index)
    theirs = torchmetrics_values(prediction, truth, 4, ignore_index)
    present = [i for i, name in enumerate(NAMES4) if name in ours.iou]
    assert len(present) == (3 if absent is not None else 4)
    assert [ours.iou[NAMES4[i]] for i in present] == pytest.approx(
        theirs["iou"][present].tolist(), abs=1e-6)
    assert [ours.dice[NAMES4[i]] for i in present] == pytest.approx(
        theirs["dice"][present].tolist(), abs=1e-6)
    assert ours.mean_iou == pytest.approx(float(theirs["mean_iou"]), abs=1e-6)
    assert ours.mean_dice == pytest.approx(float(theirs["mean_dice"]), abs=1e-6)
    assert ours.pixel_accuracy == pytest.approx(float(theirs["accuracy"]), abs=1e-6)
    if absent is not None:  # torchmetrics says 0 (none) / NaN (dice); we leave it out
        assert float(theirs["iou"][absent]) == 0.0 and torch.isnan(theirs["dice"][absent])
        assert NAMES4[absent] not in ours.iou and NAMES4[absent] not in ours.dice


def test_one_channel_output_equals_torchmetrics_binary():
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 1, 8, 8, generator=generator)
    truth = (torch.rand(2, 8, 8, generator=generator) < 0.4).long()
    prediction = predicted_classes(logits, 2)
    assert torch.equal(prediction, (logits[:, 0] > 0).long())
    matrix = ConfusionMatrix(2)
    matrix.update(prediction, truth)
    metrics = matrix.summarize(["background", "cell"])
    binary = BinaryJaccardIndex(threshold=0.5)(torch.sigmoid(logits[:, 0]), truth)
    assert metrics.foreground_iou == pytest.approx(float(binary), abs=1e-6)
    assert metrics.iou["cell"] == metrics.foreground_iou
    two_class = MulticlassJaccardIndex(2, average="macro")(prediction, truth)
    assert metrics.mean_iou == pytest.approx(float(two_class), abs=1e-6)


def test_hand_computed_three_classes():
    truth = torch.tensor([[0, 0, 1, 1], [0, 2, 2, 1]])
    prediction = torch.tensor([[0, 1, 1, 1], [0, 2, 0, 0]])
    matrix = ConfusionMatrix(3)
    matrix.update(prediction, truth)
    # rows = truth. Truth 0 at (0,0)->0, (0,1)->1, (1,0)->0;
    # truth 1 at (0,2)->1, (0,3)->1, (1,3)->0; truth 2 at (1,1)->2, (1,2)->0
    assert matrix.matrix.tolist() == [[2, 1, 0], [1, 2, 0], [1, 0, 1]]
    assert matrix.matrix.dtype == torch.int64
    metrics = matrix.summarize(["bg", "x", "y"])
    # IoU: bg 2 / (3 + 4 - 2) = 0.4, x 2 / (3 + 3 - 2) = 0.5, y 1 / (2 + 1 - 1) = 0.5
    assert metrics.iou == pytest.approx({"bg": 0.4, "x": 0.5, "y": 0.5})
    assert metrics.mean_iou == pytest.approx(1.4 / 3)
    # Dice: 2TP / (truth + predicted): bg 4/7, x 4/6, y 2/3
    assert metrics.dice == pytest.approx({"bg": 4 / 7, "x": 4 / 6, "y": 2 / 3})
    assert metrics.precision == pytest.approx({"bg": 2 / 4, "x": 2 / 3, "y": 1.0})
    assert metrics.recall == pytest.approx({"bg": 2 / 3, "x": 2 / 3, "y": 0.5})
    assert metrics.pixels == {"bg": 3, "x": 3, "y": 2}
    assert metrics.pixel_accuracy == pytest.approx(5 / 8)
    assert metrics.foreground_iou is None  # three classes: no single foreground


def test_absent_class_left_out_but_a_predicted_only_class_counts_zero():
    truth = torch.tensor([[0, 0, 1, 1]])
    prediction = torch.tensor([[0, 2, 1, 1]])
    matrix = ConfusionMatrix(4)
    matrix.update(prediction, truth)
    metrics = matrix.summarize(NAMES4)
    # class "c" (3) is in neither: no IoU; class "b" (2) is only predicted: IoU 0
    assert metrics.iou == pytest.approx({"background": 0.5, "a": 1.0, "b": 0.0})
    assert metrics.mean_iou == pytest.approx(0.5)
    assert "b" not in metrics.recall and metrics.precision["b"] == 0.0
    table = {row["name"]: row for row in metrics.classes_table()}
    assert table["c"] == {"name": "c", "iou": None, "dice": None, "precision": None,
                          "recall": None, "pixels": 0}


def test_empty_foreground():
    truth = torch.zeros(1, 4, 4, dtype=torch.long)
    matrix = ConfusionMatrix(2)
    matrix.update(torch.zeros_like(truth), truth)
    clean = matrix.summarize(["background", "cell"])
    assert clean.iou == {"background": 1.0} and clean.mean_iou == 1.0
    assert clean.foreground_iou is None and clean.dice == {"background": 1.0}
    prediction = torch.zeros_like(truth)
    prediction[0, 0, :2] = 1  # two false positives
    matrix.reset()
    assert int(matrix.matrix.sum()) == 0
    matrix.update(prediction, truth)
    noisy = matrix.summarize(["background", "cell"])
    assert noisy.foreground_iou == 0.0
    assert noisy.mean_iou == pytest.approx((14 / 16 + 0.0) / 2)


def test_ignored_pixels_count_nowhere():
    truth = torch.tensor([[0, 1, IGNORE, IGNORE]])
    matrix = ConfusionMatrix(2, ignore_index=IGNORE)
    matrix.update(torch.tensor([[0, 1, 0, 1]]), truth)
    first = matrix.matrix.clone()
    matrix.reset()
    matrix.update(torch.tensor([[0, 1, 1, 0]]), truth)  # other guesses on ignored pixels
    assert torch.equal(first, matrix.matrix)
    assert first.tolist() == [[1, 0], [0, 1]]
    everything_ignored = ConfusionMatrix(2, ignore_index=IGNORE)
    everything_ignored.update(torch.ones(1, 2, 2, dtype=torch.long),
                              torch.full((1, 2, 2), IGNORE))
    metrics = everything_ignored.summarize(["background", "cell"])
    assert metrics.mean_iou is None and metrics.pixel_accuracy is None and metrics.iou == {}


def test_split_counts_sum_not_an_average_of_batch_scores():
    """A tiny object in a batch of its own must not weigh as much as a big one."""
    big_truth = torch.ones(1, 10, 10, dtype=torch.long)
    small_truth = torch.zeros(1, 10, 10, dtype=torch.long)
    small_truth[0, 0, 0] = 1
    matrix = ConfusionMatrix(2)
    matrix.update(big_truth, big_truth)                    # perfect on 100 pixels
    matrix.update(torch.zeros_like(small_truth), small_truth)  # misses 1 pixel
    assert matrix.summarize(["bg", "fg"]).foreground_iou == pytest.approx(100 / 101)


def test_row_and_classes_table():
    matrix = ConfusionMatrix(2)
    matrix.update(torch.tensor([[0, 1, 1, 0]]), torch.tensor([[0, 1, 0, 0]]))
    metrics = matrix.summarize(["background", "cell"])
    assert metrics.row() == {"mean_iou": pytest.approx((2 / 3 + 1 / 2) / 2),
                             "iou": pytest.approx({"background": 2 / 3, "cell": 0.5}),
                             "dice": pytest.approx({"background": 0.8, "cell": 2 / 3}),
                             "pixel_accuracy": 0.75}
    assert metrics.classes_table()[1] == {"name": "cell", "iou": 0.5, "dice": pytest.approx(2 / 3),
                                          "precision": 0.5, "recall": 1.0, "pixels": 1}
    assert metrics.matrix == [[2, 1], [0, 1]]


def test_bad_inputs():
    matrix = ConfusionMatrix(3, ignore_index=IGNORE)
    with pytest.raises(ValueError, match="differ in shape"):
        matrix.update(torch.zeros(2, 4, 4, dtype=torch.long),
                      torch.zeros(2, 4, 5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"class ids outside 0\.\.2: target 0\.\.3"):
        matrix.update(torch.zeros(1, 2, dtype=torch.long), torch.tensor([[0, 3]]))
    with pytest.raises(ValueError, match=r"target -1\.\.0"):
        matrix.update(torch.zeros(1, 2, dtype=torch.long), torch.tensor([[0, -1]]))
    # one past the classes, beside a target of 0: the bin of cell (1, 0), once counted there
    with pytest.raises(ValueError, match=r"target 0\.\.1, prediction 0\.\.3"):
        matrix.update(torch.tensor([[3, 0]]), torch.tensor([[0, 1]]))
    assert int(matrix.matrix.sum()) == 0  # a refused batch adds nothing
    with pytest.raises(ValueError, match="ignore_index 1 is a class id"):
        ConfusionMatrix(3, ignore_index=1)
    with pytest.raises(ValueError, match="for 2 class names"):
        summarize(torch.zeros(3, 3, dtype=torch.int64), ["a", "b"])
    with pytest.raises(ValueError, match="3 channels for 2 classes"):
        predicted_classes(torch.zeros(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match="one-channel output fits 2 classes, not 3"):
        predicted_classes(torch.zeros(1, 1, 2, 2), 3)


def test_matrix_lives_on_the_given_device():
    matrix = ConfusionMatrix(2, device="meta")
    assert matrix.matrix.device.type == "meta" and matrix.matrix.shape == (2, 2)


def test_the_training_loop_s_accumulate_counts_as_update_does():
    """accumulate (no read-back from the device) and update (checked) agree, ignored
    pixels included, and an ignored pixel is in no cell."""
    generator = torch.Generator().manual_seed(5)
    prediction = torch.randint(0, 3, (4, 16, 16), generator=generator)
    target = torch.randint(0, 3, (4, 16, 16), generator=generator)
    target[:, :4] = 255
    checked, fast = ConfusionMatrix(3, ignore_index=255), ConfusionMatrix(3, ignore_index=255)
    checked.update(prediction, target)
    fast.accumulate(prediction, target)
    assert torch.equal(fast.matrix, checked.matrix)
    assert int(fast.matrix.sum()) == 4 * 12 * 16
