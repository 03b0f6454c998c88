"""Gestures on the canvas, driven by real mouse events on the view's viewport.

Every test checks the document (the one source of truth), not pixels.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from canvas import theme
from canvas.items import PortState
from canvas.mime import component_mime
from canvas_helpers import LEFT, click, drag, drop_mime, header_point, state, vp

CTRL = Qt.KeyboardModifier.ControlModifier
# The offscreen platform cannot raise a popup menu or let it grab the keyboard; it says so.
popup_menu = pytest.mark.qt_log_ignore("This plugin does not support raise\\(\\)",
                                       "This plugin does not support grabbing the keyboard",
                                       extend=True)


def add(editor, type_name, x, y, node_id=None, **settings):
    return editor.document.add_node(type_name, (x, y), settings, node_id).id


def port(editor, node_id, name):
    return editor.scene.nodes[node_id].ports[name]


def pos(editor, node_id, name) -> QPointF:
    return port(editor, node_id, name).scenePos()


@pytest.fixture
def pair(editor):
    add(editor, "Input", 0, 0, "input")
    add(editor, "Convolution", 320, 40, "conv")
    return editor


# --- wires ------------------------------------------------------------------------------------
def test_drag_from_output_to_input_connects_and_undo_disconnects(pair):
    drag(pair.view, pos(pair, "input", "out"), pos(pair, "conv", "in"))
    assert [(e.source, e.target) for e in pair.document.edges] == [("input", "conv")]
    assert pair.undo_stack.count() == 1
    pair.undo_stack.undo()
    assert pair.document.edges == []
    pair.undo_stack.redo()
    assert len(pair.document.edges) == 1


def test_drag_can_start_at_the_input(pair):
    drag(pair.view, pos(pair, "conv", "in"), pos(pair, "input", "out"))
    assert [(e.source, e.target) for e in pair.document.edges] == [("input", "conv")]


def test_dropping_on_a_node_body_uses_its_free_port(pair):
    body = pair.scene.nodes["conv"].scenePos() + QPointF(100, 55)
    drag(pair.view, pos(pair, "input", "out"), body)
    assert pair.document.edge_at_input("conv", "in") is not None


def test_ports_light_up_while_dragging(pair):
    add(pair, "Target", 320, 260, "target")
    drag(pair.view, pos(pair, "input", "out"), pos(pair, "input", "out") + QPointF(80, 120),
         release=False)
    assert port(pair, "input", "out").state is PortState.SOURCE
    assert port(pair, "conv", "in").state is PortState.COMPATIBLE
    assert port(pair, "target", "in").state is PortState.COMPATIBLE
    assert port(pair, "conv", "out").state is PortState.REFUSED
    assert "same way" in port(pair, "conv", "out").refusal
    QTest.mouseRelease(pair.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                       vp(pair.view, pos(pair, "conv", "in")))
    assert all(p.state is PortState.IDLE for n in pair.scene.nodes.values()
               for p in n.ports.values())


def refused(editor, start, end, words):
    """Drag from start to end: the hover hint and the message name the reason, and the
    document does not change."""
    before = state(editor.document)
    messages = []
    editor.message.connect(messages.append)
    drag(editor.view, start, end, release=False)
    hint = editor.interactions.active.hint
    assert hint.isVisible() and words in hint.text
    QTest.mouseRelease(editor.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                       vp(editor.view, end))
    assert state(editor.document) == before
    assert editor.undo_stack.count() == 0
    assert messages and words in messages[-1]
    assert not hint.scene()  # the hint is gone after release


def test_same_direction_is_refused_with_the_reason(pair):
    refused(pair, pos(pair, "input", "out"), pos(pair, "conv", "out"), "same way")


def test_taken_port_is_refused_with_the_reason(pair):
    add(pair, "Input", 0, 200, "other")
    pair.document.connect("input", "out", "conv", "in")
    refused(pair, pos(pair, "other", "out"), pos(pair, "conv", "in"), "already has a wire")


def test_cycle_is_refused_with_the_reason(pair):
    add(pair, "Convolution", 640, 40, "conv2")
    pair.document.connect("conv", "out", "conv2", "in")
    add(pair, "Merge", 320, 300, "merge")
    pair.document.connect("conv2", "out", "merge", "in1")
    refused(pair, pos(pair, "merge", "out"), pos(pair, "conv", "in"), "cycle")


def test_wire_to_itself_is_refused(pair):
    refused(pair, pos(pair, "conv", "out"), pos(pair, "conv", "in"), "itself")


def test_dragging_a_wired_input_away_removes_the_wire(pair):
    pair.document.connect("input", "out", "conv", "in")
    drag(pair.view, pos(pair, "conv", "in"), pos(pair, "conv", "in") + QPointF(-60, 220))
    assert pair.document.edges == []
    pair.undo_stack.undo()
    assert len(pair.document.edges) == 1


def test_dragging_a_wired_input_to_another_input_rewires_in_one_step(pair):
    add(pair, "Convolution", 320, 260, "conv2")
    pair.document.connect("input", "out", "conv", "in")
    drag(pair.view, pos(pair, "conv", "in"), pos(pair, "conv2", "in"))
    assert [(e.source, e.target) for e in pair.document.edges] == [("input", "conv2")]
    assert pair.undo_stack.count() == 1
    pair.undo_stack.undo()
    assert [(e.source, e.target) for e in pair.document.edges] == [("input", "conv")]


@popup_menu
def test_dropping_a_new_wire_on_empty_canvas_adds_a_connected_node(pair):
    end = pos(pair, "input", "out") + QPointF(120, 260)
    drag(pair.view, pos(pair, "input", "out"), end)
    menu = pair.quick_add_menu
    assert menu is not None and menu.isVisible()
    assert "Target" in menu.visible_types() and "Input" not in menu.visible_types()
    menu.search.setText("pool")
    assert menu.visible_types() == ["Pooling"]
    menu.search.returnPressed.emit()
    assert not menu.isVisible()
    new = pair.document.edges_from("input")[0].target
    assert pair.document.node(new).type == "Pooling"
    assert pair.scene.selected_node_ids() == [new]
    assert pos(pair, new, "in") == pytest.approx(end) or \
        (pos(pair, new, "in") - end).manhattanLength() < 1
    pair.undo_stack.undo()  # node and wire in one step
    assert [n.id for n in pair.document.nodes] == ["input", "conv"]


# --- selection and moving ---------------------------------------------------------------------
def test_click_selects_and_ctrl_click_toggles(pair):
    click(pair.view, header_point(pair.scene.nodes["input"]))
    assert pair.scene.selected_node_ids() == ["input"]
    click(pair.view, header_point(pair.scene.nodes["conv"]), CTRL)
    assert pair.scene.selected_node_ids() == ["input", "conv"]
    click(pair.view, header_point(pair.scene.nodes["input"]), CTRL)
    assert pair.scene.selected_node_ids() == ["conv"]
    click(pair.view, QPointF(150, 400))
    assert pair.scene.selected_node_ids() == []


def test_rubber_band_selects_what_it_touches(pair):
    add(pair, "Target", 700, 400, "far")
    drag(pair.view, QPointF(-40, -40), QPointF(360, 100))
    assert pair.scene.selected_node_ids() == ["input", "conv"]
    drag(pair.view, QPointF(690, 380), QPointF(720, 420), modifiers=CTRL)
    assert pair.scene.selected_node_ids() == ["input", "conv", "far"]


def test_moving_several_nodes_is_one_undo_step(pair):
    pair.select_all()
    drag(pair.view, header_point(pair.scene.nodes["conv"]),
         header_point(pair.scene.nodes["conv"]) + QPointF(60, 30))
    assert pair.document.node("input").position == (60.0, 30.0)
    assert pair.document.node("conv").position == (380.0, 70.0)
    assert pair.undo_stack.count() == 1
    pair.undo_stack.undo()
    assert pair.document.node("input").position == (0.0, 0.0)
    assert pair.scene.nodes["conv"].pos() == QPointF(320, 40)


def test_wires_follow_moving_nodes(pair):
    pair.document.connect("input", "out", "conv", "in")
    edge = next(iter(pair.scene.edges.values()))
    drag(pair.view, header_point(pair.scene.nodes["conv"]),
         header_point(pair.scene.nodes["conv"]) + QPointF(40, 100))
    assert edge.path().pointAtPercent(1.0) == pos(pair, "conv", "in")


def test_snap_to_grid(pair):
    pair.actions.snap.trigger()
    drag(pair.view, header_point(pair.scene.nodes["conv"]),
         header_point(pair.scene.nodes["conv"]) + QPointF(33, 27))
    x, y = pair.document.node("conv").position
    assert x % theme.GRID == 0 and y % theme.GRID == 0


def test_click_a_wire_selects_it_and_delete_removes_it(pair):
    pair.document.connect("input", "out", "conv", "in")
    edge = next(iter(pair.scene.edges.values()))
    click(pair.view, edge.path().pointAtPercent(0.5))
    assert pair.scene.selected_edges() == [edge.edge]
    pair.actions.delete.trigger()
    assert pair.document.edges == [] and len(pair.document.nodes) == 2
    pair.undo_stack.undo()
    assert len(pair.document.edges) == 1


def test_delete_removes_nodes_with_wires_in_one_step(pair):
    pair.document.connect("input", "out", "conv", "in")
    click(pair.view, header_point(pair.scene.nodes["input"]))
    pair.actions.delete.trigger()
    assert [n.id for n in pair.document.nodes] == ["conv"] and pair.document.edges == []
    pair.undo_stack.undo()
    assert len(pair.document.nodes) == 2 and len(pair.document.edges) == 1


def test_escape_cancels_a_move(pair, qtbot):
    start = header_point(pair.scene.nodes["conv"])
    drag(pair.view, start, start + QPointF(80, 80), release=False)
    assert pair.scene.nodes["conv"].pos() != QPointF(320, 40)
    QTest.keyClick(pair.view, Qt.Key.Key_Escape)
    QTest.mouseRelease(pair.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                       vp(pair.view, start + QPointF(80, 80)))
    assert pair.scene.nodes["conv"].pos() == QPointF(320, 40)
    assert pair.undo_stack.count() == 0


# --- frames -----------------------------------------------------------------------------------
def test_group_draws_a_frame_that_follows_and_moves_its_nodes(pair):
    pair.select_all()
    frame_id = pair.group_selection("Stem")
    frame = pair.scene.frames[frame_id]
    assert frame.boundingRect().contains(pair.scene.nodes["conv"].sceneBoundingRect())
    title = frame.title_rect().center()
    drag(pair.view, title, title + QPointF(0, 100))
    assert pair.document.node("input").position == (0.0, 100.0)
    assert pair.document.node("conv").position == (320.0, 140.0)
    assert frame.boundingRect().contains(pair.scene.nodes["conv"].sceneBoundingRect())
    pair.undo_stack.undo()
    pair.undo_stack.undo()
    assert pair.document.frames == []


# --- navigation -----------------------------------------------------------------------------
def test_wheel_zooms_around_the_cursor(pair):
    view = pair.view
    at = QPoint(200, 150)
    fixed = view.mapToScene(at)
    event = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom > 1.3
    assert (view.mapFromScene(fixed) - at).manhattanLength() <= 2
    assert pair.undo_stack.count() == 0


def test_middle_button_and_space_drag_pan(pair):
    view = pair.view
    before = view.mapToScene(QPoint(0, 0))
    drag(view, view.mapToScene(QPoint(400, 300)), view.mapToScene(QPoint(300, 250)),
         button=Qt.MouseButton.MiddleButton)
    moved = view.mapToScene(QPoint(0, 0)) - before
    assert (round(moved.x()), round(moved.y())) == (100, 50)
    QTest.keyPress(view, Qt.Key.Key_Space)
    before = view.mapToScene(QPoint(0, 0))
    drag(view, view.mapToScene(QPoint(300, 300)), view.mapToScene(QPoint(340, 300)))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert round((view.mapToScene(QPoint(0, 0)) - before).x()) == -40
    assert pair.undo_stack.count() == 0 and pair.scene.selected_node_ids() == []


def test_fit_shows_every_node_and_the_minimap_appears_for_large_graphs(pair, qtbot):
    add(pair, "Target", 4000, 2500, "far")
    pair.view.reset_zoom()
    pair.view.centerOn(0, 0)
    qtbot.waitUntil(lambda: pair.view.minimap.isVisible())
    pair.actions.fit.trigger()
    visible = pair.view.visible_scene_rect()
    for item in pair.scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect())
    qtbot.waitUntil(lambda: not pair.view.minimap.isVisible())


# --- palette drops, analysis, clipboard --------------------------------------------------------
def test_drop_from_palette_adds_the_node_where_it_is_dropped(editor):
    mime = component_mime("Convolution")
    assert drop_mime(editor.view, mime, QPointF(200, 120))
    node = editor.document.nodes[0]
    assert node.type == "Convolution"
    item = editor.scene.nodes[node.id]
    assert item.sceneBoundingRect().contains(QPointF(200, 120))
    editor.undo_stack.undo()
    assert editor.document.nodes == []


def test_foreign_drops_are_refused(editor):
    from PySide6.QtCore import QMimeData
    mime = QMimeData()
    mime.setText("hello")
    assert not drop_mime(editor.view, mime, QPointF(0, 0))
    assert editor.document.nodes == []


def test_problems_outline_the_node_and_name_it_in_the_tooltip(pair, qtbot):
    with qtbot.waitSignal(pair.live.updated, timeout=2000):
        pair.document.connect("input", "out", "conv", "in")
    conv = pair.scene.nodes["conv"]
    assert not conv.has_problem and conv.shape_text == "64x256x256"
    add(pair, "Merge", 640, 40, "merge")
    with qtbot.waitSignal(pair.live.updated, timeout=2000):
        pair.document.connect("conv", "out", "merge", "in1")
    merge = pair.scene.nodes["merge"]
    assert merge.has_problem
    assert "in2" in merge.toolTip() and "not connected" in merge.toolTip()


def test_copy_paste_keeps_the_wires_between_pasted_nodes(pair):
    add(pair, "Target", 640, 40, "target")
    pair.document.connect("input", "out", "conv", "in")
    pair.document.connect("conv", "out", "target", "in")
    pair.scene.select_nodes(["conv", "target"])
    assert pair.copy()
    pasted = pair.paste()
    assert len(pasted) == 2 and pair.scene.selected_node_ids() == pasted
    new_conv, new_target = pasted
    assert pair.document.edge_at_input(new_target, "in").source == new_conv
    assert pair.document.edge_at_input(new_conv, "in") is None
    assert pair.document.node(new_conv).position == (360.0, 80.0)
    pair.undo_stack.undo()
    assert len(pair.document.nodes) == 3 and len(pair.document.edges) == 2


def test_duplicate_and_cut(pair):
    pair.scene.select_nodes(["conv"])
    assert len(pair.duplicate()) == 1 and len(pair.document.nodes) == 3
    pair.scene.select_nodes(["input"])
    pair.cut()
    assert [n.id for n in pair.document.nodes] == ["conv", "conv1"]
    assert pair.undo_stack.undoText() == "Cut"
    assert pair.paste() == ["input"]


def test_paste_of_something_else_says_why(pair):
    QApplication.clipboard().setText("not json")
    messages = []
    pair.message.connect(messages.append)
    assert pair.paste() == []
    assert "not JSON" in messages[-1] and pair.undo_stack.count() == 0


def test_auto_layout_is_one_step_and_points_wires_right(pair):
    add(pair, "Target", -400, 300, "target")
    pair.document.connect("input", "out", "conv", "in")
    pair.document.connect("conv", "out", "target", "in")
    pair.auto_layout()
    doc = pair.document
    assert doc.node("input").position[0] < doc.node("conv").position[0] < \
        doc.node("target").position[0]
    assert pair.undo_stack.count() == 1
    pair.undo_stack.undo()
    assert doc.node("target").position == (-400.0, 300.0)


@popup_menu
def test_context_menu_on_empty_canvas_can_add_a_component(pair):
    from PySide6.QtGui import QContextMenuEvent
    where = vp(pair.view, QPointF(100, 400))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                              pair.view.viewport().mapToGlobal(where))
    QApplication.sendEvent(pair.view.viewport(), event)
    menu = pair.context_menu
    assert menu is not None and menu.isVisible()
    add_menu = next(a.menu() for a in menu.actions() if a.text() == "Add Component")
    next(a for a in add_menu.actions() if a.text() == "Pooling").trigger()
    menu.close()
    assert pair.document.nodes[-1].type == "Pooling"


def test_copy_takes_only_groups_that_are_wholly_selected(pair):
    add(pair, "Target", 640, 40, "target")
    pair.document.add_frame("Stem", ["input", "conv"], "frame1")
    pair.document.add_frame("Head", ["target"], "frame2")
    pair.scene.select_nodes(["conv", "target"])
    pair.copy()
    pair.paste()
    titles = sorted(f.title for f in pair.document.frames)
    assert titles == ["Head", "Head", "Stem"]


def test_far_out_the_sketch_draws_but_nodes_still_select_and_move(pair, qtbot):
    view, scene = pair.view, pair.scene
    view.set_zoom(0.1)
    assert scene.far_zoom and scene.sketch_item.isVisible()
    start = scene.nodes["conv"].sceneBoundingRect().center()
    drag(view, start, start + QPointF(400, 300))
    assert scene.selected_node_ids() == ["conv"]
    x, y = pair.document.node("conv").position
    assert x > 500 and y > 200
    view.set_zoom(1.0)
    assert not scene.far_zoom and not scene.sketch_item.isVisible()
