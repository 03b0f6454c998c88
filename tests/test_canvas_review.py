"""Regression tests for defects a hands-on review of the canvas found.

Each test names the defect it keeps fixed; like the other canvas tests they drive
real mouse events on the view's viewport and check the document.
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


def test_auto_layout_with_snap_keeps_every_node_on_the_grid(editor):
    """Auto layout ignored 'Snap to Grid': node heights put most nodes off the grid."""
    add(editor, "Input", 3, 7, "input")
    add(editor, "Convolution", 300, 50, "a")
    add(editor, "Convolution", 300, 250, "b")
    add(editor, "Merge", 600, 0, "merge")
    add(editor, "Target", 900, 0, "target")
    doc = editor.document
    for ends in (("input", "out", "a", "in"), ("input", "out", "b", "in"),
                 ("a", "out", "merge", "in1"), ("b", "out", "merge", "in2"),
                 ("merge", "out", "target", "in")):
        doc.connect(*ends)
    editor.snap_to_grid = True
    editor.auto_layout()
    for node in doc.nodes:
        assert all(value % theme.GRID == 0 for value in node.position), node
    assert doc.node("input").position[0] < doc.node("a").position[0] < \
        doc.node("merge").position[0] < doc.node("target").position[0]
    assert editor.undo_stack.count() == 1


def test_adding_at_the_centre_twice_never_stacks_nodes(editor):
    """Double-clicking a palette entry three times put three nodes exactly on top of each
    other: the canvas showed one node and the graph held three."""
    ids = [editor.add_component("Convolution") for _ in range(3)]
    positions = [editor.document.node(n).position for n in ids]
    assert len(set(positions)) == 3
    editor.snap_to_grid = True
    snapped = editor.add_component("Pooling")
    assert all(v % theme.GRID == 0 for v in editor.document.node(snapped).position)
    dropped = QPointF(*positions[0]) + QPointF(theme.NODE_WIDTH / 2, theme.HEADER_HEIGHT / 2)
    editor.snap_to_grid = False
    exact = editor.add_component("Merge", dropped)  # a drop goes exactly where it was dropped
    assert editor.document.node(exact).position == positions[0]
