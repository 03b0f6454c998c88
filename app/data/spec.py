"""The ``data`` section of a project file, validated key by key.

Paths stay as written (relative to the project file); resolving and reading
them is the loaders' job, which report problems per image file. Every key a
person can set is listed here, and an unknown key is an error that names it:
a typo such as ``"augmnet"`` must not silently turn augmentation off.

Keys (all sources): ``source``, ``split`` ([train, val, test] fractions or
``"folders"``), ``seed``, ``augment`` (flags, see AUGMENTATIONS), ``mask``
(``kind``, ``instances``, and the colour table as ``colors`` or gray
``values``), ``classes`` (names and display colours), ``fit`` (``resize`` or
``tile``) and ``skip`` (pairs the person chose to leave out). ``mask.ignore`` is the
mask value (or [r, g, b] colour) of pixels to leave out of training and metrics,
``"none"`` for none, and when absent the scan proposes one (VOC's 255 border). Per source:
``folders`` has ``images``, ``masks`` and optionally ``root``; ``csv`` has
``csv``, ``image_column``, ``mask_column``; ``demo`` has ``name``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import DataError

SOURCES = ("folders", "csv", "demo")
DEMO_NAMES = ("shapes", "nuclei")
COMMON_KEYS = {"source", "split", "seed", "augment", "mask", "classes", "fit", "skip"}
KEYS = {
    "folders": COMMON_KEYS | {"images", "masks", "root"},
    "csv": COMMON_KEYS | {"csv", "image_column", "mask_column"},
    "demo": COMMON_KEYS | {"name"},
}
MASK_KINDS = ("auto", "binary", "labels", "palette", "colors", "instances")
INSTANCE_MODES = ("foreground", "boundary")
FITS = ("resize", "tile")
AUGMENTATIONS = ("flip", "rotate90", "affine", "crop", "intensity", "noise", "elastic")
MASK_KEYS = ("kind", "instances", "colors", "values", "ignore")
IGNORE_AUTO, IGNORE_NONE = "auto", "none"
CLASS_KEYS = ("name", "color")
MAX_CLASSES = 256  # the Target's limit; masks are stored as uint8 class ids
DEFAULT_SPLIT = [0.7, 0.15, 0.15]
IGNORE_INDEX = 255
"""The class id the loaders give pixels the person marked to ignore (VOC's 255 border):
the engine leaves them out of every loss and metric. With an ignore value the data set
can have at most 255 classes (ids 0..254)."""


def default_data() -> dict[str, Any]:
    return {"source": "demo", "name": "shapes", "split": list(DEFAULT_SPLIT), "seed": 0}


@dataclass(frozen=True)
class ClassInfo:
    """A class as the person sees it: a name and a display colour."""

    name: str
    color: tuple[int, int, int]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "color": list(self.color)}


@dataclass(frozen=True)
class DataSpec:
    """A validated data section with every default filled in (read-only view)."""

    source: str
    name: str = "shapes"
    images: str = ""
    masks: str = ""
    root: str | None = None
    csv: str = ""
    image_column: str = "image"
    mask_column: str = "mask"
    split: Any = field(default_factory=lambda: list(DEFAULT_SPLIT))
    seed: int = 0
    augment: dict[str, bool] = field(default_factory=dict)
    mask_kind: str = "auto"
    instances: str = "foreground"
    colors: tuple[tuple[int, int, int], ...] | None = None
    values: tuple[int, ...] | None = None
    ignore: Any = IGNORE_AUTO  # "auto" (detect), "none", a mask value or an (r, g, b) colour
    classes: tuple[ClassInfo, ...] | None = None
    fit: str = "resize"
    skip: frozenset[str] = frozenset()

    @property
    def split_folders(self) -> bool:
        return self.split == "folders"


class DataSpecError(DataError):
    """A data section with problems; ``problems`` lists each, naming its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_data(data: Any, where: str = "data") -> DataSpec:
    """The DataSpec for a data section, or DataSpecError listing every problem."""
    problems = data_problems(data, where)
    if problems:
        raise DataSpecError(problems)
    mask = data.get("mask", {})
    colors = mask.get("colors")
    ignore = mask.get("ignore", IGNORE_AUTO)
    classes = data.get("classes")
    return DataSpec(
        source=data["source"], name=data.get("name", "shapes"),
        images=data.get("images", "images" if data.get("root") else ""),
        masks=data.get("masks", "masks" if data.get("root") else ""),
        root=data.get("root"), csv=data.get("csv", ""),
        image_column=data.get("image_column", "image"),
        mask_column=data.get("mask_column", "mask"),
        split=data.get("split", list(DEFAULT_SPLIT)), seed=data.get("seed", 0),
        augment={k: bool(data.get("augment", {}).get(k, False)) for k in AUGMENTATIONS},
        mask_kind=mask.get("kind", "auto"), instances=mask.get("instances", "foreground"),
        colors=tuple(tuple(c) for c in colors) if colors is not None else None,
        values=tuple(mask["values"]) if mask.get("values") is not None else None,
        ignore=tuple(ignore) if isinstance(ignore, list) else ignore,
        classes=(tuple(ClassInfo(c["name"], tuple(c["color"])) for c in classes)
                 if classes is not None else None),
        fit=data.get("fit", "resize"), skip=frozenset(data.get("skip", [])))


def data_problems(data: Any, where: str = "data") -> list[str]:
    """Every problem in a data section, each naming its key."""
    if not isinstance(data, dict):
        return [f"{where}: expected an object"]
    source = data.get("source")
    if source not in SOURCES:
        return [f"{where}.source: got {source!r}, expected one of {', '.join(SOURCES)}"]
    problems = [f"{where}: unknown key '{k}' for source '{source}' "
                f"(allowed: {', '.join(sorted(KEYS[source]))})"
                for k in data if k not in KEYS[source]]
    problems += _split_problems(data.get("split", DEFAULT_SPLIT), f"{where}.split")
    problems += _source_problems(data, source, where)
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"{where}.seed: got {seed!r}, expected a whole number >= 0")
    problems += _flags_problems(data.get("augment", {}), f"{where}.augment")
    problems += _mask_problems(data.get("mask", {}), f"{where}.mask")
    problems += _classes_problems(data.get("classes"), f"{where}.classes")
    if data.get("fit", "resize") not in FITS:
        problems.append(f"{where}.fit: got {data.get('fit')!r}, expected one of {', '.join(FITS)}")
    skip = data.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(s, str) and s for s in skip):
        problems.append(f"{where}.skip: expected a list of file names (the pairs left out)")
    return problems


def _source_problems(data: dict, source: str, where: str) -> list[str]:
    problems = []
    if source == "demo" and data.get("name") not in DEMO_NAMES:
        problems.append(f"{where}.name: got {data.get('name')!r}, expected one of "
                        f"{', '.join(DEMO_NAMES)}")
    if source == "folders":
        if "root" in data and not _is_path(data["root"]):
            problems.append(f"{where}.root: expected a folder path")
        for key in ("images", "masks"):
            if (key in data or "root" not in data) and not _is_path(data.get(key)):
                problems.append(f"{where}.{key}: expected a folder path")
    if source == "csv":
        if not _is_path(data.get("csv")):
            problems.append(f"{where}.csv: expected the path of a CSV file")
        for key in ("image_column", "mask_column"):
            if key in data and not _is_path(data[key]):
                problems.append(f"{where}.{key}: expected a column name")
        if data.get("split") == "folders":
            problems.append(f"{where}.split: \"folders\" needs the folders source; a CSV "
                            "takes [train, val, test] fractions")
    return problems


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _split_problems(split: Any, where: str) -> list[str]:
    if split == "folders":
        return []
    ok = (isinstance(split, list) and len(split) == 3
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in split)
          and abs(sum(split) - 1.0) < 1e-6 and split[0] > 0)
    if ok:
        return []
    return [f"{where}: got {split!r}, expected [train, val, test] fractions summing to 1 "
            "(train > 0), or \"folders\" to keep train/val/test sub-folders"]


def _flags_problems(flags: Any, where: str) -> list[str]:
    if not isinstance(flags, dict):
        return [f"{where}: expected an object of on/off flags ({', '.join(AUGMENTATIONS)})"]
    problems = [f"{where}: unknown key '{k}' (allowed: {', '.join(AUGMENTATIONS)})"
                for k in flags if k not in AUGMENTATIONS]
    problems += [f"{where}.{k}: got {v!r}, expected true or false"
                 for k, v in flags.items() if k in AUGMENTATIONS and not isinstance(v, bool)]
    return problems


def _mask_problems(mask: Any, where: str) -> list[str]:
    if not isinstance(mask, dict):
        return [f"{where}: expected an object (keys: {', '.join(MASK_KEYS)})"]
    problems = [f"{where}: unknown key '{k}' (allowed: {', '.join(MASK_KEYS)})"
                for k in mask if k not in MASK_KEYS]
    if mask.get("kind", "auto") not in MASK_KINDS:
        problems.append(f"{where}.kind: got {mask.get('kind')!r}, expected one of "
                        f"{', '.join(MASK_KINDS)}")
    if mask.get("instances", "foreground") not in INSTANCE_MODES:
        problems.append(f"{where}.instances: got {mask.get('instances')!r}, expected one of "
                        f"{', '.join(INSTANCE_MODES)}")
    colors = mask.get("colors")
    if colors is not None:
        if (not isinstance(colors, list) or not 2 <= len(colors) <= MAX_CLASSES
                or not all(_is_color(c) for c in colors)):
            problems.append(f"{where}.colors: expected a list of 2 to {MAX_CLASSES} [r, g, b] "
                            "colours (0-255), the colour of class 0, 1, ...")
        elif len({tuple(c) for c in colors}) != len(colors):
            problems.append(f"{where}.colors: a colour appears twice; each class needs its own")
    values = mask.get("values")
    if values is not None:
        if (not isinstance(values, list) or not 2 <= len(values) <= MAX_CLASSES
                or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                           for v in values)):
            problems.append(f"{where}.values: expected a list of 2 to {MAX_CLASSES} mask values "
                            "(whole numbers >= 0), the value of class 0, 1, ...")
        elif len(set(values)) != len(values):
            problems.append(f"{where}.values: a value appears twice; each class needs its own")
    ignore = mask.get("ignore", IGNORE_AUTO)
    if not (ignore in (IGNORE_AUTO, IGNORE_NONE) or _is_color(ignore) or (
            isinstance(ignore, int) and not isinstance(ignore, bool) and ignore >= 0)):
        problems.append(f"{where}.ignore: got {ignore!r}, expected the mask value (or [r, g, b] "
                        f"colour) of pixels to leave out, \"{IGNORE_NONE}\", or \"{IGNORE_AUTO}\"")
    return problems


def _classes_problems(classes: Any, where: str) -> list[str]:
    if classes is None:
        return []
    if not isinstance(classes, list) or not 2 <= len(classes) <= MAX_CLASSES:
        return [f"{where}: expected a list of 2 to {MAX_CLASSES} classes "
                "({\"name\": ..., \"color\": [r, g, b]})"]
    problems = []
    for i, entry in enumerate(classes):
        if not isinstance(entry, dict):
            problems.append(f"{where}[{i}]: expected an object with name and color")
            continue
        problems += [f"{where}[{i}]: unknown key '{k}' (allowed: {', '.join(CLASS_KEYS)})"
                     for k in entry if k not in CLASS_KEYS]
        if not _is_path(entry.get("name")):
            problems.append(f"{where}[{i}].name: expected a non-empty name")
        if not _is_color(entry.get("color")):
            problems.append(f"{where}[{i}].color: expected [r, g, b] with values 0-255")
    return problems


def _is_color(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255
                    for v in value))
