"""What a project asks the engine to learn: the Input's size and channels, the Target's
classes and loss settings, and the data's class names and colours.

``model_ends`` is the one place in the engine that finds the Input and Target nodes,
by their role in the model (source and sink), never by type name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from components.base import Role
from components.graph import GraphDocument, Node

if TYPE_CHECKING:
    from app.data.dataset_info import DataSet
    from app.project import Project


def model_ends(graph: GraphDocument) -> tuple[Node | None, Node | None]:
    """The graph's Input and Target nodes (None where there is not exactly one)."""
    inputs, targets = graph.nodes_with_role(Role.SOURCE), graph.nodes_with_role(Role.SINK)
    return (inputs[0] if len(inputs) == 1 else None,
            targets[0] if len(targets) == 1 else None)


@dataclass(frozen=True)
class Task:
    """The facts the loop, validation, eval and predict share."""

    channels: int
    window: tuple[int, int]
    fit: str
    target: dict[str, Any]
    class_names: list[str]
    class_colors: list[tuple[int, int, int]]
    ignore_index: int | None = None
    class_pixels: list[int] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def classes_json(self) -> list[dict[str, Any]]:
        return [{"name": n, "color": list(c)} for n, c in zip(self.class_names, self.class_colors)]


def task_of(project: "Project", dataset: "DataSet") -> Task:
    """The Task of a project whose data check passed (check_ready)."""
    input_node, target_node = model_ends(project.graph)
    assert input_node is not None and target_node is not None  # compile/check_ready said so
    settings = input_node.settings
    return Task(channels=settings["channels"], window=(settings["height"], settings["width"]),
                fit=dataset.spec.fit, target=dict(target_node.settings),
                class_names=[c.name for c in dataset.classes],
                class_colors=[tuple(c.color) for c in dataset.classes],
                ignore_index=dataset.ignore_index,
                class_pixels=dataset.class_pixels("train"))
