"""The application's look: Fusion with a light palette and resources/styles/studio.qss.

Fusion looks the same on every platform (and offscreen, where the screenshots
are taken), so what the tests show is what people see.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.paths import RESOURCES
from canvas.icons import icon

STYLESHEET = RESOURCES / "styles" / "studio.qss"
APP_ICON_COLOR = "#2563eb"


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = app.palette()
    for role, color in ((QPalette.ColorRole.Window, "#f4f6f9"),
                        (QPalette.ColorRole.Base, "#ffffff"),
                        (QPalette.ColorRole.AlternateBase, "#f6f8fb"),
                        (QPalette.ColorRole.Highlight, "#2563eb"),
                        (QPalette.ColorRole.Text, "#1f2633"),
                        (QPalette.ColorRole.WindowText, "#1f2633"),
                        (QPalette.ColorRole.ToolTipBase, "#ffffff"),
                        (QPalette.ColorRole.ToolTipText, "#1f2633")):
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    if STYLESHEET.is_file():
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
    app.setWindowIcon(icon("app", APP_ICON_COLOR))
