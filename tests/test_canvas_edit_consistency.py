"""Edits that stay whole: auto layout keeps the grid, adding twice never stacks nodes,
deleting a group with its nodes undoes completely, Ctrl+Z during a drag drops the
gesture. Each test names the defect it keeps fixed; like the other canvas tests they
drive real mouse and key events on the view's viewport and check the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from canvas import theme
from canvas_helpers import drag, state, vp


def add(editor, type_name, x, y, node_id=None, **settings):
    return editor.document.add_node(type_name, (x, y), settings, node_id).id


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


def test_deleting_a_group_with_all_its_nodes_undoes_completely(editor):
    """With a frame and all its members selected, Delete removed the nodes (which removes
    the emptied frame) and then tried to ungroup the frame that was gone: the command
    failed half-way and undo lost the nodes."""
    add(editor, "Input", 0, 0, "input")
    add(editor, "Convolution", 300, 0, "a")
    add(editor, "Convolution", 600, 0, "b")
    doc = editor.document
    doc.connect("input", "out", "a", "in")
    doc.connect("a", "out", "b", "in")
    editor.scene.select_nodes(["a", "b"])
    frame_id = editor.group_selection("Block")
    before = state(doc)
    scene = editor.scene
    scene.select_items([scene.nodes["a"], scene.nodes["b"], scene.frames[frame_id]])
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_Delete)
    assert [n.id for n in doc.nodes] == ["input"] and not doc.frames
    editor.undo_stack.undo()
    assert state(doc) == before
    editor.undo_stack.redo()
    assert [n.id for n in doc.nodes] == ["input"] and not doc.frames


def test_undo_in_the_middle_of_a_drag_drops_the_gesture(editor):
    """Ctrl+Z while dragging a node undid the node's creation; the release then built a
    move command for a node that no longer existed and raised inside the event handler."""
    node = editor.add_component("Convolution", QPointF(300, 100))
    start = editor.scene.nodes[node].scenePos() + QPointF(110, 12)
    end = start + QPointF(120, 80)
    drag(editor.view, start, end, release=False)
    editor.undo_stack.undo()
    assert editor.interactions.active is None and not editor.document.nodes
    QTest.mouseRelease(editor.view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, vp(editor.view, end))
    assert editor.undo_stack.index() == 0 and editor.undo_stack.count() == 1
    editor.undo_stack.redo()
    assert editor.document.node(node).position == \
        (300 - theme.NODE_WIDTH / 2, 100 - theme.HEADER_HEIGHT / 2)


def test_undo_in_the_middle_of_a_wire_drag_drops_the_wire(editor):
    source = editor.add_component("Input", QPointF(0, 0))
    target = editor.add_component("Convolution", QPointF(350, 0))
    start = editor.scene.nodes[source].ports["out"].scenePos()
    end = editor.scene.nodes[target].ports["in"].scenePos()
    drag(editor.view, start, end, release=False)
    editor.undo_stack.undo()  # removes the target
    assert editor.interactions.active is None
    QTest.mouseRelease(editor.view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, vp(editor.view, end))
    assert not editor.document.edges and editor.quick_add_menu is None
    assert all(p.state.name == "IDLE" for p in editor.scene.nodes[source].ports.values())


def test_a_clipboard_without_nodes_is_a_studio_error_that_says_why(qapp):
    """ClipboardError was a bare ValueError, so a command line would print a traceback."""
    import pytest
    from PySide6.QtCore import QMimeData

    from canvas.mime import ClipboardError, graph_from_mime
    from components.errors import StudioError

    for text, why in (("not json", r"not JSON \(line 1"), ('{"a": 1}', "no 'nodes' list")):
        data = QMimeData()
        data.setText(text)
        with pytest.raises(StudioError, match=why) as error:
            graph_from_mime(data)
        assert isinstance(error.value, ClipboardError)
