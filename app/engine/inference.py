"""Whole-image inference: sliding window with Gaussian weighting, or resize and back.

A model is trained on Input-size windows (tiles or resized images), but a person
evaluates and predicts whole images at their own size. With ``fit="tile"`` the image
is covered by windows that overlap by ``overlap`` of their size, placed as nnU-Net
places them (``compute_steps_for_sliding_window``: the fewest steps of at most
(1 - overlap) * window, spread evenly so the last window ends at the image's edge),
and each window's class probabilities are weighted by a Gaussian centred on the
window (sigma = 1/8 of the window size along each axis, peak 1, as nnU-Net's
``compute_gaussian``) before they are averaged. The edge of a window, where the
model's view is cut off by padding, so weighs about e^-8 of its centre, and tiles
stitch without seams. An image smaller than the window is padded with zeros at the
bottom and right, as the training tiles are. With ``fit="resize"`` the image is
resized to the window exactly as training resized it, predicted, and the
probabilities are resized back bilinearly.

Flip test-time augmentation averages the probabilities of the window as it is and
flipped left-right, up-down and both (nnU-Net's mirroring for 2-D).

Hand-written because no allowed library does it: MONAI's sliding_window_inference
is the same algorithm, but MONAI is not a dependency (and kornia has none).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from app.data.images import resize_image

FITS = ("tile", "resize")
SIGMA_SCALE = 1 / 8
FLIPS: tuple[tuple[int, ...], ...] = ((), (3,), (2,), (2, 3))


def predict_probabilities(model: nn.Module, image: Tensor, window: tuple[int, int],
                          fit: str = "tile", overlap: float = 0.5, tta: bool = False,
                          batch_size: int = 4, device: torch.device | str | None = None
                          ) -> Tensor:
    """Class probabilities (K, H, W) for one image (C, H, W) in [0, 1] at its own size.

    K is the model's channel count, except that a one-channel (BCE) model gives the two
    probabilities (1 - p, p). The result lies on the device the model ran on. The model
    runs in eval mode and without gradients; its training flag is restored after."""
    if fit not in FITS:
        raise ValueError(f"fit must be one of {', '.join(FITS)}, not {fit!r}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), not {overlap}")
    if image.ndim != 3:
        raise ValueError(f"expected an image (C, H, W), got shape {tuple(image.shape)}")
    device = torch.device(device) if device is not None else model_device(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if fit == "resize":
                return _predict_resized(model, image, tuple(window), tta, device)
            return _predict_tiled(model, image.to(device, torch.float32), tuple(window),
                                  overlap, tta, batch_size)
    finally:
        model.train(was_training)


def window_starts(length: int, window: int, overlap: float = 0.5) -> list[int]:
    """Where windows start along one axis (nnU-Net's steps): [0] when one window covers
    it, else evenly spread, the last one ending at ``length``."""
    if length <= window:
        return [0]
    steps = math.ceil((length - window) / (window * (1 - overlap))) + 1
    spacing = (length - window) / (steps - 1)
    return [round(spacing * i) for i in range(steps)]


def gaussian_importance(window: tuple[int, int], device: torch.device | str | None = None
                        ) -> Tensor:
    """(h, w) weights: a Gaussian with sigma = window / 8 per axis, centred, peak 1."""
    axes = []
    for size in window:
        offset = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
        axes.append(torch.exp(-0.5 * (offset / (size * SIGMA_SCALE)) ** 2))
    weights = axes[0][:, None] * axes[1][None, :]
    weights /= weights.max()
    positive = weights[weights > 0]  # nnU-Net: no zero weight (a pixel must count somewhere)
    return weights.clamp_min(float(positive.min()))


def _predict_tiled(model: nn.Module, image: Tensor, window: tuple[int, int],
                   overlap: float, tta: bool, batch_size: int) -> Tensor:
    _, height, width = image.shape
    padded = F.pad(image, (0, max(0, window[1] - width), 0, max(0, window[0] - height)))
    corners = [(top, left) for top in window_starts(padded.shape[1], window[0], overlap)
               for left in window_starts(padded.shape[2], window[1], overlap)]
    weights = gaussian_importance(window, image.device)
    total = None
    norm = torch.zeros(padded.shape[1:], device=image.device)
    for first in range(0, len(corners), max(1, batch_size)):
        chunk = corners[first:first + max(1, batch_size)]
        tiles = torch.stack([padded[:, t:t + window[0], l:l + window[1]] for t, l in chunk])
        probabilities = _window_probabilities(model, tiles, tta)
        if total is None:
            total = torch.zeros(probabilities.shape[1], *padded.shape[1:], device=image.device)
        for (top, left), tile in zip(chunk, probabilities):
            total[:, top:top + window[0], left:left + window[1]] += tile * weights
            norm[top:top + window[0], left:left + window[1]] += weights
    return (total / norm)[:, :height, :width]


def _predict_resized(model: nn.Module, image: Tensor, window: tuple[int, int], tta: bool,
                     device: torch.device) -> Tensor:
    pixels = image.detach().to("cpu", torch.float32).permute(1, 2, 0).numpy()
    resized = torch.from_numpy(resize_image(pixels, window)).to(device)  # as training did
    probabilities = _window_probabilities(model, resized[None], tta)
    if probabilities.shape[2:] != image.shape[1:]:
        probabilities = F.interpolate(probabilities, size=tuple(image.shape[1:]),
                                      mode="bilinear", align_corners=False)
    return probabilities[0]


def _window_probabilities(model: nn.Module, tiles: Tensor, tta: bool) -> Tensor:
    """(B, K, h, w) probabilities of a batch of windows, averaged over flips with TTA."""
    total = None
    for dims in FLIPS if tta else FLIPS[:1]:
        output = model(tiles.flip(dims) if dims else tiles)
        if output.ndim != 4 or output.shape[2:] != tiles.shape[2:]:
            raise ValueError(f"the model returns {tuple(output.shape)} for windows of "
                             f"{tuple(tiles.shape)}; it must keep the window's size")
        probabilities = _to_probabilities(output.float())
        probabilities = probabilities.flip(dims) if dims else probabilities
        total = probabilities if total is None else total + probabilities
    return total / (len(FLIPS) if tta else 1)


def _to_probabilities(logits: Tensor) -> Tensor:
    if logits.shape[1] == 1:
        foreground = torch.sigmoid(logits)
        return torch.cat([1 - foreground, foreground], dim=1)
    return torch.softmax(logits, dim=1)


def model_device(model: nn.Module) -> torch.device:
    """Where the model's weights are (CPU for a model without any)."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")
