"""Losses: hand-computed values, ignored pixels, finite gradients, class weights."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.engine.losses import auto_class_weights, make_loss
from components.errors import SettingError
from components.target import LOSSES, WEIGHTED_LOSSES

IGNORE = 255
LN2, LN43 = math.log(2), math.log(4 / 3)


def two_pixels():
    """Pixel A: logits (0, ln 3) -> p = (1/4, 3/4), truth 1; pixel B: (0, 0) -> p = 1/2,
    truth 0. Shapes (1, 2, 1, 2) and (1, 1, 2)."""
    logits = torch.tensor([[[[0.0, 0.0]], [[math.log(3), 0.0]]]])
    return logits, torch.tensor([[[1, 0]]])


def loss(name: str, classes: int = 2, ignore_index: int | None = None, **settings):
    return make_loss({"loss": name, **settings}, classes, ignore_index)


def test_cross_entropy_by_hand_and_as_torch():
    logits, target = two_pixels()
    assert float(loss("cross_entropy")(logits, target)) == pytest.approx((LN43 + LN2) / 2)
    weighted = loss("cross_entropy", class_weights=[1.0, 3.0])(logits, target)
    assert float(weighted) == pytest.approx((1 * LN2 + 3 * LN43) / 4)
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 5, 5, generator=generator)
    target = torch.randint(0, 3, (2, 5, 5), generator=generator)
    target[0, 0] = IGNORE
    ours = loss("cross_entropy", 3, IGNORE, class_weights=[0.5, 2.0, 1.0])(logits, target)
    theirs = nn.CrossEntropyLoss(weight=torch.tensor([0.5, 2.0, 1.0]), ignore_index=IGNORE)
    assert float(ours) == pytest.approx(float(theirs(logits, target)), abs=1e-6)


def test_bce_on_one_channel_by_hand():
    logits, target = two_pixels()
    foreground = logits[:, 1:]  # x = (ln 3, 0): sigmoid = (3/4, 1/2)
    value = loss("bce")(foreground, target)
    assert float(value) == pytest.approx((LN43 + LN2) / 2)
    torch_bce = F.binary_cross_entropy_with_logits(foreground[:, 0], target.float())
    assert float(value) == pytest.approx(float(torch_bce))
    # two channels (log-probabilities, as evaluate() passes them) read x = l1 - l0
    assert float(loss("bce")(logits, target)) == pytest.approx(float(value))
    weighted = loss("bce", class_weights=[1.0, 3.0])(foreground, target)
    assert float(weighted) == pytest.approx((1 * LN2 + 3 * LN43) / 4)


def test_focal_by_hand_and_gamma_zero_is_cross_entropy():
    logits, target = two_pixels()
    # A: (1 - 3/4)^2 ln(4/3); B: (1 - 1/2)^2 ln 2
    expected = (0.25 ** 2 * LN43 + 0.5 ** 2 * LN2) / 2
    assert float(loss("focal", focal_gamma=2.0)(logits, target)) == pytest.approx(expected)
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 4, 6, 6, generator=generator)
    target = torch.randint(0, 4, (2, 6, 6), generator=generator)
    settings = {"class_weights": [1.0, 2.0, 0.5, 4.0]}
    focal = loss("focal", 4, focal_gamma=0.0, **settings)(logits, target)
    cross_entropy = loss("cross_entropy", 4, **settings)(logits, target)
    assert float(focal) == pytest.approx(float(cross_entropy))


def test_dice_and_tversky_by_hand():
    logits, target = two_pixels()
    # foreground p = (3/4, 1/2), g = (1, 0): TP = 3/4, FP = 1/2, FN = 1/4
    dice = 1 - 0.75 / (0.75 + 0.5 * 0.5 + 0.5 * 0.25)  # = 1 - 2TP / (2TP + FP + FN)
    assert float(loss("dice")(logits, target)) == pytest.approx(dice, abs=1e-5)
    assert dice == pytest.approx(1 / 3)
    tversky = 1 - 0.75 / (0.75 + 0.3 * 0.5 + 0.7 * 0.25)
    assert float(loss("tversky")(logits, target)) == pytest.approx(tversky, abs=1e-5)
    same_as_dice = loss("tversky", tversky_alpha=0.5, tversky_beta=0.5)(logits, target)
    assert torch.equal(same_as_dice, loss("dice")(logits, target))
    cross_entropy = (LN43 + LN2) / 2
    assert float(loss("dice_ce")(logits, target)) == pytest.approx(dice + cross_entropy, abs=1e-5)


def test_dice_averages_the_foreground_classes_of_the_batch():
    # 3 classes, one pixel each in two images: certain predictions (logit 20)
    logits = torch.full((2, 3, 1, 1), -20.0)
    logits[0, 1] = logits[1, 1] = 20.0       # both pixels predicted class 1
    target = torch.tensor([[[1]], [[2]]])    # truths: class 1, class 2
    # class 1: TP 1, FP 1, FN 0 -> 2/3; class 2: TP 0, FN 1 -> ~0; loss 1 - 1/3
    assert float(loss("dice", 3)(logits, target)) == pytest.approx(1 - (2 / 3) / 2, abs=1e-4)


@pytest.mark.parametrize("name", LOSSES)
def test_ignored_pixels_change_nothing_and_get_no_gradient(name):
    classes = 2
    generator = torch.Generator().manual_seed(2)
    channels = 1 if name == "bce" else classes
    logits = torch.randn(2, channels, 4, 4, generator=generator)
    target = torch.randint(0, classes, (2, 4, 4), generator=generator)
    target[:, :2] = IGNORE
    module = loss(name, classes, IGNORE)
    other = logits.clone()
    other[:, :, :2] = 100 * torch.randn(2, channels, 2, 4, generator=generator)
    assert float(module(logits, target)) == pytest.approx(float(module(other, target)), abs=1e-6)
    other.requires_grad_(True)
    module(other, target).backward()
    assert torch.all(other.grad[:, :, :2] == 0) and torch.any(other.grad[:, :, 2:] != 0)


@pytest.mark.parametrize("name", LOSSES)
def test_gradients_finite_on_extreme_logits_and_all_ignored(name):
    classes = 2 if name == "bce" else 3
    channels = 1 if name == "bce" else classes
    generator = torch.Generator().manual_seed(4)
    logits = (60 * torch.randn(2, channels, 8, 8, generator=generator)).requires_grad_(True)
    target = torch.randint(0, classes, (2, 8, 8), generator=generator)
    weights = "auto" if name in WEIGHTED_LOSSES else "none"
    module = make_loss({"loss": name, "class_weights": weights}, classes, IGNORE,
                       class_pixels=[1000, 10, 1][:classes])
    value = module(logits, target)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
    assert float(value.detach()) > 0
    nothing = torch.full_like(target, IGNORE)
    empty = torch.zeros(2, channels, 8, 8, requires_grad=True)
    value = module(empty, nothing)
    value.backward()
    assert float(value.detach()) == pytest.approx(0.0, abs=1e-6) and torch.all(empty.grad == 0)


def test_a_few_steps_lower_every_loss():
    """Each loss trains: 20 steps of a 1x1 conv on a separable toy problem."""
    image = torch.linspace(0, 1, 64).reshape(1, 1, 8, 8).repeat(2, 1, 1, 1)
    target = (image[:, 0] > 0.5).long()
    for name in LOSSES:
        torch.manual_seed(0)
        model = nn.Conv2d(1, 1 if name == "bce" else 2, 1)
        module = loss(name)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        first = None
        for _ in range(20):
            optimizer.zero_grad()
            value = module(model(image), target)
            first = float(value.detach()) if first is None else first
            value.backward()
            optimizer.step()
        assert float(value.detach()) < 0.9 * first, name


def test_auto_weights_from_a_known_frequency_table():
    weights = auto_class_weights([900, 90, 10])  # shares 0.9, 0.09, 0.01
    assert weights == pytest.approx([1 / math.log(1.92), 1 / math.log(1.11), 1 / math.log(1.03)])
    assert weights == pytest.approx([1.5330, 9.5822, 33.8309], abs=1e-4)
    assert auto_class_weights([5, 0])[1] == pytest.approx(1 / math.log(1.02))  # bounded
    module = make_loss({"loss": "cross_entropy", "class_weights": "auto"}, 3, None,
                       class_pixels=[900, 90, 10])
    assert module.weight.tolist() == pytest.approx(weights)
    logits, target = torch.zeros(1, 3, 1, 2), torch.tensor([[[0, 2]]])
    expected = (weights[0] + weights[2]) * math.log(3) / (weights[0] + weights[2])
    assert float(module(logits, target)) == pytest.approx(expected)


def test_old_settings_and_defaults():
    module = make_loss({"loss": "dice_ce"}, 3, None)  # a file from before class weights
    assert type(module).__name__ == "DiceCE" and module.cross_entropy.weight is None
    focal = make_loss({"classes": 3, "loss": "focal"}, 3, None)
    assert focal.gamma == 2.0
    tversky = make_loss({"loss": "tversky"}, 3, None)
    assert (tversky.alpha, tversky.beta) == (0.3, 0.7)
    moved = make_loss({"loss": "focal", "class_weights": [1, 2]}, 2, None).to("meta")
    assert moved.weight.device.type == "meta"


def test_bad_settings_and_inputs():
    with pytest.raises(SettingError, match="setting 'loss': 'bce' is for two classes .* "
                                           "there are 3"):
        make_loss({"loss": "bce"}, 3, None)
    with pytest.raises(SettingError, match="setting 'class_weights': 2 weights for 3 classes"):
        make_loss({"loss": "cross_entropy", "class_weights": [1, 2]}, 3, None)
    with pytest.raises(SettingError, match="setting 'focal_gamma'"):
        make_loss({"loss": "focal", "focal_gamma": -1}, 3, None)
    with pytest.raises(ValueError, match="'auto' needs 3 pixel counts"):
        make_loss({"loss": "cross_entropy", "class_weights": "auto"}, 3, None)
    with pytest.raises(ValueError, match="every count is 0"):
        auto_class_weights([0, 0])
    module = loss("cross_entropy", 3)
    with pytest.raises(ValueError, match="2 output channels for 3 classes"):
        module(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"expected \(N, K, H, W\) and \(N, H, W\)"):
        module(torch.zeros(1, 3, 2, 2), torch.zeros(1, 2, 3, dtype=torch.long))
