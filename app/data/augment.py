"""Augmentations applied to image and mask together (kornia.augmentation).

kornia's AugmentationSequential moves a mask with every geometric change of its
image (nearest-neighbour for the mask, so class ids stay ids) and leaves it alone
for intensity changes. It works on whole batches, so the loader runs it once per
batch inside its worker processes (see dataset.py), never once per pixel loop.
The elastic deformation follows the U-Net paper: displacement vectors on a coarse
3x3 grid, bicubic-interpolated (RandomGridElastic below).
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from kornia import augmentation as K
from kornia.augmentation import AugmentationBase2D
from kornia.constants import DataKey, Resample

from .spec import AUGMENTATIONS

DESCRIPTIONS = {
    "flip": "horizontal and vertical flips",
    "rotate90": "rotations by 0/90/180/270 degrees (180 only for non-square inputs)",
    "affine": "small rotation, shift, scale and shear",
    "crop": "random crop of 50-100% of the area, resized back",
    "intensity": "brightness, contrast and gamma",
    "noise": "Gaussian noise",
    "elastic": "elastic deformation (U-Net paper)",
}


def enabled(options: Mapping[str, bool] | None) -> list[str]:
    return [name for name in AUGMENTATIONS if options and options.get(name)]


def build_modules(options: Mapping[str, bool], size: tuple[int, int]) -> list[AugmentationBase2D]:
    """The kornia modules for the enabled options, in a fixed order."""
    height, width = size
    modules: list = []
    if options.get("flip"):
        modules += [K.RandomHorizontalFlip(p=0.5), K.RandomVerticalFlip(p=0.5)]
    if options.get("rotate90"):
        # kornia draws times uniformly and rounds: (-2, 2) gives each of the four
        # quarter-turn multiples a 1/4 chance (-2 and 2 are both 180 degrees)
        times = (-2, 2) if height == width else (2, 2)
        modules.append(K.RandomRotation90(times=times, p=1.0 if height == width else 0.5,
                                          align_corners=False))
    if options.get("affine"):
        modules.append(K.RandomAffine(degrees=15.0, translate=(0.05, 0.05), scale=(0.9, 1.1),
                                      shear=5.0, padding_mode="reflection", p=0.5))
    if options.get("crop"):
        modules.append(K.RandomResizedCrop(size, scale=(0.5, 1.0), ratio=(0.8, 1.25),
                                           align_corners=False, p=0.5))
    if options.get("elastic"):
        modules.append(_elastic(size))
    if options.get("intensity"):
        modules += [K.RandomBrightness(brightness=(0.9, 1.1), p=0.5),
                    K.RandomContrast(contrast=(0.8, 1.25), p=0.5),
                    K.RandomGamma(gamma=(0.8, 1.25), p=0.5)]
    if options.get("noise"):
        modules.append(K.RandomGaussianNoise(std=0.03, p=0.5))
    return modules


def _elastic(size: tuple[int, int]) -> "RandomGridElastic":
    return RandomGridElastic(std=min(size) / 50.0, p=0.5)


class RandomGridElastic(AugmentationBase2D):
    """The U-Net paper's elastic deformation, as a kornia augmentation.

    Random displacement vectors on a coarse 3x3 grid (Gaussian, ``std`` pixels;
    the paper used 10 px at 572 px), bicubic-interpolated to every pixel. kornia's
    RandomElasticTransform smooths a per-pixel noise field with a large Gaussian
    instead, which costs ~40x more for the same smooth field (0.4 s per batch of
    8 at 256x256 on one core), enough to make the loader the bottleneck.
    Masks are sampled with the resample mode AugmentationSequential gives them
    (nearest), so class ids stay ids.
    """

    def __init__(self, std: float = 10.0, grid: int = 3, padding_mode: str = "reflection",
                 p: float = 0.5) -> None:
        super().__init__(p=p, same_on_batch=False, p_batch=1.0, keepdim=False)
        self.flags = {"std": float(std), "grid": int(grid), "padding_mode": padding_mode,
                      "resample": Resample.BILINEAR, "align_corners": False}

    def generate_parameters(self, shape: tuple[int, ...]) -> dict[str, torch.Tensor]:
        batch = shape[0]
        grid = self.flags["grid"]
        vectors = torch.randn(batch, 2, grid, grid, device=self.device, dtype=self.dtype)
        return {"vectors": vectors * self.flags["std"]}

    def apply_transform(self, input: torch.Tensor, params: dict[str, torch.Tensor],
                        flags: dict[str, Any], transform: torch.Tensor | None = None
                        ) -> torch.Tensor:
        batch, channels, height, width = input.shape
        vectors = params["vectors"].to(device=input.device, dtype=input.dtype)
        pixels = F.interpolate(vectors, size=(height, width), mode="bicubic", align_corners=True)
        scale = torch.tensor([2.0 / width, 2.0 / height], dtype=input.dtype, device=input.device)
        displacement = (pixels * scale.view(1, 2, 1, 1)).permute(0, 2, 3, 1)
        theta = torch.eye(2, 3, dtype=input.dtype, device=input.device).expand(batch, 2, 3)
        identity = F.affine_grid(theta, [batch, channels, height, width], align_corners=False)
        mode = Resample.get(flags["resample"]).name.lower()
        return F.grid_sample(input, identity + displacement, mode=mode,
                             padding_mode=flags["padding_mode"], align_corners=False)

    def apply_transform_mask(self, input: torch.Tensor, params: dict[str, torch.Tensor],
                             flags: dict[str, Any], transform: torch.Tensor | None = None
                             ) -> torch.Tensor:
        return self.apply_transform(input, params, flags, transform)

    def apply_non_transform_mask(self, input: torch.Tensor, params: dict[str, torch.Tensor],
                                 flags: dict[str, Any], transform: torch.Tensor | None = None
                                 ) -> torch.Tensor:
        return input


class Augmenter:
    """Augments a batch: images (B, C, H, W) float in [0, 1], masks (B, H, W) int."""

    def __init__(self, options: Mapping[str, bool], size: tuple[int, int]) -> None:
        self.names = enabled(options)
        modules = build_modules(options, size)
        self._sequence = K.AugmentationSequential(
            *modules, data_keys=["input", "mask"],
            extra_args={DataKey.MASK: {"resample": Resample.NEAREST, "align_corners": False}},
        ) if modules else None

    def __bool__(self) -> bool:
        return self._sequence is not None

    def __call__(self, images: torch.Tensor, masks: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        if self._sequence is None:
            return images, masks
        dtype = masks.dtype
        out_images, out_masks = self._sequence(images, masks[:, None].float())
        return out_images.clamp_(0.0, 1.0), out_masks[:, 0].round().to(dtype)
