"""Which canvas node an export failure belongs to.

An exporter's error names an aten operator or a line of a forward() a person never
wrote; the canvas node it came from is what they can change. Two ways to find it:
the traceback (torch.export's non-strict tracing and torch.fx's tracing both run
the real modules' forward, so the deepest frame whose ``self`` belongs to a node's
module names the node), and, when the failure happened after tracing (an operator
without an ONNX translation), exporting each node's module alone on the inputs it
received in a real forward pass until one fails.
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Any, Callable, Iterator

import torch
from torch import fx, nn

from components.graph import GraphDocument

_NOISY_LOGGERS = ("torch.fx.experimental.symbolic_shapes", "torch.export", "torch._export",
                  "torch.onnx", "torch._dynamo", "torch._subclasses")


@contextlib.contextmanager
def quiet_exporters() -> Iterator[None]:
    """Keep torch's exporters from dumping traced graphs on stderr and from failing on
    their own internal FutureWarning (torch 2.13's pytree deprecation, raised inside
    torch.export's decompositions; our tests turn warnings into errors)."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)",
                                category=FutureWarning)
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def node_owners(model: nn.Module) -> dict[int, str]:
    """id(module) -> canvas node id, for every module inside a node's module."""
    owners: dict[int, str] = {}
    for node_id, attr in getattr(model, "meta", {}).get("node_modules", {}).items():
        top = getattr(model, attr, None)
        if isinstance(top, nn.Module):
            for module in top.modules():
                owners.setdefault(id(module), node_id)
    return owners


def node_in_traceback(model: nn.Module, error: BaseException) -> str | None:
    """The node whose module's forward was running deepest when ``error`` was raised
    (following the chain of causes), or None."""
    owners = node_owners(model)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = None
        trace = current.__traceback__
        while trace is not None:
            owner = owners.get(id(trace.tb_frame.f_locals.get("self")))
            found = owner or found
            trace = trace.tb_next
        if found:
            return found
        current = current.__cause__ or current.__context__
    return None


class _Recorder(fx.Interpreter):
    """Runs a compiled model and keeps what each node's module received."""

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
        self.calls.append((str(target), tuple(args)))
        return super().call_module(target, args, kwargs)


def probe_nodes(model: fx.GraphModule, example: torch.Tensor,
                attempt: Callable[[nn.Module, tuple[Any, ...]], None]
                ) -> tuple[str, BaseException] | None:
    """Try ``attempt(module, inputs)`` on each node's module in the model's order, with the
    inputs it gets from ``example``; the first node that fails and its error, or None."""
    nodes = {attr: node_id for node_id, attr in model.meta.get("node_modules", {}).items()}
    recorder = _Recorder(model)
    with torch.no_grad():
        recorder.run(example)
    for attr, inputs in recorder.calls:
        try:
            attempt(model.get_submodule(attr), inputs)
        except Exception as error:  # the exporter's own error types vary by version
            return nodes.get(attr, attr), error
    return None


def describe_node(graph: GraphDocument, node_id: str) -> str:
    """``node 'enc1' (Convolution)`` for messages."""
    if graph.has_node(node_id):
        return f"node '{node_id}' ({graph.node(node_id).type})"
    return f"node '{node_id}'"


def first_line(error: BaseException) -> str:
    """The exporter's message without its graph dumps and advice paragraphs."""
    for line in str(error).splitlines():
        text = line.strip().replace("\x1b[96m", "").replace("\x1b[0m", "")
        if text:
            return f"{type(error).__name__}: {text}"[:400]
    return type(error).__name__


def root_cause(error: BaseException) -> BaseException:
    """The innermost cause: the exporters wrap torch.export's error in their own."""
    seen = {id(error)}
    while error.__cause__ is not None and id(error.__cause__) not in seen:
        error = error.__cause__
        seen.add(id(error))
    return error
