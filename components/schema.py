"""Typed settings: each component declares its controls as data.

The property panel builds its form from these declarations, the JSON loader
validates against them and the compiler trusts what they let through, so a bad
value is caught once, at the edge, with a message that names the setting.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping

from .errors import SettingError

SettingKind = Literal["int", "float", "bool", "choice", "text", "floats"]


@dataclass(frozen=True)
class Setting:
    """One control of a component.

    ``special`` lists string values an int, float or floats setting also accepts
    (for example ``"auto"`` for a U-Net's output channels, resolved by the compiler).

    ``text`` settings hold a string: one of ``choices``, or one matching
    ``pattern`` (a full-match regular expression, described to people by
    ``pattern_help``, e.g. ``cuda:N``). ``floats`` settings hold a list of numbers
    (stored as a tuple), each within minimum/maximum, of ``length`` items when set.

    ``group`` names the section of a generated form the setting belongs to, and
    ``when`` says when it matters: ``(("optimizer", ("sgd", "rmsprop")),)`` means
    only while the optimizer is sgd or rmsprop (a form greys it out otherwise; the
    value is still validated and kept).
    """

    name: str
    kind: SettingKind
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    special: tuple[str, ...] = ()
    label: str = ""
    pattern: str = ""
    pattern_help: str = ""
    length: int | None = None
    group: str = ""
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice setting '{self.name}' declares no choices")
        if self.kind == "text" and not (self.choices or self.pattern):
            raise ValueError(f"text setting '{self.name}' declares neither choices nor a pattern")
        self.validate(self.default)  # a schema with a bad default is a programming error

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def describe_allowed(self) -> str:
        """The allowed values in words, for error messages and tooltips."""
        if self.kind == "bool":
            return "true or false" + "".join(f" or '{s}'" for s in self.special)
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "text":
            shown = list(self.choices) + ([self.pattern_help or self.pattern] if self.pattern else [])
            if len(shown) == 1:
                return shown[0]
            return f"one of {', '.join(shown[:-1])} or {shown[-1]}"
        lo = "-inf" if self.minimum is None else _fmt(self.minimum)
        hi = "inf" if self.maximum is None else _fmt(self.maximum)
        words = f"{'a whole number' if self.kind == 'int' else 'a number'} from {lo} to {hi}"
        if self.kind == "floats":
            count = f"{self.length} numbers" if self.length else "a list of numbers"
            words = f"{count}, each from {lo} to {hi}"
        if self.special:
            words += " or " + " or ".join(f"'{s}'" for s in self.special)
        return words

    def validate(self, value: Any) -> Any:
        """Return the value in its canonical type or raise SettingError."""
        if isinstance(value, str) and value in self.special:
            return value
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise SettingError(self.name, f"got {value!r}, expected {self.describe_allowed()}")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise SettingError(self.name, f"got {value!r}, expected {self.describe_allowed()}")
        if self.kind == "text":
            return self._validate_text(value)
        if self.kind == "floats":
            return self._validate_floats(value)
        return self._validate_number(value)

    def _validate_text(self, value: Any) -> str:
        if isinstance(value, str) and (value in self.choices or (
                self.pattern and re.fullmatch(self.pattern, value))):
            return value
        raise SettingError(self.name, f"got {value!r}, expected {self.describe_allowed()}")

    def _validate_floats(self, value: Any) -> tuple[float, ...]:
        bad = SettingError(self.name, f"got {value!r}, expected {self.describe_allowed()}")
        if not isinstance(value, (list, tuple)) or not value:
            raise bad
        if self.length is not None and len(value) != self.length:
            raise bad
        item = Setting(self.name, "float", self.default_item(), minimum=self.minimum,
                       maximum=self.maximum)
        try:
            return tuple(item.validate(v) for v in value)
        except SettingError:
            raise bad from None

    def default_item(self) -> float:
        """A number inside the limits (the per-item checker needs a valid default)."""
        if self.minimum is not None:
            return float(self.minimum)
        return float(self.maximum) if self.maximum is not None and self.maximum < 0 else 0.0

    def _validate_number(self, value: Any) -> int | float:
        bad = SettingError(self.name, f"got {value!r}, expected {self.describe_allowed()}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise bad
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise bad
        if self.minimum is not None and value < self.minimum:
            raise bad
        if self.maximum is not None and value > self.maximum:
            raise bad
        return value


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@dataclass(frozen=True)
class Schema:
    """The ordered settings of one component type."""

    settings: tuple[Setting, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.settings)

    def __contains__(self, name: object) -> bool:
        return any(s.name == name for s in self.settings)

    def names(self) -> list[str]:
        return [s.name for s in self.settings]

    def get(self, name: str) -> Setting:
        for setting in self.settings:
            if setting.name == name:
                return setting
        raise SettingError(name, f"unknown setting (valid settings: {', '.join(self.names())})")

    def applies(self, name: str, values: Mapping[str, Any]) -> bool:
        """Whether a setting matters for these values (its ``when`` conditions hold)."""
        return all(values.get(other, self.get(other).default) in allowed
                   for other, allowed in self.get(name).when)

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.settings}

    def validate(self, values: Mapping[str, Any], *, partial: bool = True) -> dict[str, Any]:
        """Validate ``values`` and fill in defaults; raises on the first bad one."""
        errors = self.problems(values)
        if errors:
            raise errors[0]
        result = self.defaults() if partial else {}
        result.update({name: self.get(name).validate(v) for name, v in values.items()})
        return result

    def problems(self, values: Mapping[str, Any]) -> list[SettingError]:
        """Every bad or unknown setting in ``values``, for loaders that report all."""
        found: list[SettingError] = []
        for name, value in values.items():
            try:
                self.get(name).validate(value)
            except SettingError as error:
                found.append(error)
        return found


def schema(*settings: Setting | Iterable[Setting]) -> Schema:
    """Build a Schema from settings or groups of settings (shared groups stay DRY)."""
    flat: list[Setting] = []
    for item in settings:
        flat.extend([item] if isinstance(item, Setting) else item)
    names = [s.name for s in flat]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate setting names in {names}")
    return Schema(tuple(flat))
