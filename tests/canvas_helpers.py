"""Mouse and drag-and-drop helpers for the canvas tests (real events on the viewport)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsView

from components.graph import GraphDocument

LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


def vp(view: QGraphicsView, scene_point: QPointF) -> QPoint:
    """The viewport pixel showing ``scene_point``."""
    return view.mapFromScene(scene_point)


def drag(view: QGraphicsView, start: QPointF, end: QPointF, *, button=LEFT,
         modifiers=NO_MODS, steps: int = 5, release: bool = True) -> None:
    """Press at ``start``, move in ``steps`` to ``end``, release there (scene points)."""
    a, b = vp(view, start), vp(view, end)
    viewport = view.viewport()
    QTest.mousePress(viewport, button, modifiers, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * i / steps)
    if release:
        QTest.mouseRelease(viewport, button, modifiers, b)


def click(view: QGraphicsView, point: QPointF, modifiers=NO_MODS) -> None:
    QTest.mouseClick(view.viewport(), LEFT, modifiers, vp(view, point))


def drop_mime(view: QGraphicsView, mime, scene_point: QPointF) -> bool:
    """Deliver a drag (enter, move, drop) of ``mime`` onto the view; True if accepted."""
    where = QPointF(vp(view, scene_point))
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(where, actions, mime, LEFT, NO_MODS)
    QApplication.sendEvent(view.viewport(), enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(where, actions, mime, LEFT, NO_MODS)
    QApplication.sendEvent(view.viewport(), move)
    drop = QDropEvent(where, actions, mime, LEFT, NO_MODS)
    QApplication.sendEvent(view.viewport(), drop)
    return drop.isAccepted()


def state(doc: GraphDocument) -> dict[str, Any]:
    """The document in an order-free form, to compare before and after undo/redo."""
    return {
        "nodes": sorted((n.id, n.type, n.position, tuple(sorted(n.settings.items())))
                        for n in doc.nodes),
        "edges": sorted((e.source, e.source_port, e.target, e.target_port) for e in doc.edges),
        "frames": sorted((f.id, f.title, tuple(f.nodes)) for f in doc.frames),
    }


def header_point(item) -> QPointF:
    """A point on a node's title bar (away from ports and the icon)."""
    return item.scenePos() + QPointF(110, 12)
