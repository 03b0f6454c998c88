"""SVG icons from resources/icons, tinted and rendered at the size they are shown.

The SVGs draw in ``currentColor``; we substitute a colour (a component's
category colour, or the text colour for toolbar icons) and render with
QSvgRenderer, so icons stay sharp at any zoom of the canvas: node items ask for
a pixmap at the device size they are painted at. A component whose icon file is
missing falls back to ``generic.svg`` rather than failing.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from . import theme

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
FALLBACK = "generic"
ACTION_COLOR = "#3b4454"


def icon_path(name: str) -> Path:
    path = ICON_DIR / f"{name}.svg"
    return path if path.is_file() else ICON_DIR / f"{FALLBACK}.svg"


@lru_cache(maxsize=None)
def _renderer(name: str, color: str) -> QSvgRenderer:
    text = icon_path(name).read_text(encoding="utf-8").replace("currentColor", color)
    return QSvgRenderer(QByteArray(text.encode("utf-8")))


@lru_cache(maxsize=512)
def pixmap(name: str, color: str, pixels: int, opacity: float = 1.0) -> QPixmap:
    """The icon as a square pixmap of ``pixels`` device pixels."""
    pixels = max(1, int(pixels))
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    _renderer(name, color).render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return QPixmap.fromImage(image)


SELECTED_COLOR = "#ffffff"
"""Icons on a selected row: the selection is blue, and so are some categories' icons."""


@lru_cache(maxsize=None)
def icon(name: str, color: str = ACTION_COLOR, selected: str = "") -> QIcon:
    """A QIcon with sharp pixmaps for the usual toolbar and list sizes; ``selected`` is
    the colour it takes on a selected row (its own colour when empty)."""
    result = QIcon()
    for size in (16, 20, 24, 32, 48, 64):
        result.addPixmap(pixmap(name, color, size))
        if selected:
            result.addPixmap(pixmap(name, selected, size), QIcon.Mode.Selected)
    for size in (16, 20, 24, 32):
        result.addPixmap(pixmap(name, color, size, 0.35), QIcon.Mode.Disabled)
    return result


def component_icon(component_cls: type) -> QIcon:
    """A component type's icon in its category colour (palette, menus, property dock),
    white on a selected row, where a blue icon would vanish into the blue."""
    color = theme.category_color(component_cls.category).name()
    return icon(component_cls.icon or FALLBACK, color, SELECTED_COLOR)
