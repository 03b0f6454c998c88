"""The project controller: what panels read and hear, and what closing it ends."""
from __future__ import annotations

import pytest

from app.controller import ProjectController
from app.paths import DEMO_PROJECT
from app.project import Project, load_project
from canvas.commands import AddNodeCommand, SetSettingCommand


@pytest.fixture
def controller(qtbot):
    made = ProjectController(load_project(DEMO_PROJECT))
    yield made
    made.close()


def test_an_edit_is_one_undo_step_and_a_fresh_analysis(controller, qtbot):
    doc = controller.document
    assert controller.analysis.ok and not controller.is_dirty()
    with qtbot.waitSignal(controller.analysis_changed, timeout=5000) as heard:
        controller.push(SetSettingCommand(doc, "input", "normalization", "imagenet"))
    assert controller.is_dirty() and controller.undo_stack.count() == 1
    assert heard.args[0] is controller.analysis and not controller.analysis.ok
    assert controller.analysis.problems_of("input") == [
        "normalization 'imagenet' needs 3 channels, not 1"]
    controller.undo_stack.undo()
    assert controller.refresh_analysis().ok and not controller.is_dirty()


def test_selection_is_announced_once_per_change_and_only_with_real_nodes(controller, qtbot):
    heard = []
    controller.selection_changed.connect(heard.append)
    controller.set_selection(["unet", "ghost"])
    controller.set_selection(["unet"])
    controller.set_selection([])
    assert heard == [["unet"], []] and controller.selection == []


def test_adopt_keeps_the_objects_and_clears_the_history(controller, qtbot):
    project, doc = controller.project, controller.document
    controller.push(AddNodeCommand(doc, "Convolution", (0, 0)))
    other = Project(name="Other")
    other.graph.add_node("Input", node_id="only")
    with qtbot.waitSignal(controller.project_replaced, timeout=1000):
        controller.adopt(other)
    assert controller.project is project and controller.document is doc
    assert project.name == "Other" and [n.id for n in doc.nodes] == ["only"]
    assert controller.undo_stack.count() == 0 and not controller.is_dirty()
    assert not controller.analysis.ok  # analysed at once: an Input alone is no model


def test_close_ends_every_subscription_made_through_it(qtbot):
    controller = ProjectController(load_project(DEMO_PROJECT))
    doc, heard = controller.document, []
    handle = controller.follow(doc.node_moved, lambda node: heard.append(node.id))
    doc.move_node("unet", (1, 2))
    controller.close()
    doc.move_node("unet", (3, 4))
    assert heard == ["unet"] and not handle.active
    assert len(doc.node_added) == 0  # the live analysis stopped listening too


def test_the_window_shows_its_project_through_the_controller(main_window, qtbot):
    window = main_window
    window.open_template(DEMO_PROJECT)
    assert window.project is window.controller.project
    assert window.undo_stack is window.controller.undo_stack
    window.editor.select_nodes(["unet"])
    assert window.controller.selection == ["unet"]
    assert "unet" in window.details.heading.text()
    assert window.panels_menu.title() == "Panels" and window.toolbar.objectName() == "mainToolbar"
    assert not window.editor.focus_node("ghost") and window.editor.focus_node("target")
    assert window.controller.selection == ["target"]
