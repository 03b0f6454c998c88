"""Edit > Expand to Components on the canvas: a UNet node becomes the nodes it is made of,
framed, in one undo step; undo brings back the single node with its wires and position;
a UNet without an exact equivalent is refused with a message naming it and why."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF

from canvas.expand_command import expand_command
from canvas.commands import AddNodeCommand, ConnectCommand, GroupCommand
from components.expand import apply_expansion, expand_unet
from components.serialize import graph_from_dict
from tests.helpers import chain


def u_net(editor, settings=None):
    """Input -> UNet -> Target plus a node to the right of the UNet, in the editor."""
    doc = editor.document
    doc.replace_with(chain(("Input", {"height": 32, "width": 32}),
                           ("UNet", {"depth": 2, "base_filters": 8, **(settings or {})}),
                           ("Target", {"classes": 3}), ids=["input", "unet", "target"]))
    editor.live.run_now()
    return doc


def test_expanding_is_one_undo_step_that_undo_takes_back_whole(editor):
    doc = u_net(editor)
    editor.push(GroupCommand(doc, ["unet", "target"], "Model"))  # the UNet is in a group
    before = doc.snapshot()
    planned = graph_from_dict(before)
    apply_expansion(planned, expand_unet(planned, "unet"))  # what the plan says to do
    editor.select_nodes(["unet"])
    assert editor.actions.expand.isEnabled()
    editor.actions.expand.trigger()
    assert not doc.has_node("unet")
    assert doc.snapshot() == {**planned.snapshot(), "frames": doc.snapshot()["frames"]}
    frames = {f.title: f.nodes for f in doc.frames}
    new_ids = [n.id for n in planned.nodes if n.id not in ("input", "target")]
    assert frames["U-Net (classic) from unet"] == new_ids
    assert doc.node_index(new_ids[0]) == 1  # where the UNet stood in document order
    assert editor.undo_stack.count() == 2
    assert editor.undo_stack.text(1) == "Expand unet to components"
    assert editor.selected_node_ids() == new_ids
    editor.live.run_now()
    assert editor.scene.nodes["target"].shape_text == "3x32x32"  # still a whole model
    editor.undo_stack.undo()
    assert doc.snapshot() == before  # node, wires, position, group and order
    assert [(e.source, e.target) for e in doc.edges] == [("input", "unet"), ("unet", "target")]
    editor.undo_stack.redo()
    assert not doc.has_node("unet") and len(doc.nodes) == len(planned.nodes)


def test_a_unet_that_cannot_be_expanded_is_refused_with_its_name_and_why(editor, qtbot):
    doc = u_net(editor, {"attention": "scse"})
    before, revision = doc.snapshot(), doc.revision
    editor.select_nodes(["unet"])
    with qtbot.waitSignal(editor.message) as said:
        editor.expand_selection()
    assert said.args[0] == ("unet: cannot expand: attention scse: attention has no component "
                            "equivalent; set attention to none first")
    assert doc.snapshot() == before and doc.revision == revision
    assert editor.undo_stack.count() == 0


def test_expand_applies_to_one_selected_unet_only(editor):
    doc = u_net(editor)
    editor.select_nodes(["input"])
    assert not editor.actions.expand.isEnabled()
    editor.select_nodes(["unet", "target"])
    assert not editor.actions.expand.isEnabled()
    assert editor.expand_selection() == []
    editor.select_nodes(["unet"])
    assert editor.actions.expand.isEnabled()
    assert doc.has_node("unet")


@pytest.mark.qt_log_ignore("This plugin does not support raise\\(\\)",
                           "This plugin does not support grabbing the keyboard", extend=True)
def test_the_node_context_menu_offers_expand_for_a_unet(editor):
    u_net(editor)
    editor.push(AddNodeCommand(editor.document, "Convolution", (0, 300), node_id="conv"))
    editor.push(ConnectCommand(editor.document, "input", "out", "conv", "in"))
    scene = editor.scene
    menu = editor.show_context_menu(QPointF(), QPoint(), scene.nodes["unet"])
    assert "Expand to Components" in [a.text() for a in menu.actions()]
    menu.close()
    menu = editor.show_context_menu(QPointF(), QPoint(), scene.nodes["conv"])
    assert "Expand to Components" not in [a.text() for a in menu.actions()]
    menu.close()


def test_the_edit_menu_has_expand_and_it_works_in_the_window(main_window):
    window = main_window
    u_net(window.editor)
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.editor.actions.expand in edit_menu.actions()
    window.editor.select_nodes(["unet"])
    window.editor.actions.expand.trigger()
    assert not window.project.graph.has_node("unet")
    assert window.statusBar().currentMessage().startswith("Expanded unet into ")
    window.undo_stack.undo()
    assert window.project.graph.has_node("unet")


def test_expand_command_plans_from_the_document():
    doc = chain(("Input", {"height": 32, "width": 32}), ("UNet", {"depth": 1}),
                ("Target", {"classes": 2}), ids=["input", "unet", "target"])
    command = expand_command(doc, "unet")
    assert command.node_ids[0] == "enc1_conv1" and command.node_ids[-1] == "head"
    command.redo()
    command.undo()
    assert [n.id for n in doc.nodes] == ["input", "unet", "target"]
