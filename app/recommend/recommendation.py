"""A recommendation: the proposed graph and settings with the reasons for each choice."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.data.spec import ClassInfo

from .fingerprint import Fingerprint
from .memory import MemoryBudget, MemoryEstimate


@dataclass(frozen=True)
class Attempt:
    """One planned size the memory estimate refused (the reasons list them)."""

    size: tuple[int, int]
    filters: int
    needs: int


@dataclass
class Recommendation:
    """A proposed model and training set-up, with the reasons for each choice."""

    graph: dict[str, Any]           # a graph section (graph_from_dict takes it)
    training: dict[str, Any]        # training keys to set
    data: dict[str, Any]            # data keys to set ("fit")
    classes: list[ClassInfo]
    fingerprint: Fingerprint
    input_size: tuple[int, int]
    depth: int
    base_filters: int
    fit: str
    samples: int
    batch_size: int
    memory: MemoryEstimate
    budget: MemoryBudget
    fits: bool
    attempts: list[Attempt] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        h, w = self.input_size
        return (f"Input {self.fingerprint.channels}x{h}x{w} → U-Net (depth {self.depth}, "
                f"{self.base_filters} filters) → Target ({len(self.classes)} classes)")

    def node_settings(self, node_id: str) -> dict[str, Any]:
        return next(n["settings"] for n in self.graph["nodes"] if n["id"] == node_id)
