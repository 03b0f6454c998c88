"""The window tried as a new user would (issue 14, "Broken or misleading"): each test
names what a person saw and asserts what they see now (texts, counts, window height,
saved values)."""
from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.about import app_version
from app.paths import ROOT, TEMPLATES
from app.project import load_project
from canvas.commands import SetSettingCommand
from helpers import write_project

SCRATCH = TEMPLATES / "unet_from_scratch.json"


def shown(window, qtbot, size=(1280, 800), template=SCRATCH):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    if template is not None:
        window.open_template(template)
    return window


def problem_rows(window) -> list[tuple[str, str]]:
    tree = window.problems
    return [(tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(2))
            for i in range(tree.topLevelItemCount())]


# --- 1. a multi-selection names its problems ------------------------------------------------
def test_a_multi_selection_lists_the_problems_of_its_nodes(main_window, qtbot):
    """Two selected nodes outlined red, and the Properties said 'No problems'."""
    window = shown(main_window, qtbot)
    window.editor.select_nodes(["input", "enc1_conv1"])  # a clean pair says so
    assert "No problems" in window.details.notes.text()
    doc = window.project.graph
    for node_id in ("pool2", "head"):
        doc.disconnect(doc.edge_at_input(node_id, "in"))
    window.controller.refresh_analysis()
    window.editor.select_nodes(["pool2", "head", "input"])
    notes = window.details.notes.text()
    assert "3 nodes selected" in window.details.heading.text()
    assert "pool2: input port &#x27;in&#x27; is not connected" in notes
    assert "head: input port &#x27;in&#x27; is not connected" in notes
    assert "No problems" not in notes


# --- 2. no dock resizes the window ------------------------------------------------------------
def test_selecting_every_node_leaves_the_window_its_size(main_window, qtbot):
    """Ctrl+A on the 33-node template grew the window past the screen (the Properties
    listed every node without scrolling) and pushed the Results and the status bar out."""
    window = shown(main_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.editor.view.setFocus()
    QTest.keyClick(window.editor.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert len(window.editor.selected_node_ids()) == 33
    assert "33 nodes selected" in window.details.heading.text()
    assert (window.width(), window.height()) == (1280, 800)
    assert window.statusBar().geometry().bottom() < window.height()
    assert window.bottom_dock.isVisible()
    assert window.bottom_dock.geometry().bottom() < window.statusBar().geometry().top()
    scroll = window.details_dock.widget().verticalScrollBar()
    qtbot.waitUntil(lambda: scroll.maximum() > 0)  # the list scrolls instead
    window.editor.select_nodes([])
    QApplication.processEvents()
    assert window.height() == 800


# --- 4. Quit quits --------------------------------------------------------------------------------
@pytest.fixture
def two_unsaved(make_window, qtbot):
    windows = [make_window(), make_window()]
    for number, window in enumerate(windows):
        shown(window, qtbot, template=None)
        window.project.name = f"project {number}"
        window.editor.add_component("Input")
        assert window.isWindowModified()
    return windows


def test_quit_closes_every_window_asking_about_each_unsaved_one(two_unsaved, fake_dialogs):
    """Ctrl+Q closed only the window it was pressed in."""
    first, second = two_unsaved
    assert first.window_actions.quit.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    first.window_actions.quit.trigger()
    asked = [args[0] for args in fake_dialogs.named("ask_save_changes")]
    assert asked == ["project 0", "project 1"]
    assert not first.isVisible() and not second.isVisible()


def test_cancel_during_quit_keeps_that_window_and_the_rest(two_unsaved, fake_dialogs):
    first, second = two_unsaved
    fake_dialogs.answers["ask_save_changes"] = "cancel"
    second.window_actions.quit.trigger()
    assert [args[0] for args in fake_dialogs.named("ask_save_changes")] == ["project 1"]
    assert first.isVisible() and second.isVisible()
    assert first.window_actions.close.text() == "Close Window"


# --- 6. a file with one bad setting opens, to be fixed --------------------------------------------
def _depth_12(tmp_path):
    graph = {"nodes": [{"id": "input", "type": "Input", "position": [0, 0]},
                       {"id": "unet", "type": "UNet", "position": [280, 0],
                        "settings": {"depth": 12, "base_filters": 8}},
                       {"id": "target", "type": "Target", "position": [560, 0]}],
             "edges": [{"source": "input", "source_port": "out", "target": "unet",
                        "target_port": "in"},
                       {"source": "unet", "source_port": "out", "target": "target",
                        "target_port": "in"}]}
    return write_project(tmp_path / "deep.json", graph)


def test_an_out_of_range_setting_opens_with_the_node_outlined(main_window, fake_dialogs,
                                                              qtbot, tmp_path):
    """A project with a U-Net depth of 12 was refused whole, so it could not be fixed."""
    window = shown(main_window, qtbot, template=None)
    path = _depth_12(tmp_path)
    assert window.open_path(path)
    assert fake_dialogs.named("show_error") == []
    qtbot.waitUntil(lambda: not window.editor.live.pending)
    item = window.editor.scene.nodes["unet"]
    assert item.has_problem and item.shape_text == "?"
    depth = window.project.graph.component("unet").SCHEMA.get("depth")
    assert ("unet", f"setting 'depth': got 12, expected {depth.describe_allowed()} "
            "(the file's value is kept until it is changed)") in problem_rows(window)
    assert "unet.depth" in window.statusBar().currentMessage()
    assert window.bottom_tabs.currentWidget() is window.problems
    window.editor.select_nodes(["unet"])
    form = window.details.settings.form  # the settings are a form now (issue 10)
    values = {form.label(s.name).text(): form.editor(s.name).input_widget().text()
              for s in form.schema if s.kind == "int"}
    assert values["Depth"] == "12 (not allowed)" and values["Base filters"] == "8"

    assert window._write(tmp_path / "saved.json")  # saved as it was: nothing is lost
    saved = json.loads((tmp_path / "saved.json").read_text())["graph"]["nodes"][1]
    assert saved["settings"]["depth"] == 12 and saved["settings"]["base_filters"] == 8

    window.undo_stack.push(SetSettingCommand(window.project.graph, "unet", "depth", 3))
    window.controller.refresh_analysis()
    assert not item.has_problem and item.shape_text != "?"
    assert not any(node == "unet" for node, _ in problem_rows(window))
    assert window._write(tmp_path / "fixed.json")
    assert load_project(tmp_path / "fixed.json").graph.node("unet").settings["depth"] == 3
    window.undo_stack.undo()  # back to the file's value, problem and all
    window.controller.refresh_analysis()
    assert item.has_problem and window.project.graph.snapshot()["nodes"][1]["settings"][
        "depth"] == 12


@pytest.mark.parametrize("settings, words", [
    ({"depth": 12, "colour": "red"}, "UNet setting 'colour': unknown setting"),
    (None, "invalid JSON (Unterminated string starting here)"),
])
def test_unknown_keys_and_broken_json_still_refuse(main_window, fake_dialogs, tmp_path,
                                                   settings, words):
    path = _depth_12(tmp_path)
    if settings is None:
        path.write_text('{"format": 1, "name": "cut', encoding="utf-8")
    else:
        data = json.loads(path.read_text())
        data["graph"]["nodes"][1]["settings"] = settings
        path.write_text(json.dumps(data))
    assert not main_window.open_path(path)
    (title, text, details), = fake_dialogs.named("show_error")
    assert words in details and str(path) in text
    if settings is not None:  # refused anyway: the bad value is named with the rest
        assert "UNet setting 'depth': got 12" in details


# --- 7. README and About promise what there is ----------------------------------------------------
def _commands_named(text: str) -> set[str]:
    return set(re.findall(r"main\.py(?:</tt>)? (?:<tt>)?([a-z]+)", text))


def test_the_about_box_has_the_version_and_promises_only_what_exists(main_window,
                                                                     fake_dialogs):
    """About promised training and had no version."""
    from app.cli import COMMANDS

    main_window.window_actions.about.trigger()
    (title, text), = fake_dialogs.named("show_info")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    assert app_version() == version and f"U-Net Studio</b> {version}" in text
    named = _commands_named(text)
    assert named and named <= set(COMMANDS)
    if "train" not in COMMANDS:
        assert "train" not in text.lower()


def test_the_readme_names_only_commands_that_exist():
    from app.cli import COMMANDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = _commands_named(readme) - {"PROJECT"}
    assert named and named <= set(COMMANDS), named - set(COMMANDS)
    intro = readme.split("##")[0].lower()
    if "train" not in COMMANDS:
        assert "train" not in intro


# --- gets in the way ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1440, 900), (1280, 800)])
def test_fit_on_the_from_scratch_template_shows_every_name(make_window, qtbot, size):
    """F zoomed the 33-node U-Net to 14 %, where the nodes were blank boxes."""
    window = shown(make_window(), qtbot, size)
    view = window.editor.view
    view.fit_to_graph()
    visible = view.visible_scene_rect()
    assert all(visible.contains(i.sceneBoundingRect()) for i in window.editor.scene.nodes.values())
    placed = window.editor.scene.labels.placed(view.zoom)
    assert sorted("".join(lines) for _, lines, _ in placed) == sorted(window.editor.scene.nodes)
    assert all(visible.contains(rect) for _, _, rect in placed)


def test_the_template_menu_uses_the_templates_names(main_window):
    """The menu said 'Unet from scratch'."""
    titles = [a.text() for a in main_window.window_actions.templates_menu.actions()]
    assert titles == ["Nuclei demo", "U-Net (one component)", "U-Net built from scratch"]


def test_a_palette_search_without_a_match_says_so(main_window):
    palette = main_window.palette
    palette.search.setText("resnet")
    assert palette.visible_types() == [] and not palette.no_match.isHidden()
    assert "No component matches “resnet”" in palette.no_match.text()
    palette.search.setText("pool")
    assert palette.visible_types() == ["Pooling"] and palette.no_match.isHidden()


def test_the_selected_palette_entry_keeps_a_visible_icon(main_window, qtbot):
    """The selected entry's blue icon vanished into the blue selection."""
    palette = main_window.palette
    palette.resize(240, 500)
    palette.show()
    qtbot.waitExposed(palette)
    item = palette.items["Convolution"]
    palette.tree.setCurrentItem(item)
    palette.tree.setFocus()
    image = palette.tree.viewport().grab().toImage()
    row = palette.tree.visualItemRect(item)
    highlight = image.pixelColor(row.right() - 4, row.center().y())
    icon_box = [image.pixelColor(x, y) for x in range(row.left(), row.left() + 40)
                for y in range(row.top() + 4, row.bottom() - 4)]
    assert highlight.blue() > highlight.red() + 40  # a blue selection row
    assert sum(c.red() > 225 and c.green() > 225 and c.blue() > 225 for c in icon_box) > 20
    palette.hide()


def test_positions_are_whole_numbers(main_window, qtbot):
    """Properties showed 'Position: 394.705, 45.086' after a drag at a fractional zoom."""
    from canvas_helpers import drag, header_point

    window = shown(main_window, qtbot)
    editor = window.editor
    editor.view.set_zoom(0.73)
    editor.view.centerOn(editor.scene.nodes["pool1"])
    start = header_point(editor.scene.nodes["pool1"])
    drag(editor.view, start, start + QPointF(37.3, 21.9))
    x, y = editor.document.node("pool1").position
    assert (x, y) != (230.0, 300.0) and x == round(x) and y == round(y)
    editor.select_nodes(["pool1"])
    rows = {window.details.form.itemAt(r, window.details.form.ItemRole.LabelRole).widget().text():
            window.details.form.itemAt(r, window.details.form.ItemRole.FieldRole).widget().text()
            for r in range(window.details.form.rowCount())}
    assert rows["Position:"] == f"{x:.0f}, {y:.0f}"


def test_clicking_a_group_title_shows_the_group(main_window, qtbot):
    """Selecting a group showed the whole graph's summary."""
    from canvas_helpers import click

    window = shown(main_window, qtbot)
    editor = window.editor
    editor.select_nodes(["enc1_conv1", "enc1_conv2", "pool1"])
    frame_id = editor.group_selection("Level 1")
    editor.view.reset_zoom()
    frame = editor.scene.frames[frame_id]
    editor.view.centerOn(frame.title_rect().center())
    click(editor.view, frame.title_rect().center() + QPointF(40, 0))
    assert editor.selected_frame_ids() == [frame_id] and editor.selected_node_ids() == []
    assert "Level 1" in window.details.heading.text()
    assert "Group of 3 nodes" in window.details.heading.text()
    labels = [window.details.form.itemAt(r, window.details.form.ItemRole.LabelRole)
              .widget().text() for r in range(window.details.form.rowCount())]
    assert labels == ["Nodes:", "Parameters:", "enc1_conv1:", "enc1_conv2:", "pool1:"]
