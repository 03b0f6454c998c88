"""Expand a UNet node into the Convolution, Pooling, Upsample and Merge nodes it is made of.

``expand_unet(doc, node_id)`` plans the change without making it: the new nodes
(readable ids such as ``enc1_conv1``, ``pool1``, ``up1``, ``merge1``, ``dec1_conv1``,
``head``; complete settings; positions laid out as a U where the UNet stood), the
wires (inside, and to whatever the UNet was wired to), a frame title, the moves
that make room for the wider subgraph, and how each tensor of the UNet module's
state_dict carries over to the new nodes' modules. ``apply_expansion`` makes the
edits on a document (the canvas issues the same edits as one undo step).

The expanded graph computes the same function: with the carried weights its
output equals the UNet's. Two details make that exact: the decoder's skip goes
to Merge port in1 (the skip is concatenated in front), and VGG's convolution
bias before batch norm, which a Convolution node does not have, is folded into
the norm's running mean (``BN(Wx + b)`` with mean ``m`` is ``BN(Wx)`` with mean
``m - b``, in training mode as well, where the batch mean absorbs ``b``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import torch
from torch import nn

from . import registry
from .backbones import vgg
from .compiler import analyze
from .errors import StudioError
from .graph import Edge, Frame, GraphDocument, Node, Position
from .layout import layered_layout

BN_KEYS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


class ExpandError(StudioError):
    """A UNet node that has no exact equivalent in components; names node and setting."""

    def __init__(self, node_id: str, message: str) -> None:
        super().__init__(f"{node_id}: cannot expand: {message}")
        self.node_id = node_id


@dataclass(frozen=True)
class WeightCopy:
    """``node``'s ``key`` takes the UNet's ``source`` tensor, minus ``minus`` if given."""

    node: str
    key: str
    source: str
    minus: str = ""


@dataclass
class Expansion:
    """Everything the expand command changes, and how the weights carry over."""

    unet_id: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    frame_title: str = ""
    moves: dict[str, Position] = field(default_factory=dict)
    weights: list[WeightCopy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def carry(self, unet_state: Mapping[str, torch.Tensor]) -> dict[str, dict[str, torch.Tensor]]:
        """Per new node, the state_dict its module takes, from the UNet module's state_dict."""
        carried: dict[str, dict[str, torch.Tensor]] = {}
        for copy in self.weights:
            value = unet_state[copy.source].clone()
            if copy.minus:
                value = value - unet_state[copy.minus]
            carried.setdefault(copy.node, {})[copy.key] = value
        return carried


def expand_unet(doc: GraphDocument, node_id: str) -> Expansion:
    """Plan the expansion of UNet node ``node_id`` (classic or VGG backbone)."""
    node = doc.node(node_id)
    if node.type != "UNet":
        raise ExpandError(node_id, f"it is a {node.type}, not a UNet")
    settings = node.settings
    _check_expressible(doc, node_id, settings)
    plan = _Planner(doc, node_id, settings, _classes(doc, node_id, settings))
    plan.encoder()
    plan.decoder()
    return plan.finish(doc, node)


def apply_expansion(doc: GraphDocument, expansion: Expansion) -> Frame:
    """Replace the UNet node by the planned subgraph, in a frame; returns the frame."""
    index = doc.node_index(expansion.unet_id)
    doc.remove_node(expansion.unet_id)
    for offset, node in enumerate(expansion.nodes):
        doc.add_node(node.type, node.position, node.settings, node.id, index + offset)
    for edge in expansion.edges:
        doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
    doc.move_nodes(expansion.moves)
    return doc.add_frame(expansion.frame_title, expansion.node_ids)


def load_carried_weights(model: nn.Module, carried: Mapping[str, Mapping[str, torch.Tensor]]
                         ) -> None:
    """Load ``Expansion.carry`` output into a compiled model of the expanded graph."""
    names = model.meta["node_modules"]
    for node_id, state in carried.items():
        model.get_submodule(names[node_id]).load_state_dict(dict(state), strict=True)


def _check_expressible(doc: GraphDocument, node_id: str, s: Mapping[str, Any]) -> None:
    if s["backbone"] != "none" and s["backbone"] not in vgg.WEIGHTS:
        raise ExpandError(node_id, f"backbone {s['backbone']}: only the classic encoder and "
                          "the VGG backbones are made of Convolution and Pooling nodes")
    if s["attention"] != "none":
        raise ExpandError(node_id, f"attention {s['attention']}: attention has no component "
                          "equivalent; set attention to none first")
    if s["input_fit"] == "pad":
        stride = registry.create("UNet", s).taps()[1][-1]
        edge = doc.edge_at_input(node_id, "in")
        upstream = analyze(doc).shapes.get(edge.source) if edge else None
        if upstream is None or upstream[1] % stride or upstream[2] % stride:
            raise ExpandError(node_id, "input_fit pad: the components cannot pad and crop; "
                              f"use an input size divisible by {stride} or input_fit error")


def _classes(doc: GraphDocument, node_id: str, s: Mapping[str, Any]) -> int:
    if s["out_channels"] != "auto":
        return int(s["out_channels"])
    classes = analyze(doc).context.out_channels
    if classes is None:
        raise ExpandError(node_id, "out_channels is 'auto' but the graph has no single Target "
                          "to take the number of classes from")
    return classes


class _Planner:
    """Builds the node list in data-flow order, with the wires and weight copies."""

    def __init__(self, doc: GraphDocument, unet_id: str, settings: Mapping[str, Any],
                 classes: int) -> None:
        self.doc, self.unet_id, self.s, self.classes = doc, unet_id, settings, classes
        self.component = registry.create("UNet", settings)
        self.expansion = Expansion(unet_id)
        self.taken = {n.id for n in doc.nodes} - {unet_id}
        self.last = ""           # id of the node whose output flows on
        self.skips: list[str] = []

    # --- nodes and wires -----------------------------------------------------------------
    def add(self, wanted: str, type_name: str, settings: dict[str, Any],
            inputs: tuple[str, ...] | None = None) -> str:
        node_id, n = wanted, 1
        while node_id in self.taken:
            n += 1
            node_id = f"{wanted}_{n}"
        self.taken.add(node_id)
        full = registry.create(type_name, settings).settings
        self.expansion.nodes.append(Node(node_id, type_name, (0.0, 0.0), full))
        sources = inputs if inputs is not None else ((self.last,) if self.last else ())
        ports = registry.create(type_name, full).input_ports()
        for source, port in zip(sources, ports):
            self.expansion.edges.append(Edge(source, "out", node_id, port))
        self.last = node_id
        return node_id

    def conv(self, wanted: str, filters: int, *, conv: str, norm: str = "", fold: bool = False,
             kernel: int = 3, activation: str = "relu", dropout: float = 0.0,
             **extra: Any) -> str:
        """A Convolution node taking the UNet's conv at ``conv`` and batch norm at ``norm``."""
        node_id = self.add(wanted, "Convolution", {
            "filters": filters, "kernel_size": kernel, "activation": activation,
            "batch_norm": bool(norm), "dropout": dropout, **extra})
        copies = self.expansion.weights
        copies.append(WeightCopy(node_id, "0.weight", f"{conv}.weight"))
        if not norm:
            copies.append(WeightCopy(node_id, "0.bias", f"{conv}.bias"))
            return node_id
        for key in BN_KEYS:
            minus = f"{conv}.bias" if fold and key == "running_mean" else ""
            copies.append(WeightCopy(node_id, f"1.{key}", f"{norm}.{key}", minus))
        return node_id

    # --- encoder ---------------------------------------------------------------------------
    def encoder(self) -> None:
        if self.s["backbone"] == "none":
            self.classic_encoder()
        else:
            self.vgg_encoder(vgg.CONFIGS[self.s["backbone"].removesuffix("_bn")],
                             self.s["backbone"].endswith("_bn"))

    def level_name(self, level: int, depth: int) -> str:
        return "bottom" if level == depth else f"enc{level + 1}"

    def classic_encoder(self) -> None:
        s, channels = self.s, self.component.taps()[0]
        depth = len(channels) - 1
        for level, filters in enumerate(channels):
            stage = f"encoder.stages.{level}"
            if level:
                self.downsample(level, stage, channels[level - 1])
                stage += ".1"
            self.conv_block(self.level_name(level, depth), filters, stage, s["convs_per_level"],
                            s["batch_norm"], s["dropout"] if level == depth else 0.0,
                            s["activation"])
            self.skips.append(self.last)

    def downsample(self, level: int, stage: str, channels: int) -> None:
        if self.s["pooling"] == "strided_conv":
            self.conv(f"pool{level}", channels, conv=f"{stage}.0", kernel=2, stride=2,
                      activation="none")
        else:
            self.add(f"pool{level}", "Pooling", {"mode": self.s["pooling"]})

    def conv_block(self, name: str, filters: int, prefix: str, convs: int, batch_norm: bool,
                   dropout: float, activation: str) -> None:
        """ConvBlock ``prefix``: convs x (conv [bn] act), the dropout on the last one."""
        step = 3 if batch_norm else 2
        for i in range(convs):
            self.conv(f"{name}_conv{i + 1}", filters, conv=f"{prefix}.{i * step}",
                      norm=f"{prefix}.{i * step + 1}" if batch_norm else "",
                      activation=activation, dropout=dropout if i == convs - 1 else 0.0)

    def vgg_encoder(self, config: list, batch_norm: bool) -> None:
        depth, level, index, count = len(vgg.levels(config)) - 1, 0, 0, 0
        for item in config[:-1]:
            if item == "M":
                self.skips.append(self.last)
                level, count, index = level + 1, 0, index + 1
                self.add(f"pool{level}", "Pooling", {"mode": "max"})
                continue
            count += 1
            self.conv(f"{self.level_name(level, depth)}_conv{count}", int(item),
                      conv=f"encoder.features.{index}",
                      norm=f"encoder.features.{index + 1}" if batch_norm else "", fold=True)
            index += 3 if batch_norm else 2
        self.skips.append(self.last)
        self.expansion.nodes[-1].settings["dropout"] = self.s["dropout"]  # the encoder's end

    # --- decoder ---------------------------------------------------------------------------
    def decoder(self) -> None:
        s, widths = self.s, self.component.decoder_channels()
        depth = len(self.skips) - 1
        for i, width in enumerate(widths):
            level, prefix = depth - 1 - i, f"decoder.{i}"
            if s["unpooling"] == "transpose":
                self.conv(f"up{level + 1}", width, conv=f"{prefix}.up", kernel=2, stride=2,
                          mode="transpose", activation="none")
            else:
                self.add(f"upsample{level + 1}", "Upsample", {"mode": s["unpooling"]})
                self.conv(f"up{level + 1}", width, conv=f"{prefix}.up.1", kernel=1,
                          activation="none")
            self.add(f"merge{level + 1}", "Merge", {"mode": "concat"},
                     inputs=(self.skips[level], self.last))
            self.conv_block(f"dec{level + 1}", width, f"{prefix}.block", s["convs_per_level"],
                            s["batch_norm"], s["decoder_dropout"], s["activation"])
        self.conv("head", self.classes, conv="head", kernel=1,
                  activation=s["output_activation"])

    # --- placing ---------------------------------------------------------------------------
    def finish(self, doc: GraphDocument, unet: Node) -> Expansion:
        e = self.expansion
        first, head = e.nodes[0].id, e.nodes[-1].id
        inside = [(edge.source, edge.target) for edge in e.edges]
        incoming = [Edge(x.source, x.source_port, first, "in") for x in doc.edges_into(unet.id)]
        outgoing = [Edge(head, "out", x.target, x.target_port) for x in doc.edges_from(unet.id)]
        e.edges = incoming + e.edges + outgoing
        positions = layered_layout(e.node_ids, inside, origin=unet.position)
        for node in e.nodes:
            node.position = positions[node.id]
        width = max(x for x, _ in positions.values()) - unet.position[0]
        e.moves = {n.id: (n.position[0] + width, n.position[1]) for n in doc.nodes
                   if n.id != unet.id and n.position[0] > unet.position[0]}
        backbone = self.s["backbone"]
        e.frame_title = f"U-Net ({'classic' if backbone == 'none' else backbone}) from {unet.id}"
        e.notes = [f"{name} is not kept: Convolution nodes always train"
                   for name in ("freeze_encoder", "freeze_batch_norm") if self.s[name]]
        if self.s["pretrained"] != "none":
            e.notes.append("pretrained weights are not loaded by the expanded nodes; carry "
                           "trained weights over with Expansion.carry")
        return e
