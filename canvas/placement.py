"""Where new and moved nodes go so that they cover nothing: free space, paste offsets,
room for group titles in a layout.

Three edits put nodes somewhere the person did not point at: a palette double-click
(the view's centre), a paste (an offset from the copied nodes) and an auto layout.
Each used to ignore what was already there: a double-clicked node landed on top of
the nodes at the centre, a pasted group's title lay under the nodes it was copied
from, and a layout packed rows so close that a group's title bar sat under the row
above. The functions here answer with the scene's own geometry (its item index), so
they agree with what is drawn. Pure geometry: no undo commands, no document edits.
"""
from __future__ import annotations

import math
from typing import Mapping

from PySide6.QtCore import QPointF, QRectF, QSizeF

from components import registry
from components.errors import StudioError
from components.graph import GraphDocument

from . import theme
from .items import FrameItem, NodeItem
from .scene import GraphScene

STEP = 2 * theme.GRID  # candidate spots are grid multiples apart: snapped stays snapped
RINGS = 30             # how far a free spot is looked for, in steps
GAP = theme.GRID       # the room left around a placed node
Size = tuple[float, float]


def node_size(document: GraphDocument, type_name: str, node_id: str | None = None) -> QSizeF:
    """The body size of a node of ``type_name`` (or of the document's ``node_id``)."""
    try:
        component = (document.component(node_id) if node_id is not None
                     else registry.create(type_name))
        rows = max(len(component.input_ports()), len(component.output_ports()))
    except StudioError:
        rows = 1
    return QSizeF(theme.NODE_WIDTH, theme.node_height(rows))


def free_spot(scene: GraphScene, top_left: QPointF, size: QSizeF) -> QPointF:
    """The spot nearest ``top_left`` where a node of ``size`` covers no node and no group
    title, looking on rings STEP apart; ``top_left`` itself when the rings are full."""
    for ring in range(RINGS):
        for dx, dy in _ring(ring):
            corner = top_left + QPointF(dx * STEP, dy * STEP)
            if is_free(scene, QRectF(corner, size).adjusted(-GAP, -GAP, GAP, GAP)):
                return corner
    return top_left


def is_free(scene: GraphScene, rect: QRectF) -> bool:
    """No node body and no group title bar (a frame's clickable shape) in ``rect``."""
    return not any(isinstance(item, (NodeItem, FrameItem)) for item in scene.items(rect))


def _ring(radius: int) -> list[tuple[int, int]]:
    """The grid steps at Chebyshev distance ``radius`` from the origin, nearest first."""
    if radius == 0:
        return [(0, 0)]
    steps = [(x, y) for x in range(-radius, radius + 1) for y in range(-radius, radius + 1)
             if max(abs(x), abs(y)) == radius]
    return sorted(steps, key=lambda xy: (math.hypot(*xy), -xy[1], -xy[0]))


def paste_offset(scene: GraphScene, fragment: GraphDocument, first: float) -> float:
    """The diagonal offset, ``first`` or further in STEP multiples, at which no pasted
    group's title lies on a node and no pasted node lies on a group's title."""
    bodies = {n.id: QRectF(QPointF(*n.position), node_size(fragment, n.type, n.id))
              for n in fragment.nodes}
    titles = [_title_rect([bodies[m] for m in f.nodes if m in bodies]) for f in fragment.frames]
    titles = [t for t in titles if not t.isNull()]
    existing = [f.title_rect() for f in scene.frames.values() if f.isVisible()]
    if not titles and not existing:
        return first
    offset = first
    for _ in range(RINGS):
        shift = QPointF(offset, offset)
        clear = (all(is_free(scene, t.translated(shift)) for t in titles)
                 and not any(b.translated(shift).intersects(t)
                             for b in bodies.values() for t in existing))
        if clear:
            return offset
        offset += STEP
    return first


def _title_rect(members: list[QRectF]) -> QRectF:
    """A frame's title bar around member bodies, as FrameItem draws it (ports and halos
    stick out of a body by a few pixels: the padding covers them)."""
    bounds = QRectF()
    for rect in members:
        bounds = bounds.united(rect)
    if bounds.isNull():
        return QRectF()
    pad = theme.FRAME_PADDING
    return QRectF(bounds.left() - pad, bounds.top() - pad - theme.FRAME_TITLE_HEIGHT,
                  bounds.width() + 2 * pad, theme.FRAME_TITLE_HEIGHT)


def framed_sizes(document: GraphDocument, sizes: Mapping[str, Size]
                 ) -> tuple[dict[str, Size], dict[str, QPointF]]:
    """Layout sizes with room for the frames around each node, and where the node sits
    in its room: a node in a group is laid out as if it were as big as its share of the
    frame (padding on every side, the title above), so the row above leaves the group's
    title bar clear."""
    depth: dict[str, int] = {}
    for frame in document.frames:
        for node_id in frame.nodes:
            depth[node_id] = depth.get(node_id, 0) + 1
    grown: dict[str, Size] = {}
    inset: dict[str, QPointF] = {}
    pad, title = theme.FRAME_PADDING, theme.FRAME_TITLE_HEIGHT
    for node_id, (width, height) in sizes.items():
        k = depth.get(node_id, 0)
        grown[node_id] = (width + 2 * k * pad, height + k * (2 * pad + title))
        inset[node_id] = QPointF(k * pad, k * (pad + title))
    return grown, inset
