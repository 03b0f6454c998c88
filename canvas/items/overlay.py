"""An item that paints over the whole scene and never takes a click.

The far-zoom sketch and the readable names (canvas/sketch.py, canvas/labels.py) draw
many nodes' worth in one paint call. Their bounding rect is the scene rect, so a
change never has to move them in the scene's index, and their shape is empty, so
clicks, drags and rubber bands reach the node and wire items underneath.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem


class SceneOverlay(QGraphicsItem):
    """Hidden until shown; ``changed`` repaints it when it is on show."""

    def __init__(self, z: float) -> None:
        super().__init__()
        self.setZValue(z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hide()

    def changed(self) -> None:
        if self.isVisible():
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        scene = self.scene()
        return scene.sceneRect() if scene is not None else QRectF()

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never under the mouse: the real items take the clicks
