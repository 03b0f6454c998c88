"""The minimap: a small picture of the whole graph in the canvas corner.

(The View menu and its tooltip call it "Overview", the word people know.)
It draws the scene's GraphSketch (every node box and wire in a few calls)
into a pixmap when the graph changes, and on every repaint only blits that and
outlines the main view's visible area, so scrolling a 500-node graph stays cheap;
its backdrop is translucent, so what lies under the corner stays in sight;
clicking or dragging in it moves the main view there. It appears only when the
graph does not fit in the main view, which is when a minimap helps. It knows
the view only as a QGraphicsView, and the view tells it when the sketch changed.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsView, QWidget

from . import theme
from .sketch import GraphSketch

SIZE = (220, 150)
MIN_WIDTH = 120
SHARE = 0.3  # of the canvas width at most, so a small window keeps its canvas
MARGIN = 12
PAD = 8
BACKDROP_ALPHA = 150
"""Of 255: the picture's backdrop lets the nodes and ports under the corner show through
(an opaque one hid whatever lay in the bottom-right corner of the canvas)."""


class Minimap(QWidget):
    """A picture of ``canvas``'s scene (its ``sketch``) that steers ``canvas``."""

    def __init__(self, canvas: QGraphicsView, sketch: GraphSketch) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.sketch = sketch
        self.enabled = True
        self.setFixedSize(*SIZE)
        self.setToolTip("Overview: click or drag to move the view")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._picture: QPixmap | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._update_now)
        self.hide()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self.refresh()

    def place(self) -> None:
        """Stick to the bottom-right corner of the canvas, at most ``SHARE`` of its width."""
        area = self.canvas.viewport().geometry()
        width = max(MIN_WIDTH, min(SIZE[0], round(area.width() * SHARE)))
        height = round(width * SIZE[1] / SIZE[0])
        if self.size() != QSize(width, height):
            self.setFixedSize(width, height)
        self.move(area.right() - width - MARGIN, area.bottom() - height - MARGIN)

    def graph_changed(self) -> None:
        """The sketch changed: draw the picture again at the next update."""
        self._picture = None
        self.refresh()

    def refresh(self, *args: object) -> None:
        """Coalesce the many scene and scroll notifications into one update."""
        if not self._timer.isActive():
            self._timer.start()

    def _update_now(self) -> None:
        self.sketch.refresh()
        bounds = self.sketch.bounds
        wanted = (self.enabled and not bounds.isNull()
                  and not self._visible_scene_rect().contains(bounds))
        if wanted:
            self.place()
            self.update()
        self.setVisible(wanted)

    def scene_transform(self) -> QTransform:
        """Scene -> widget: the graph's bounds fitted into the widget, centred."""
        bounds = self.sketch.bounds.adjusted(-40, -40, 40, 40)
        area = QRectF(self.rect()).adjusted(PAD, PAD, -PAD, -PAD)
        if bounds.isEmpty():
            return QTransform()
        scale = min(area.width() / bounds.width(), area.height() / bounds.height())
        dx = area.center().x() - bounds.center().x() * scale
        dy = area.center().y() - bounds.center().y() * scale
        return QTransform(scale, 0, 0, scale, dx, dy)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if (self._picture is None or self._picture.deviceIndependentSize() != QSizeF(self.size())
                or self._picture.devicePixelRatio() != self.devicePixelRatioF()):
            self._picture = self._render()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(self.scene_transform())
        pen = QPen(theme.ACCENT, 1.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        fill = QColor(theme.ACCENT)
        fill.setAlpha(30)
        painter.setBrush(fill)
        painter.drawRect(self._visible_scene_rect())
        painter.end()

    def _render(self) -> QPixmap:
        ratio = self.devicePixelRatioF()  # sharp on a HiDPI screen too
        picture = QPixmap(self.size() * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(195, 200, 209, 200), 1))
        painter.setBrush(QColor(255, 255, 255, BACKDROP_ALPHA))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.setTransform(self.scene_transform())
        self.sketch.paint(painter, frames=True)
        painter.end()
        return picture

    def _visible_scene_rect(self) -> QRectF:
        return self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._steer(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._steer(event.position())
        event.accept()

    def _steer(self, point: QPointF) -> None:
        inverse, ok = self.scene_transform().inverted()
        if ok:
            self.canvas.centerOn(inverse.map(point))
            self.update()

    def wheelEvent(self, event) -> None:  # noqa: N802
        event.accept()
