"""The docks follow the graph and stay readable: a long node id neither widens the
Properties dock nor hides its problem, the Properties follow moves and groups, a
problem row shows its node zoomed in far enough to read. Each test names the defect
it keeps fixed."""
from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from app.panels.problems import NODE_COLUMN_MAX
from app.paths import DEMO_PROJECT
from canvas.commands import AddNodeCommand

LONG_ID = "a_really_really_long_node_identifier_for_testing_elision_and_wrapping"


def shown(window, qtbot, size, template=DEMO_PROJECT):
    """The window on screen (offscreen) at ``size``, showing ``template``."""
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(template)
    return window


def test_a_long_node_id_neither_widens_the_dock_nor_hides_the_problem(main_window, qtbot):
    """Selecting a node with a 70-character id widened the Properties dock to ~680 px (a
    word-wrapped label still wants its longest word), leaving the canvas ~100 px wide at
    1024x700; the Problems tab's node column pushed the problem text out of view."""
    window = shown(main_window, qtbot, (1024, 700))
    editor = window.editor
    editor.push(AddNodeCommand(editor.document, "Convolution", (0, 200), node_id=LONG_ID))
    editor.live.run_now()
    editor.scene.select_nodes([LONG_ID])
    QApplication.processEvents()
    assert LONG_ID in window.details.heading.text()
    assert window.details.heading.toolTip() == LONG_ID
    assert window.details.minimumSizeHint().width() < 400
    assert editor.view.width() > 300
    rows = [window.problems.topLevelItem(i) for i in range(window.problems.topLevelItemCount())]
    assert any(row.text(1) == LONG_ID and row.toolTip(1) == LONG_ID for row in rows)
    assert window.problems.columnWidth(1) <= NODE_COLUMN_MAX


def _form(panel) -> dict[str, str]:
    form = panel.form
    return {form.itemAt(row, form.ItemRole.LabelRole).widget().text():
            form.itemAt(row, form.ItemRole.FieldRole).widget().text()
            for row in range(form.rowCount())}


def test_properties_follow_moves_and_groups(main_window, qtbot):
    """The Properties dock showed a node's position, but moving the node (drag, undo,
    auto layout) left the old one on display; the graph summary's group count stayed
    stale after an ungroup."""
    from canvas_helpers import drag, header_point

    window = shown(main_window, qtbot, (1280, 800))
    editor = window.editor
    editor.view.reset_zoom()
    editor.view.centerOn(editor.scene.nodes["unet"])
    editor.scene.select_nodes(["unet"])
    assert _form(window.details)["Position:"] == "280, 0"
    start = header_point(editor.scene.nodes["unet"])
    drag(editor.view, start, start + QPointF(40, 60))
    x, y = editor.document.node("unet").position
    assert (x, y) != (280.0, 0.0)
    assert _form(window.details)["Position:"] == f"{x:g}, {y:g}"
    window.undo_stack.undo()
    assert _form(window.details)["Position:"] == "280, 0"
    frame_id = editor.group_selection("Block")
    editor.scene.select_items([])  # nothing selected: the graph's summary counts groups
    assert _form(window.details)["Groups:"] == "1"
    editor.scene.select_items([editor.scene.frames[frame_id]])  # a group shows itself
    assert "Block" in window.details.heading.text()
    assert _form(window.details)["Nodes:"] == "1" and "unet:" in _form(window.details)
    editor.ungroup_selection()
    assert _form(window.details)["Groups:"] == "0"


def test_a_problem_row_shows_its_node_readably(main_window, qtbot):
    """Double-clicking a problem in a large graph centred the node at the fitted zoom
    (14 % for the 33-node U-Net), where nodes are unlabelled boxes."""
    from app.paths import TEMPLATES
    from canvas import theme

    window = shown(main_window, qtbot, (1280, 800), TEMPLATES / "unet_from_scratch.json")
    editor = window.editor
    editor.view.fit_to_graph()
    assert editor.view.zoom < theme.DETAIL_LOD
    window.focus_node("merge2")
    assert editor.view.zoom >= theme.DETAIL_LOD
    assert editor.scene.selected_node_ids() == ["merge2"]
    visible = editor.view.visible_scene_rect()
    assert visible.contains(editor.scene.nodes["merge2"].sceneBoundingRect())
    editor.view.set_zoom(0.8)
    window.focus_node("merge1")
    assert editor.view.zoom == 0.8  # readable already: the zoom is left alone
