"""Graph document -> shapes, problems and a torch.fx GraphModule.

``analyze`` never raises for a problem a person made: it walks the graph in
topological order, infers the shape leaving every node and collects every
problem with its node id, so the canvas can outline all broken nodes at once.
``compile_graph`` turns a graph without problems into an ordinary nn.Module
whose ``.code`` reads like hand-written PyTorch: one line per node, named after
the node.
"""
from __future__ import annotations

import keyword
from contextlib import nullcontext
from functools import lru_cache
import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

import torch
from torch import fx, nn

from .base import BuildContext, Component, Shape
from .errors import GraphCompileError, Problem, SettingError, ShapeError
from .graph import GraphDocument


@dataclass
class Analysis:
    """What the compiler knows about a graph without building it."""

    order: list[str] = field(default_factory=list)
    shapes: dict[str, Shape] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    model_nodes: list[str] = field(default_factory=list)
    input_id: str | None = None
    target_id: str | None = None
    context: BuildContext = BuildContext()
    parameters: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_of(self, node_id: str) -> list[str]:
        return [p.message for p in self.problems if p.node_id == node_id]


def analyze(doc: GraphDocument, count_parameters: bool = False) -> Analysis:
    """Shapes and problems for every node; parameter counts on request (cheap: meta device)."""
    result = Analysis()
    _find_ends(doc, result)
    result.order = _topological_order(doc, result)
    _infer_shapes(doc, result)
    _find_model_nodes(doc, result)
    if count_parameters:
        result.parameters = _count_parameters(doc, result)
    return result


def _find_ends(doc: GraphDocument, result: Analysis) -> None:
    for type_name, attr in (("Input", "input_id"), ("Target", "target_id")):
        found = [n.id for n in doc.nodes if n.type == type_name]
        if not found:
            result.problems.append(Problem(f"the graph has no {type_name} node"))
            continue
        setattr(result, attr, found[0])
        for extra in found[1:]:
            result.problems.append(Problem(f"a second {type_name} node; a model has exactly "
                                           f"one (the first is '{found[0]}')", extra))
    classes = input_size = out_channels = None
    if result.target_id:
        classes = doc.node(result.target_id).settings["classes"]
        out_channels = doc.component(result.target_id).output_channels  # 1 for BCE
    if result.input_id:
        settings = doc.node(result.input_id).settings
        input_size = (settings["height"], settings["width"])
    result.context = BuildContext(classes=classes, input_size=input_size,
                                  out_channels=out_channels)


def _topological_order(doc: GraphDocument, result: Analysis) -> list[str]:
    sorter = TopologicalSorter({n.id: [] for n in doc.nodes})
    for edge in doc.edges:
        sorter.add(edge.target, edge.source)
    try:
        return list(sorter.static_order())
    except CycleError as error:
        cycle = error.args[1]
        path = " -> ".join(cycle)
        for node_id in dict.fromkeys(cycle):
            result.problems.append(Problem(f"is part of a cycle: {path}", node_id))
        blocked = set(cycle)
        return [n.id for n in doc.nodes if n.id not in blocked]


def _infer_shapes(doc: GraphDocument, result: Analysis) -> None:
    for node_id in result.order:
        component = doc.component(node_id)
        inputs: dict[str, Shape] = {}
        waiting = False
        for port in component.input_ports():
            edge = doc.edge_at_input(node_id, port)
            if edge is None:
                result.problems.append(Problem(f"input port '{port}' is not connected", node_id))
                waiting = True
            elif edge.source in result.shapes:
                inputs[port] = result.shapes[edge.source]
            else:
                waiting = True  # upstream has its own problem; don't pile on
        if waiting:
            continue
        try:
            result.shapes[node_id] = component.output_shape(inputs, result.context)
        except (ShapeError, SettingError) as error:
            result.problems.append(Problem(str(error), node_id))


def _find_model_nodes(doc: GraphDocument, result: Analysis) -> None:
    """Nodes on a path from the Input to the Target, in topological order."""
    if result.input_id is None or result.target_id is None:
        return
    downstream = _reachable(doc, result.input_id, forward=True)
    upstream = _reachable(doc, result.target_id, forward=False)
    on_path = downstream & upstream
    result.model_nodes = [n for n in result.order if n in on_path]
    for node in doc.nodes:
        if node.id not in on_path and node.type not in ("Input", "Target"):
            result.warnings.append(Problem("is not on a path from the Input to the Target; "
                                           "it is left out of the model", node.id))
    if result.target_id not in downstream and result.target_id in result.order:
        result.problems.append(Problem("is not connected to the Input", result.target_id))


def _reachable(doc: GraphDocument, start: str, forward: bool) -> set[str]:
    neighbours: dict[str, list[str]] = {}
    for edge in doc.edges:
        a, b = (edge.source, edge.target) if forward else (edge.target, edge.source)
        neighbours.setdefault(a, []).append(b)
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(neighbours.get(current, ()))
    return seen


def _input_shapes(doc: GraphDocument, node_id: str, shapes: dict[str, Shape]) -> dict[str, Shape]:
    edges = (doc.edge_at_input(node_id, p) for p in doc.input_ports(node_id))
    return {e.target_port: shapes[e.source] for e in edges if e is not None}


def _count_parameters(doc: GraphDocument, result: Analysis) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node_id in result.order:
        if node_id not in result.shapes:
            continue
        component = doc.component(node_id)
        with torch.device("meta"):
            module = component.build(_input_shapes(doc, node_id, result.shapes), result.context)
        counts[node_id] = sum(p.numel() for p in module.parameters())
    return counts


def compile_graph(doc: GraphDocument, class_name: str = "SegmentationModel",
                  device: str | torch.device | None = None) -> fx.GraphModule:
    """An nn.Module for the graph, or GraphCompileError listing every problem.

    ``device="meta"`` builds the structure without allocating weights (for showing
    the code of a model too large to hold in memory)."""
    analysis = analyze(doc)
    if not analysis.ok:
        raise GraphCompileError(analysis.problems)
    graph = fx.Graph()
    modules: dict[str, nn.Module] = {}
    values: dict[str, fx.Node] = {}
    names = _ModuleNames()
    image = graph.placeholder("image")
    for node_id in analysis.model_nodes:
        component = doc.component(node_id)
        if node_id == analysis.input_id:
            args: tuple = (image,)
        else:
            upstream = [values[doc.edge_at_input(node_id, p).source] for p in component.input_ports()]
            args = (upstream,) if component.takes_list else tuple(upstream)
        if not component.in_model:
            values[node_id] = args[0]
            continue
        name = names.for_node(node_id)
        with torch.device(device) if device is not None else nullcontext():
            modules[name] = component.build(_input_shapes(doc, node_id, analysis.shapes),
                                            analysis.context)
        values[node_id] = graph.call_module(name, args)
    graph.output(values[analysis.target_id])
    module = fx.GraphModule(modules, graph, class_name=class_name)
    module.meta["node_modules"] = names.by_node  # node id -> attribute name
    return module


class _ModuleNames:
    """Node ids made into unique Python attribute names (``conv-1`` -> ``conv_1``).

    ASCII only: Python folds look-alike Unicode letters (NFKC) when it parses the
    generated code, so two distinct ids could otherwise call one module. Names that
    a GraphModule already uses (``forward``, ``to``, ``graph``...) are prefixed."""

    def __init__(self) -> None:
        self.by_node: dict[str, str] = {}

    def for_node(self, node_id: str) -> str:
        name = re.sub(r"[^0-9A-Za-z_]", "_", node_id)
        if (not name or name[0].isdigit() or name[0] == "_" or keyword.iskeyword(name)
                or name in ("image", "self") or name in _reserved_names()):
            name = f"n_{name}"
        base, n = name, 1
        while name in self.by_node.values():
            n += 1
            name = f"{base}_{n}"
        self.by_node[node_id] = name
        return name


@lru_cache(maxsize=1)
def _reserved_names() -> frozenset[str]:
    """Every attribute a GraphModule instance has (class and instance: meta, graph...)."""
    graph = fx.Graph()
    graph.output(graph.placeholder("x"))
    return frozenset(dir(fx.GraphModule(nn.Module(), graph)))
