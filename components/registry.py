"""Component types by name.

Each component module registers its class with ``@register``; the built-in
catalog is imported on first use so that ``get("Convolution")`` just works.
An unknown name fails with the list of valid ones.
"""
from __future__ import annotations

import importlib
from typing import Any, Mapping

from .base import Component
from .errors import UnknownComponentError

_TYPES: dict[str, type[Component]] = {}
_loaded = False


def register(cls: type[Component]) -> type[Component]:
    """Class decorator: make a component type available by its ``type_name``."""
    if not cls.type_name:
        raise ValueError(f"{cls.__name__} has no type_name")
    existing = _TYPES.get(cls.type_name)
    if existing is not None and existing is not cls:
        raise ValueError(f"component type '{cls.type_name}' is registered twice")
    _TYPES[cls.type_name] = cls
    return cls


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module("components.catalog")


def names() -> list[str]:
    """Registered type names in catalog order."""
    _ensure_loaded()
    return list(_TYPES)


def get(name: str) -> type[Component]:
    _ensure_loaded()
    try:
        return _TYPES[name]
    except KeyError:
        raise UnknownComponentError(name, names()) from None


def create(name: str, settings: Mapping[str, Any] | None = None) -> Component:
    """An instance of type ``name`` with validated settings."""
    return get(name)(settings)


def by_category() -> dict[str, list[type[Component]]]:
    """Types grouped for the palette, groups and members in catalog order."""
    groups: dict[str, list[type[Component]]] = {}
    for cls in (get(n) for n in names()):
        groups.setdefault(cls.category, []).append(cls)
    return groups
