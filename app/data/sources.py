"""Where a data section's files are: folders, a CSV, or one of the demo sets.

The demo sets live outside the project: the nuclei sample in resources/data/
(converted at set-up by sample_nuclei.py) and the synthetic shapes in a cache
folder (written on first use). When the nuclei sample is missing, the shapes
stand in with a warning, so the demo project always opens and trains.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.paths import ROOT, SAMPLE_DATA

from . import demo_shapes
from .pairing import Pairing, pair_csv, pair_folders, pair_split_folders
from .spec import DEFAULT_SPLIT, DataSpec

LOG = logging.getLogger(__name__)
CACHE_ENV = "UNET_STUDIO_CACHE"
NUCLEI_DIR_NAME = "nuclei"
NUCLEI_MARKER = "sample.json"
SHAPES_COUNT = 120
SHAPES_DEFAULT_CLASSES = 4


def cache_root() -> Path:
    """Where generated data and spilled caches go (``$UNET_STUDIO_CACHE`` or .cache/)."""
    return Path(os.environ.get(CACHE_ENV) or ROOT / ".cache")


def nuclei_folder() -> Path:
    return SAMPLE_DATA / NUCLEI_DIR_NAME


def nuclei_installed(folder: Path | None = None) -> bool:
    """True once the converter finished (it writes its marker last)."""
    return ((folder or nuclei_folder()) / NUCLEI_MARKER).is_file()


@dataclass
class Source:
    """A resolved data section: the effective spec, what it is, and how to pair it."""

    spec: DataSpec
    description: str
    base: Path
    notes: list[str] = field(default_factory=list)
    split_layout: bool = False  # files lie in train/ val/ test/ even when split by fractions

    def pair(self) -> Pairing:
        spec, base = self.spec, self.base
        if spec.source == "csv":
            return pair_csv(_path(spec.csv, base), spec.image_column, spec.mask_column, base)
        root = _path(spec.root, base) if spec.root else None
        split_layout = spec.split_folders or self.split_layout
        if root and split_layout:  # names of the sub-folders inside train/, val/, test/
            images, masks = Path(spec.images), Path(spec.masks)
        else:
            images, masks = _path(spec.images, root or base), _path(spec.masks, root or base)
        if split_layout:
            return pair_split_folders(images, masks, base, root)
        return pair_folders(images, masks, base)


def resolve(spec: DataSpec, base: Path) -> Source:
    """The Source for a spec; paths are relative to ``base`` (the project folder)."""
    if spec.source == "csv":
        return Source(spec, f"CSV {spec.csv} (columns '{spec.image_column}', "
                            f"'{spec.mask_column}')", base)
    if spec.source == "folders":
        where = f"{spec.root}/" if spec.root else ""
        layout = "train/val/test sub-folders of " if spec.split_folders else ""
        return Source(spec, f"{layout}{where}{spec.images} + {where}{spec.masks}", base)
    if spec.name == "nuclei":
        if nuclei_installed():
            folder = nuclei_folder()
            nuclei = dataclasses.replace(spec, source="folders", root=str(folder),
                                         images="images", masks="masks")
            return Source(nuclei, "demo: nuclei microscopy sample (mnfinder 1.2.3, MIT)", folder,
                          split_layout=True)
        return _shapes(spec, fallback=True)
    return _shapes(spec, fallback=False)


def _shapes(spec: DataSpec, fallback: bool) -> Source:
    classes = len(spec.classes) if spec.classes else SHAPES_DEFAULT_CLASSES
    classes = min(max(classes, 2), demo_shapes.MAX_CLASSES)
    folder = demo_shapes.ensure_dataset(cache_root() / "demo" / f"shapes-{classes}c",
                                        count=SHAPES_COUNT, classes=classes)
    infos = tuple(demo_shapes.class_infos(classes))
    if spec.classes and not fallback:
        infos = spec.classes  # the person's names and colours for the shapes
    split = list(DEFAULT_SPLIT) if spec.split_folders else spec.split
    shapes = dataclasses.replace(spec, source="folders", root=str(folder), images="images",
                                 masks="masks", split=split, classes=infos, mask_kind="labels",
                                 colors=None)
    notes = []
    if fallback:
        names = ", ".join(c.name for c in infos)
        notes.append(f"The nuclei sample is not installed ({nuclei_folder()} is missing): run "
                     "'make data' once with a network connection. Using the synthetic shapes "
                     f"demo meanwhile ({classes} classes: {names}).")
        LOG.warning(notes[-1])
    return Source(shapes, f"demo: synthetic shapes ({SHAPES_COUNT} scenes, {classes} classes)",
                  folder, notes)


def _path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path
