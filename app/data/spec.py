"""The ``data`` section of a project file, validated key by key.

Paths stay as written (relative to the project file); resolving and reading
them is the loaders' job, which report problems per image file.
"""
from __future__ import annotations

from typing import Any

SOURCES = ("folders", "csv", "demo")
DEMO_NAMES = ("shapes", "nuclei")
KEYS = {
    "folders": {"source", "images", "masks", "split", "seed", "augment"},
    "csv": {"source", "csv", "image_column", "mask_column", "split", "seed", "augment"},
    "demo": {"source", "name", "split", "seed", "augment"},
}


def default_data() -> dict[str, Any]:
    return {"source": "demo", "name": "shapes", "split": [0.7, 0.15, 0.15], "seed": 0}


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
    problems += _split_problems(data.get("split", [0.7, 0.15, 0.15]), f"{where}.split")
    if source == "demo" and data.get("name") not in DEMO_NAMES:
        problems.append(f"{where}.name: got {data.get('name')!r}, expected one of "
                        f"{', '.join(DEMO_NAMES)}")
    if source == "folders":
        for key in ("images", "masks"):
            if not isinstance(data.get(key), str) or not data.get(key):
                problems.append(f"{where}.{key}: expected a folder path")
    if source == "csv" and (not isinstance(data.get("csv"), str) or not data.get("csv")):
        problems.append(f"{where}.csv: expected the path of a CSV file")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"{where}.seed: got {seed!r}, expected a whole number >= 0")
    return problems


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
