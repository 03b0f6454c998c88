"""The ``training`` section of a project file, validated field by field."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

OPTIMIZERS = ("adam", "adamw", "sgd")
DEVICES = ("auto", "cpu", "cuda")
LOSSES = ("cross_entropy", "dice", "dice_ce", "focal")


@dataclass
class TrainingConfig:
    epochs: int = 20
    batch_size: int = 8
    optimizer: str = "adam"
    learning_rate: float = 0.001
    loss: str = "dice_ce"
    seed: int = 0
    device: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_RULES: dict[str, tuple] = {
    "epochs": (int, 1, 100_000),
    "batch_size": (int, 1, 4096),
    "learning_rate": (float, 1e-9, 10.0),
    "seed": (int, 0, 2**32 - 1),
    "optimizer": (str, OPTIMIZERS),
    "loss": (str, LOSSES),
    "device": (str, DEVICES),
}


def training_from_dict(data: Any, where: str = "training") -> tuple[TrainingConfig, list[str]]:
    """The config and every problem found (unknown keys, wrong types, out of range)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return TrainingConfig(), [f"{where}: expected an object"]
    allowed = [f.name for f in fields(TrainingConfig)]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            problems.append(f"{where}: unknown key '{key}' (allowed: {', '.join(allowed)})")
            continue
        problem = _check(key, value)
        if problem:
            problems.append(f"{where}.{key}: {problem}")
        else:
            kind = _RULES[key][0]
            values[key] = float(value) if kind is float else int(value) if kind is int else value
    return TrainingConfig(**values), problems


def _check(key: str, value: Any) -> str | None:
    rule = _RULES[key]
    if rule[0] is str:
        return None if value in rule[1] else f"got {value!r}, expected one of {', '.join(rule[1])}"
    kind, low, high = rule
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not numeric or (kind is int and not whole) or not low <= value <= high:
        noun = "a whole number" if kind is int else "a number"
        return f"got {value!r}, expected {noun} from {low} to {high}"
    return None
