"""Colours, fonts and metrics of the canvas, in one place.

Items read these instead of hard-coding numbers so that the node geometry (where
a port sits) and the painting (where its label goes) can never disagree, and a
later dark theme changes one module.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QFontDatabase

GRID = 20.0
"""Snap and grid spacing in scene units; node positions snap to multiples of it."""

NODE_WIDTH = 196.0
HEADER_HEIGHT = 30.0
INFO_HEIGHT = 20.0
PORT_TOP = HEADER_HEIGHT + INFO_HEIGHT + 6.0
PORT_ROW = 20.0
PORT_BOTTOM = 8.0
PORT_RADIUS = 5.0
PORT_HIT_RADIUS = 9.0
CORNER = 6.0
ICON_SIZE = 18.0
PREVIEW_HEIGHT = 44.0
"""The strip under the ports that shows a node's live preview (the from-scratch template
stacks nodes 150 apart: a two-port Merge with its preview, 148, still fits)."""
FRAME_PADDING = 24.0
FRAME_TITLE_HEIGHT = 26.0

UNKNOWN_SHAPE = "?"
"""What a node shows while its output shape is not known (a problem here or upstream)."""

DETAIL_LOD = 0.45
"""Below this zoom a node is drawn as a plain box: text would be unreadable anyway."""
LABEL_LOD = 0.15
"""Down to this zoom the plain box still shows the node id, in a font scaled to be legible."""

CANVAS = QColor("#f2f3f5")
GRID_MINOR = QColor("#e7e9ed")
GRID_MAJOR = QColor("#d9dce2")
NODE_BODY = QColor("#ffffff")
NODE_BORDER = QColor("#b9c0cb")
TEXT = QColor("#1f2633")
TEXT_MUTED = QColor("#6a7384")
SEPARATOR = QColor("#e3e6eb")
WIRE = QColor("#7d8697")
WIRE_HOVER = QColor("#4a5262")
ACCENT = QColor("#2563eb")
ERROR = QColor("#d92626")
WARNING = QColor("#c27803")
OK = QColor("#16a34a")
FRAME_FILL = QColor(59, 130, 246, 20)
FRAME_BORDER = QColor(59, 130, 246, 110)
FRAME_TITLE_FILL = QColor(59, 130, 246, 46)
FRAME_TEXT = QColor("#1e3a8a")
HINT_FILL = QColor(31, 38, 51, 235)
HINT_TEXT = QColor("#ffffff")

CATEGORY_COLORS = {
    "Data": QColor("#0f9488"),
    "Layers": QColor("#3467d6"),
    "Blocks": QColor("#8b4fd1"),
}
OTHER_CATEGORY = QColor("#64748b")


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, OTHER_CATEGORY))


def header_tint(category: str) -> QColor:
    """The category colour mixed 12 % into white: a header that reads as 'Data' or 'Layers'."""
    base = category_color(category)
    mix = 0.12
    return QColor(round(255 - (255 - base.red()) * mix), round(255 - (255 - base.green()) * mix),
                  round(255 - (255 - base.blue()) * mix))


@lru_cache(maxsize=None)
def font(role: str) -> QFont:
    """Fonts in pixel sizes, so scene text has the same size on every screen."""
    sizes = {"title": (12, QFont.Weight.DemiBold), "info": (11, QFont.Weight.Normal),
             "port": (10, QFont.Weight.Normal), "frame": (12, QFont.Weight.DemiBold),
             "hint": (11, QFont.Weight.Normal), "empty": (14, QFont.Weight.Normal)}
    size, weight = sizes[role]
    fixed = QFontDatabase.SystemFont.FixedFont
    result = QFontDatabase.systemFont(fixed) if role == "info" else QFont()
    result.setPixelSize(size)
    result.setWeight(weight)
    return result


def node_height(port_rows: int) -> float:
    return PORT_TOP + max(port_rows, 1) * PORT_ROW + PORT_BOTTOM


def port_y(index: int) -> float:
    """Centre of the ``index``-th port row, in node coordinates."""
    return PORT_TOP + index * PORT_ROW + PORT_ROW / 2
