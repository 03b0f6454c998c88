"""The canvas view: zoom around the cursor, pan, fit, grid, drops from the palette.

Navigation lives here because it changes only what is seen, never the
document: the wheel zooms keeping the point under the cursor still, the middle
button or Space+drag pans, ``fit_to_graph`` (F) frames every node. A component
dragged from the palette is announced with ``component_dropped``; the editor
turns it into an undo command.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from . import theme
from .mime import component_from_mime
from .minimap import Minimap
from .scene import GraphScene

MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
FIT_MAX_ZOOM = 1.0
FIT_MARGIN = 40.0
FIT_SCREEN_MARGIN = 24  # px: zoomed out, names are drawn wider than their nodes (labels.py)
WHEEL_BASE = 1.0015  # zoom factor per 1/8 degree of wheel rotation
EMPTY_HINT = ("Drag a component from the palette onto the canvas,\n"
              "or double-click it in the palette to add it here.")


class CanvasView(QGraphicsView):
    """A QGraphicsView with the navigation a node editor needs."""

    component_dropped = Signal(str, QPointF)  # type name, scene position
    zoom_changed = Signal(float)
    cancel_requested = Signal()

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.graph_scene = scene
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        # Every item sets the pen, brush and hints it needs, and margins are in the
        # bounding rects: saving painter state per item would be wasted work.
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState
                                  | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self._pan_from: QPoint | None = None
        self._space_held = False
        self.minimap = Minimap(self, scene.sketch)
        scene.sketch_changed.connect(self.minimap.graph_changed)
        self._was_empty = True
        scene.sketch_changed.connect(self._check_empty)
        self.centerOn(0, 0)

    # --- zoom ------------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPoint | None = None) -> None:
        """Zoom to ``zoom`` keeping the scene point under ``anchor`` (viewport px) still."""
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if math.isclose(zoom, self.zoom):
            return
        fixed = self.mapToScene(anchor)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        drift = self.mapFromScene(fixed) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + drift.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + drift.y())
        self._zoomed()

    def _zoomed(self) -> None:
        self.graph_scene.set_far_zoom(self.zoom < theme.LABEL_LOD)
        self.graph_scene.set_labels_shown(self.zoom < theme.DETAIL_LOD)
        self.zoom_changed.emit(self.zoom)
        self.minimap.refresh()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def fit_to_graph(self) -> None:
        """Show every node (F); never zoom in beyond 100 % for a small graph."""
        bounds = self.graph_scene.graph_bounds()
        if bounds.isNull():
            self.setTransform(QTransform())
            self.centerOn(0, 0)
        else:
            bounds = bounds.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
            room = self.viewport().rect().adjusted(FIT_SCREEN_MARGIN, FIT_SCREEN_MARGIN,
                                                   -FIT_SCREEN_MARGIN, -FIT_SCREEN_MARGIN)
            zoom = min(max(room.width(), 1) / bounds.width(),
                       max(room.height(), 1) / bounds.height())
            zoom = min(FIT_MAX_ZOOM, max(MIN_ZOOM, zoom))
            self.setTransform(QTransform.fromScale(zoom, zoom))
            self.centerOn(bounds.center())
        self._zoomed()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        steps = event.angleDelta().y() or event.angleDelta().x()
        if steps:
            self.set_zoom(self.zoom * WHEEL_BASE ** steps, event.position().toPoint())
        event.accept()

    # --- pan ---------------------------------------------------------------------------------
    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll the view by (dx, dy) viewport pixels."""
        self.horizontalScrollBar().setValue(round(self.horizontalScrollBar().value() - dx))
        self.verticalScrollBar().setValue(round(self.verticalScrollBar().value() - dy))
        self.minimap.refresh()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pan = (event.button() == Qt.MouseButton.MiddleButton
               or (event.button() == Qt.MouseButton.LeftButton and self._space_held))
        if pan:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            here = event.position().toPoint()
            delta = here - self._pan_from
            self._pan_from = here
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                             Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._set_idle_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                self._set_idle_cursor()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._set_idle_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self._space_held = False
        self._set_idle_cursor()
        super().focusOutEvent(event)

    def _set_idle_cursor(self) -> None:
        if self._pan_from is not None:
            return
        if self._space_held:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().unsetCursor()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)
        self.minimap.refresh()

    # --- drops from the palette -------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if component_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        type_name = component_from_mime(event.mimeData())
        if not type_name:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.component_dropped.emit(type_name, self.mapToScene(event.position().toPoint()))

    # --- painting --------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.fillRect(rect, theme.CANVAS)
        step = theme.GRID
        while step * self.zoom < 10:
            step *= 5
        major = step * 5
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for spacing, color in ((step, theme.GRID_MINOR), (major, theme.GRID_MAJOR)):
            pen = QPen(color, 0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLines(_grid_lines(rect, spacing))

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if self.graph_scene.nodes:
            return
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.setFont(theme.font("empty"))
        painter.setPen(theme.TEXT_MUTED)
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
        painter.restore()

    def _check_empty(self) -> None:
        """The empty-canvas hint is foreground: repaint all of it when the first node
        comes or the last goes (it stayed on screen around a new node)."""
        empty = not self.graph_scene.nodes
        if empty != self._was_empty:
            self._was_empty = empty
            self.viewport().update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.minimap.place()


def _grid_lines(rect: QRectF, spacing: float) -> list[QLineF]:
    left = math.floor(rect.left() / spacing) * spacing
    top = math.floor(rect.top() / spacing) * spacing
    lines = []
    x = left
    while x < rect.right():
        lines.append(QLineF(x, rect.top(), x, rect.bottom()))
        x += spacing
    y = top
    while y < rect.bottom():
        lines.append(QLineF(rect.left(), y, rect.right(), y))
        y += spacing
    return lines
