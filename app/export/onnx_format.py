"""ONNX: torch's dynamo exporter (torch.export -> onnxscript), checked in onnxruntime.

onnx, onnxscript and onnxruntime are the optional extra ``onnx`` (pyproject);
without them ``--format onnx`` says which to install. The exporter translates the
ExportedProgram that ``program.export_program`` made (with its dynamic batch and
size), so the ONNX file takes exactly what the torch.export file takes.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import fx, nn
from torch.export import ExportedProgram

from components.graph import GraphDocument

from .blame import describe_node, first_line, probe_nodes, quiet_exporters, root_cause
from .errors import ExportError, MissingPackage
from .program import INPUT_NAME, OUTPUT_NAME, DynamicSize, export_failure

PACKAGES = ("onnx", "onnxscript", "onnxruntime")


def require_onnx() -> None:
    """MissingPackage naming each of the ``onnx`` extra's packages that is not installed."""
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingPackage("onnx", missing)


def write_onnx(program: ExportedProgram, dynamic: DynamicSize, model: fx.GraphModule,
               example: torch.Tensor, graph: GraphDocument, path: Path) -> None:
    """Translate ``program`` and save it as one .onnx file (weights inside below 2 GB);
    a translation failure names the node whose operation has no ONNX form."""
    try:
        with quiet_exporters():
            onnx_program = torch.onnx.export(program, input_names=[INPUT_NAME],
                                             output_names=[OUTPUT_NAME], dynamo=True,
                                             verbose=False,  # the spec names the axes:
                                             dynamic_shapes=dynamic.spec())
    except Exception as error:  # the exporter's error types vary by version
        raise _translation_failure(model, example, graph, error) from None
    onnx_program.save(str(path))


def _translation_failure(model: fx.GraphModule, example: torch.Tensor, graph: GraphDocument,
                         error: BaseException) -> ExportError:
    """Which node's module fails to translate on its own (the whole program's error
    names an aten operator, not a node)."""
    traced = export_failure(model, graph, error, "ONNX")
    if traced.node_id is not None:
        return traced

    def attempt(module: nn.Module, inputs: tuple[Any, ...]) -> None:
        with quiet_exporters():
            torch.onnx.export(module, inputs, dynamo=True, verbose=False)

    found = probe_nodes(model, example, attempt)
    cause = first_line(root_cause(error))
    if found is None:
        return ExportError(f"the model cannot be exported to ONNX: {cause}")
    node, node_error = found
    return ExportError(f"{describe_node(graph, node)}: its operation cannot be exported to "
                       f"ONNX: {first_line(root_cause(node_error))}", node)


def onnx_runner(path: Path) -> Callable[[torch.Tensor], np.ndarray]:
    """Run the saved file in onnxruntime (CPU), as a person would deploy it."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: no notes about unused initializers
    try:
        session = onnxruntime.InferenceSession(str(path), options,
                                               providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's Fail / InvalidGraph / RuntimeException...
        raise ExportError("onnxruntime cannot load the ONNX file the exporter wrote "
                          f"({first_line(error)}); the export was not kept") from None

    def run(batch: torch.Tensor) -> np.ndarray:
        return session.run([OUTPUT_NAME], {INPUT_NAME: batch.numpy()})[0]
    return run
