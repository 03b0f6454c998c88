"""The canvas tried as a new user would (issue 14, "Gets in the way"): new nodes land
in free space, group titles stay clear, names stay readable zoomed out, the overview
lets what is under it show, one placeholder for unknown shapes, the right words."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QRegion
from PySide6.QtWidgets import QApplication, QWidget

from canvas import theme
from canvas.items import NodeItem
from canvas.labels import label_lines
from canvas.mime import graph_from_mime
from components.graph import GraphDocument


def titles_clear(editor, whole_frames: bool = True) -> list[tuple[str, str]]:
    """(group, thing) pairs where a node or another group (its whole box, or only its
    title bar) covers a group's title bar."""
    covered = []
    for frame in editor.scene.frames.values():
        title = frame.title_rect()
        covered += [(frame.title, n) for n, item in editor.scene.nodes.items()
                    if item.sceneBoundingRect().intersects(title)]
        covered += [(frame.title, other.title) for other in editor.scene.frames.values()
                    if other is not frame and title.intersects(
                        other.boundingRect() if whole_frames else other.title_rect())]
    return covered


def two_branches(editor) -> GraphDocument:
    """Input feeding two two-layer branches that merge: one group per branch."""
    doc = editor.document
    doc.add_node("Input", (0, 0), node_id="in")
    for branch, port in (("a", "in1"), ("b", "in2")):
        doc.add_node("Convolution", (0, 0), node_id=f"{branch}1")
        doc.add_node("Convolution", (0, 0), node_id=f"{branch}2")
    doc.add_node("Merge", (0, 0), node_id="m")
    for branch, port in (("a", "in1"), ("b", "in2")):
        doc.connect("in", "out", f"{branch}1", "in")
        doc.connect(f"{branch}1", "out", f"{branch}2", "in")
        doc.connect(f"{branch}2", "out", "m", port)
    editor.select_nodes(["b1", "b2"])
    editor.group_selection("Branch B")
    editor.select_nodes(["a1", "a2"])
    editor.group_selection("Branch A")
    return doc


def test_auto_layout_keeps_every_group_title_clear(editor):
    """After Ctrl+L a group's title bar lay under the row above (40 px apart, while a
    title and its padding take 50)."""
    doc = two_branches(editor)
    editor.auto_layout()
    assert titles_clear(editor) == []
    before = {n.id: n.position for n in doc.nodes}
    editor.auto_layout()  # a second layout moves nothing
    assert {n.id: n.position for n in doc.nodes} == before


def test_a_pasted_group_is_placed_where_its_title_is_clear(editor):
    """A pasted group sat 40 px from its original, its title under the original's nodes."""
    two_branches(editor)
    editor.auto_layout()
    editor.select_nodes(["a1", "a2"])
    assert editor.copy()
    pasted = editor.paste()
    assert len(pasted) == 2 and len(editor.document.frames) == 3
    assert titles_clear(editor, whole_frames=False) == []
    first, copied = editor.document.node("a1").position, editor.document.node(pasted[0]).position
    assert copied[0] - first[0] == copied[1] - first[1] > 0  # still the diagonal step


def test_paste_and_duplicate_say_what_they_did(editor, qtbot):
    """'Copied 2 nodes' stayed in the status bar after a paste."""
    editor.document.add_node("Input", (0, 0), node_id="in")
    editor.document.add_node("Convolution", (300, 0), node_id="c")
    messages = []
    editor.message.connect(messages.append)
    editor.select_nodes(["in", "c"])
    editor.copy()
    editor.paste()
    editor.duplicate()
    assert messages == ["Copied 2 nodes", "Pasted 2 nodes", "Duplicated 2 nodes"]


def test_a_double_clicked_component_lands_in_free_space_near_the_centre(editor):
    """A palette double-click dropped the node on top of the nodes at the view's centre."""
    view = editor.view
    centre = view.mapToScene(view.viewport().rect().center())
    for dx, dy in ((-98, -15), (150, -15), (-98, 120)):
        editor.document.add_node("Convolution", (centre.x() + dx, centre.y() + dy))
    added = editor.add_component("Pooling")
    item = editor.scene.nodes[added]
    others = [i for n, i in editor.scene.nodes.items() if n != added]
    assert not any(item.sceneBoundingRect().intersects(o.sceneBoundingRect()) for o in others)
    assert view.visible_scene_rect().contains(item.sceneBoundingRect())
    distance = QPointF(item.sceneBoundingRect().center() - centre).manhattanLength()
    assert distance < 500
    assert all(v == round(v) for v in editor.document.node(added).position)


def test_fit_and_far_zoom_keep_every_name_whole(editor):
    """Fitted at 14 % nodes were blank boxes; at 41 % names were cut ('bottom_co…')."""
    doc = editor.document
    for i, name in enumerate(["input", "bottom_conv1", "enc1_conv2", "merge4", "dec4_conv2"]):
        doc.add_node("Convolution", (i * 230.0, (i % 2) * 150.0), node_id=name)
    for zoom in (0.41, 0.3):
        editor.view.set_zoom(zoom)
        placed = editor.scene.labels.placed(editor.view.zoom)
        assert editor.scene.labels.isVisible()
        assert sorted("".join(lines) for _, lines, _ in placed) == sorted(n.id for n in doc.nodes)
    editor.view.set_zoom(1.0)
    assert not editor.scene.labels.isVisible()  # the nodes' own titles are readable


def test_names_break_after_an_underscore_only_when_they_must(editor):
    metrics = editor.scene.labels.metrics
    assert label_lines("bottom_conv1", metrics, 500) == ["bottom_conv1"]
    assert label_lines("bottom_conv1", metrics, 50) == ["bottom_", "conv1"]
    assert label_lines("enc1_conv2_x", metrics, 40) in (["enc1_", "conv2_x"],
                                                         ["enc1_conv2_", "x"])
    assert label_lines("merge4", metrics, 10) == ["merge4"]  # nowhere to break: whole


def test_crowded_names_are_left_out_not_piled_up(editor):
    for i in range(12):
        editor.document.add_node("Convolution", (i * 20.0, 0.0), node_id=f"stacked_node{i}")
    editor.view.set_zoom(0.3)
    rects = [rect for _, _, rect in editor.scene.labels.placed(editor.view.zoom)]
    assert 1 <= len(rects) < 12
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_one_placeholder_for_an_unknown_shape(editor, qtbot):
    """A node with a problem showed '?', the node after it '…'."""
    doc = editor.document
    doc.add_node("Convolution", (0, 0), node_id="first")
    doc.add_node("Convolution", (300, 0), node_id="second")
    doc.connect("first", "out", "second", "in")
    editor.live.run_now()
    texts = {n: i.shape_text for n, i in editor.scene.nodes.items()}
    assert texts == {"first": theme.UNKNOWN_SHAPE, "second": theme.UNKNOWN_SHAPE}
    assert editor.scene.nodes["first"].has_problem and not editor.scene.nodes["second"].problems


def test_the_overview_lets_what_is_under_it_show(editor, qtbot):
    """The overview was opaque and hid the nodes and ports in the canvas corner."""
    editor.document.add_node("Convolution", (0, 0))
    editor.document.add_node("Target", (4000, 2500))
    minimap = editor.view.minimap
    qtbot.waitUntil(minimap.isVisible)
    assert not minimap.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    image = QImage(minimap.size(), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    minimap.render(image, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)
    backdrop = [image.pixelColor(x, y).alpha() for x in range(10, minimap.width() - 10, 7)
                for y in (6, minimap.height() - 7)]
    assert max(backdrop) < 200  # mostly see-through where it draws no node


def test_a_bad_clipboard_message_is_a_whole_sentence(qapp):
    from PySide6.QtCore import QMimeData

    from canvas.mime import ClipboardError

    data = QMimeData()
    data.setText('{"nodes": [{"id": "a')
    try:
        graph_from_mime(data)
    except ClipboardError as error:
        message = str(error)
    assert message == ("the clipboard text is not JSON (line 1, column 19: Unterminated "
                       "string starting here)")


def test_nodes_are_items(editor):  # the label layer must not take clicks from nodes
    editor.document.add_node("Convolution", (0, 0), node_id="c")
    editor.view.set_zoom(0.3)
    QApplication.processEvents()
    centre = editor.scene.nodes["c"].sceneBoundingRect().center()
    assert isinstance(editor.interactions.item_at(centre), NodeItem)


def test_the_empty_canvas_hint_goes_with_the_first_node(editor, monkeypatch):
    """Double-clicking the first component left pieces of the 'Drag a component…' hint
    on screen around the new node: only the node's own area was repainted."""
    viewport = editor.view.viewport()
    whole = []
    monkeypatch.setattr(viewport, "update", lambda *args: whole.append(args))
    editor.add_component("Input")
    assert () in whole  # the whole canvas, hint and all, is painted again
    whole.clear()
    editor.add_component("Target")
    assert () not in whole  # not on every edit
