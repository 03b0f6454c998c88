"""Whole-image inference: sliding-window stitching, padding, flip TTA, resize and back."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.data.images import resize_image
from app.engine.inference import gaussian_importance, predict_probabilities, window_starts

WINDOW = (256, 256)


class Centre(nn.Module):
    """x - 0.5, so random zero-bias convolutions give every class somewhere."""

    def forward(self, x):
        return x - 0.5


def fully_convolutional(classes: int = 3, depth: int = 4, seed: int = 0) -> nn.Module:
    """A few same-padded 3x3 convolutions with random weights (receptive radius 4)."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = [Centre()]
    channels = 3
    for _ in range(depth):
        layers += [nn.Conv2d(channels, 8, 3, padding=1), nn.ReLU()]
        channels = 8
    layers.append(nn.Conv2d(8, classes, 1))
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers).eval()


def smooth_image(height: int, width: int, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    low = torch.rand(1, 3, height // 8, width // 8, generator=generator)
    image = F.interpolate(low, size=(height, width), mode="bilinear", align_corners=False)[0]
    return (image + 0.05 * torch.randn(image.shape, generator=generator)).clamp(0, 1)


def whole_image(model: nn.Module, image: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.softmax(model(image[None]), dim=1)[0]


def border_strips(height, width, starts_y, starts_x, window, radius=8):
    """Pixels within ``radius`` of a window edge that lies inside the image."""
    strips = torch.zeros(height, width, dtype=torch.bool)
    for starts, size, axis in ((starts_y, height, 0), (starts_x, width, 1)):
        for edge in {e for s in starts for e in (s, s + window)}:
            if 0 < edge < size:
                band = slice(max(0, edge - radius), edge + radius)
                strips[(band, slice(None)) if axis == 0 else (slice(None), band)] = True
    return strips


def disagreement(prediction, reference, strips):
    wrong = prediction != reference
    return float(wrong[strips].float().mean()), float(wrong[~strips].float().mean())


def naive_stitch(model, image, window):
    """Side-by-side windows without overlap or weighting: the seams the real one avoids."""
    _, height, width = image.shape
    rows, cols = -(-height // window) * window, -(-width // window) * window
    padded = F.pad(image, (0, cols - width, 0, rows - height))
    out = torch.zeros(3, rows, cols)
    for top in range(0, rows, window):
        for left in range(0, cols, window):
            tile = padded[None, :, top:top + window, left:left + window]
            out[:, top:top + window, left:left + window] = whole_image(model, tile[0])
    return out[:, :height, :width]


def test_stitched_869x768_agrees_with_whole_image_without_seams():
    model, image = fully_convolutional(), smooth_image(869, 768)
    stitched = predict_probabilities(model, image, WINDOW, fit="tile", batch_size=4)
    assert stitched.shape == (3, 869, 768)
    reference = whole_image(model, image).argmax(0)
    assert torch.bincount(reference.flatten(), minlength=3).min() > 0.05 * reference.numel()
    prediction = stitched.argmax(0)
    agreement = float((prediction == reference).float().mean())
    assert agreement >= 0.995  # measured: 0.999987 (9 of 667392 pixels, all on ties)
    strips = border_strips(869, 768, window_starts(869, 256), window_starts(768, 256), 256)
    in_strips, elsewhere = disagreement(prediction, reference, strips)
    assert in_strips <= elsewhere + 0.001  # measured: 3.6e-5 vs 6.0e-6
    # The measurement does see a seam: naive side-by-side windows leave a band.
    naive = naive_stitch(model, image, 256).argmax(0)
    naive_strips = border_strips(869, 768, range(0, 869, 256), range(0, 768, 256), 256)
    naive_in, naive_elsewhere = disagreement(naive, reference, naive_strips)
    assert naive_in > naive_elsewhere + 0.05  # measured: 0.14 vs 0.0018


def test_window_placement_follows_nnunet():
    assert window_starts(869, 256) == [0, 123, 245, 368, 490, 613]  # step <= 128, even
    assert window_starts(768, 256) == [0, 128, 256, 384, 512]
    assert window_starts(256, 256) == [0] and window_starts(100, 256) == [0]
    assert window_starts(300, 256, overlap=0.0) == [0, 44]
    weights = gaussian_importance((64, 32))
    assert weights.shape == (64, 32) and float(weights.max()) == pytest.approx(1.0, abs=1e-3)
    # sigma = 1/8 of the window: at the window's edge (31.5 rows from the centre) e^-7.75
    edge_to_centre = float(weights[0, 15] / weights[31, 15])  # row 31 is 0.5 from the centre
    assert edge_to_centre == pytest.approx(math.exp(-0.5 * ((31.5 / 8) ** 2 - (0.5 / 8) ** 2)))
    assert torch.equal(weights, weights.flip(0)) and torch.equal(weights, weights.flip(1))


def test_an_image_smaller_than_the_window_is_padded_like_training_tiles():
    model, image = fully_convolutional(), smooth_image(40, 48)
    result = predict_probabilities(model, image, (64, 64))
    assert result.shape == (3, 40, 48)
    padded = F.pad(image, (0, 16, 0, 24))  # zeros at the bottom and right
    torch.testing.assert_close(result, whole_image(model, padded)[:, :40, :48])
    tall = predict_probabilities(model, smooth_image(100, 40), (64, 64))  # tiles one way only
    assert tall.shape == (3, 100, 40)
    torch.testing.assert_close(tall.sum(0), torch.ones(100, 40))


def test_batch_size_does_not_change_the_result():
    model, image = fully_convolutional(), smooth_image(96, 80)
    one = predict_probabilities(model, image, (32, 32), batch_size=1)
    many = predict_probabilities(model, image, (32, 32), batch_size=7)
    torch.testing.assert_close(one, many)


def test_flip_tta_averages_the_four_flips():
    model, image = fully_convolutional(), smooth_image(32, 32)
    result = predict_probabilities(model, image, (32, 32), tta=True)
    flips = [(), (2,), (1,), (1, 2)]
    manual = sum(whole_image(model, image.flip(d) if d else image).flip(d) if d
                 else whole_image(model, image) for d in flips) / 4
    torch.testing.assert_close(result, manual)
    plain = predict_probabilities(model, image, (32, 32))
    assert not torch.allclose(plain, result)  # the flag does something
    tiled = predict_probabilities(model, smooth_image(80, 70), (32, 32), tta=True)
    assert tiled.shape == (3, 80, 70)


def test_resize_fit_resizes_like_training_and_back_bilinearly():
    model, image = fully_convolutional(), smooth_image(100, 80)
    result = predict_probabilities(model, image, (32, 32), fit="resize")
    assert result.shape == (3, 100, 80)
    small = torch.from_numpy(resize_image(image.permute(1, 2, 0).numpy(), (32, 32)))
    expected = F.interpolate(whole_image(model, small)[None], size=(100, 80), mode="bilinear",
                             align_corners=False)[0]
    torch.testing.assert_close(result, expected)
    torch.testing.assert_close(result.sum(0), torch.ones(100, 80))


def test_one_channel_model_gives_two_class_probabilities():
    model = fully_convolutional(classes=1)
    image = smooth_image(24, 24)
    result = predict_probabilities(model, image, (16, 16))
    assert result.shape == (2, 24, 24)
    with torch.no_grad():
        foreground = torch.sigmoid(model(image[None]))[0, 0]
    # the seams are invisible to argmax but the numbers may differ a little at the edges
    assert float((result[1] - foreground).abs().mean()) < 0.01
    torch.testing.assert_close(result[0], 1 - result[1])


def test_training_mode_is_restored_and_not_used():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Dropout(0.5))
    model.train()
    image = smooth_image(16, 16)
    first = predict_probabilities(model, image, (16, 16))
    assert model.training
    torch.testing.assert_close(first, predict_probabilities(model, image, (16, 16)))
    assert not first.requires_grad


def test_bad_arguments():
    model, image = fully_convolutional(), smooth_image(16, 16)
    with pytest.raises(ValueError, match="fit must be one of tile, resize, not 'crop'"):
        predict_probabilities(model, image, (16, 16), fit="crop")
    with pytest.raises(ValueError, match=r"overlap must be in \[0, 1\), not 1"):
        predict_probabilities(model, image, (16, 16), overlap=1)
    with pytest.raises(ValueError, match=r"expected an image \(C, H, W\)"):
        predict_probabilities(model, image[None], (16, 16))
    shrinking = nn.Sequential(nn.Conv2d(3, 2, 3))  # no padding: 16 -> 14
    with pytest.raises(ValueError, match="it must keep the window's size"):
        predict_probabilities(shrinking, image, (16, 16))
