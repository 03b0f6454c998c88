"""The graphics items the scene is made of: nodes, ports, wires, frames, hints."""
from .edge_item import EdgeItem, WirePreview
from .frame_item import FrameItem
from .hint_item import HintItem
from .node_item import NodeItem
from .overlay import SceneOverlay
from .port_item import PortItem, PortState

__all__ = ["EdgeItem", "FrameItem", "HintItem", "NodeItem", "PortItem", "PortState",
           "SceneOverlay", "WirePreview"]
