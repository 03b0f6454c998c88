"""The project's own error types.

Every error a person can cause names the thing that is wrong (a node, a setting, a
port, a place in a file), so the GUI can outline the node and the CLI can print a
line that points at the problem instead of a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class StudioError(Exception):
    """Base class: anything a person can fix by changing their project."""


class SettingError(StudioError, ValueError):
    """A setting value is outside what its schema allows."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"setting '{setting}': {message}")
        self.setting = setting


class ShapeError(StudioError):
    """A component cannot take the shapes that reach its input ports."""


class UnknownComponentError(StudioError, KeyError):
    """A type name that is not in the registry; lists the valid names."""

    def __init__(self, name: str, valid: list[str]) -> None:
        message = f"unknown component type '{name}' (valid types: {', '.join(valid)})"
        super().__init__(message)
        self.name = name
        self.message = message

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class GraphError(StudioError):
    """An edit the document refuses: a missing node, a duplicate id, a bad port."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


class RefusalReason(str, Enum):
    """Why a wire cannot be made; the canvas shows these while dragging."""

    UNKNOWN_NODE = "unknown node"
    UNKNOWN_PORT = "unknown port"
    SAME_NODE = "a node cannot be wired to itself"
    SAME_DIRECTION = "both ports point the same way (wire an output to an input)"
    PORT_TAKEN = "that input already has a wire"
    DUPLICATE = "that wire already exists"
    CYCLE = "the wire would make a cycle"


class GraphCycleError(GraphError):
    """The wires form a loop, so the graph has no order; ``cycle`` lists it (first node last too)."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(f"the wires form a cycle: {' -> '.join(cycle)}", cycle[0] if cycle else None)
        self.cycle = list(cycle)


class ConnectionRefused(GraphError):
    """A wire the document will not add, with a typed reason."""

    def __init__(self, reason: RefusalReason, detail: str = "", node_id: str | None = None) -> None:
        message = reason.value if not detail else f"{reason.value}: {detail}"
        super().__init__(message, node_id)
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a graph, attached to a node when there is one.

    The data layer has its own Problem (app/data/problems.py: a file, a message and
    the key of the image/mask pair it belongs to). They stay two types on purpose:
    a graph problem points at a node the canvas can outline, a data problem at a
    file the wizard can list and a pair it can skip; neither has the other's
    place, and one type with both optional would let either be made without any.
    """

    message: str
    node_id: str | None = None

    def __str__(self) -> str:
        return f"{self.node_id}: {self.message}" if self.node_id else self.message


class GraphCompileError(StudioError):
    """The graph cannot become a model; carries every problem, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "graph cannot be compiled")

    @property
    def node_ids(self) -> list[str]:
        return [p.node_id for p in self.problems if p.node_id]


class ProjectFileError(StudioError):
    """A project file that cannot be read; names the file and every place that is wrong."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


class GraphFormatError(StudioError):
    """The JSON form of a graph is wrong; one message per place, e.g. ``graph.nodes[2].type``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))
