"""torch.export of a compiled model: the graph both file formats are made from.

A dynamic batch is always asked for. A dynamic height and width are asked for as
multiples of a step: a U-Net halves the size ``depth`` times, so only sizes that
divide by 2**depth (or by a backbone's total stride) come back out at the same
size. torch.export alone cannot tell: for a step that is too small it may still
succeed, deferring the mismatch to a runtime error. So the step is found by running
the model itself: the smallest power of two ``s`` for which an input of the Input's
size plus ``s`` goes through and keeps its size. A model that pads (the UNet with
``input_fit: pad``) runs at a step of 1, but its padding arithmetic makes torch.export
refuse a free size; the export is then tried at 2s, 4s and 8s. A model that takes no
other size, or whose dynamic export fails, keeps a fixed height and width, and the
report says why.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import fx
from torch.export import Dim, ExportedProgram

from components.graph import GraphDocument

from .blame import describe_node, first_line, node_in_traceback, quiet_exporters, root_cause
from .errors import ExportError

INPUT_NAME, OUTPUT_NAME = "image", "logits"
LARGEST_STEP = 256
EXPORT_TRIES = 4  # steps s, 2s, 4s, 8s: a UNet with input_fit pad exports at 2**depth


@dataclass(frozen=True)
class DynamicSize:
    """How the exported model's input may vary: batch always; height and width in
    multiples of ``step`` (None: fixed at the Input's size, ``reason`` says why)."""

    window: tuple[int, int]
    step: int | None
    reason: str = ""

    def spec(self) -> dict[str, dict[int, Any]]:
        return _spec(self.step)

    def to_json(self) -> dict[str, Any]:
        if self.step is None:
            return {"batch": True, "height_width": False,
                    "size": list(self.window), "reason": self.reason}
        return {"batch": True, "height_width": True, "multiple_of": self.step,
                "size": f"any multiple of {self.step} (the Input is "
                        f"{self.window[0]}x{self.window[1]})"}

    def other_size(self) -> tuple[int, int] | None:
        """A size unlike the Input's that the model claims to take, for the check."""
        if self.step is None:
            return None
        return self.window[0] + self.step, self.window[1] + 2 * self.step


def _spec(step: int | None) -> dict[str, dict[int, Any]]:
    batch = Dim("batch", min=1)
    if step is None:
        return {INPUT_NAME: {0: batch}}
    if step == 1:
        return {INPUT_NAME: {0: batch, 2: Dim("height", min=1), 3: Dim("width", min=1)}}
    return {INPUT_NAME: {0: batch, 2: step * Dim("height_steps", min=1),
                         3: step * Dim("width_steps", min=1)}}


def export_program(model: fx.GraphModule, example: torch.Tensor, graph: GraphDocument,
                   what: str) -> tuple[ExportedProgram, DynamicSize]:
    """The ExportedProgram with the most dynamic input the model allows, or ExportError
    naming the node that cannot be exported (``what`` names the format in messages)."""
    window = (int(example.shape[2]), int(example.shape[3]))
    step, reason = size_step(model, example)
    for _ in range(EXPORT_TRIES if step is not None else 0):
        try:
            return _export(model, example, step), DynamicSize(window, step)
        except Exception as error:  # torch.export's error types vary by version
            reason = (f"torch.export refuses a dynamic height and width "
                      f"({first_line(root_cause(error))})")
            step *= 2  # a padding model runs at any size but exports at its multiple
    try:
        program = _export(model, example, None)
    except Exception as error:
        raise export_failure(model, graph, error, what) from None
    return program, DynamicSize(window, None, reason)


def size_step(model: fx.GraphModule, example: torch.Tensor) -> tuple[int | None, str]:
    """The smallest power of two the height and width may grow by, or (None, why not)."""
    height, width = int(example.shape[2]), int(example.shape[3])
    step = 1
    while step <= LARGEST_STEP:
        probe = torch.zeros(1, example.shape[1], height + step, width + step)
        try:
            with torch.no_grad():
                out = model(probe)
            if tuple(out.shape[2:]) == tuple(probe.shape[2:]):
                return step, ""
        except Exception:  # a size the model cannot take: try a coarser step
            pass
        step *= 2
    return None, (f"the model takes no other size than its Input's {height}x{width} (up to "
                  f"{LARGEST_STEP} pixels more)")


def _export(model: fx.GraphModule, example: torch.Tensor, step: int | None) -> ExportedProgram:
    with quiet_exporters(), torch.no_grad():
        return torch.export.export(model, (example,), dynamic_shapes=_spec(step))


def export_failure(model: fx.GraphModule, graph: GraphDocument, error: BaseException,
                   what: str) -> ExportError:
    """An ExportError naming the node whose operation failed, found in the traceback."""
    node = node_in_traceback(model, error)
    cause = first_line(root_cause(error))
    if node is None:
        return ExportError(f"the model cannot be exported to {what}: {cause}")
    return ExportError(f"{describe_node(graph, node)}: its operation cannot be exported to "
                       f"{what}: {cause}", node)
