"""The canvas stays readable where it is hard to: hints and refusals at the view's edge,
the minimap on a small canvas, icons and the minimap on a HiDPI screen, a selected
node that has a problem. Each test names the defect it keeps fixed; like the other
canvas tests they drive real events on the view's viewport.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QSize

from canvas import theme
from canvas.items import HintItem
from canvas_helpers import drag, vp


def add(editor, type_name, x, y, node_id=None, **settings):
    return editor.document.add_node(type_name, (x, y), settings, node_id).id


def test_refusal_hint_near_the_view_edge_flips_to_stay_readable(editor):
    """The hint sat below-right of the cursor even at the right and bottom edges of the
    view, so 'Cannot connect: …' was cut off exactly where wires often end."""
    view = editor.view
    hint = HintItem()
    editor.scene.addItem(hint)
    area = view.viewport().rect()
    corner = view.mapToScene(area.bottomRight() - (area.bottomRight() - area.center()) / 20)
    hint.show_text("Cannot connect: that input already has a wire: 'target.in' is fed by "
                   "'unet'", corner)
    on_screen = view.mapFromScene(hint.mapToScene(hint.boundingRect()).boundingRect())
    assert area.contains(on_screen.boundingRect())
    middle = view.mapToScene(area.center())
    hint.show_text("short", middle)
    assert hint.boundingRect().left() > 0 and hint.boundingRect().top() > 0  # the usual place


def test_refused_wire_at_the_edge_shows_the_whole_reason(editor):
    add(editor, "Input", 0, 0, "input")
    add(editor, "Target", 400, 0, "target")
    add(editor, "Input", 0, 200, "other")
    editor.document.connect("input", "out", "target", "in")
    view = editor.view
    target = editor.scene.nodes["target"].ports["in"].scenePos()
    source = editor.scene.nodes["other"].ports["out"].scenePos()
    view.reset_zoom()
    view.centerOn(target - QPointF(view.viewport().width() / 2 - 40, 0))  # port at the edge
    assert view.viewport().rect().contains(vp(view, source))
    drag(view, source, target, release=False)
    hint = editor.interactions.active.hint
    assert hint.isVisible() and "already has a wire" in hint.text
    rect = view.mapFromScene(hint.mapToScene(hint.boundingRect()).boundingRect()).boundingRect()
    assert view.viewport().rect().contains(rect)
    editor.interactions.cancel()


def test_minimap_leaves_a_small_canvas_most_of_its_room(editor):
    """At 1024x700 the canvas is ~470 px wide and the fixed 220x150 overview hid a good
    part of it; it now takes at most about a third of the canvas width."""
    view, minimap = editor.view, editor.view.minimap
    view.resize(460, 420)
    minimap.place()
    assert minimap.width() <= 0.3 * view.viewport().width() + 1
    assert view.viewport().rect().contains(minimap.geometry())
    view.resize(1400, 900)
    minimap.place()
    assert minimap.size() == QSize(220, 150)


def test_node_icons_are_rendered_for_the_device_pixel_ratio(editor, monkeypatch):
    """Icons were rendered at zoom x 18 px, ignoring the screen's device pixel ratio, so
    on a 2x (HiDPI) screen every node icon was an upscaled, blurred pixmap."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    from canvas import icons

    asked = []
    real = icons.pixmap
    monkeypatch.setattr(icons, "pixmap", lambda name, color, pixels, *rest:
                        asked.append(pixels) or real(name, color, pixels, *rest))
    node = editor.scene.nodes[add(editor, "Convolution", 0, 0, "conv")]
    for ratio in (1.0, 2.0):
        image = QImage(int(400 * ratio), int(200 * ratio), QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(ratio)
        painter = QPainter(image)
        node.paint(painter, QStyleOptionGraphicsItem())
        painter.end()
    assert asked == [round(theme.ICON_SIZE), round(2 * theme.ICON_SIZE)]


def test_minimap_picture_is_sharp_on_a_hidpi_screen(editor, monkeypatch):
    """The overview picture was a 1x pixmap, stretched (blurred) on a 2x screen."""
    add(editor, "Input", 0, 0, "input")
    minimap = editor.view.minimap
    monkeypatch.setattr(minimap, "devicePixelRatioF", lambda: 2.0)
    picture = minimap._render()
    assert picture.devicePixelRatio() == 2.0
    assert picture.width() == 2 * minimap.width() and picture.height() == 2 * minimap.height()
    minimap.resize(minimap.size())
    minimap.repaint()  # paints through the cached picture without complaint


def test_a_selected_problem_node_still_looks_selected(editor):
    """A node with a problem keeps its red outline when selected, so selecting it showed
    only a faint halo: clicking a red node gave no clear sign that it was selected. A
    blue ring now goes around the red outline."""
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    node = editor.scene.nodes[add(editor, "Convolution", 0, 0, "conv")]
    editor.scene.apply_analysis(editor.live.run_now())
    assert node.problems  # its input is not wired

    def ring_colour(selected: bool) -> QColor:
        node.setSelected(selected)
        image = QImage(260, 140, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.translate(20, 20)
        node.paint(painter, QStyleOptionGraphicsItem())
        painter.end()
        return image.pixelColor(round(20 - 3.5), 20 + 40)  # left of the body, mid-height

    ring = ring_colour(True)
    assert ring.blue() > 150 and ring.red() < 120, ring.name()
    plain = ring_colour(False)
    assert not (plain.blue() > 150 and plain.red() < 120), plain.name()
