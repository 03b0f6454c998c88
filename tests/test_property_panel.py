"""The property panel edits the selected node: a change in its form is one undo step and
the canvas's shape badges follow; a refused value leaves the document as it was; several
nodes of one type change together; the id can be renamed and the wires follow."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from canvas.commands import SetSettingCommand
from tests.panel_helpers import badges, open_window, spin, type_into


def test_changing_filters_updates_the_downstream_badges_and_undo_restores_them(
        make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1"])
    assert badges(window)["conv1"] == "8x32x32" and badges(window)["pool"] == "8x16x16"
    type_into(spin(window, "filters"), "24")
    doc = window.project.graph
    assert doc.node("conv1").settings["filters"] == 24
    assert badges(window)["conv1"] == "24x32x32"
    assert badges(window)["pool"] == "24x16x16"  # downstream, without waiting for a debounce
    assert window.undo_stack.count() == 1
    assert window.undo_stack.text(0) == "Set conv1.filters to 24"
    window.undo_stack.undo()
    window.controller.refresh_analysis()
    assert doc.node("conv1").settings["filters"] == 8
    assert badges(window)["conv1"] == "8x32x32" and badges(window)["pool"] == "8x16x16"
    assert spin(window, "filters").value() == 8  # the form shows the undone value
    window.undo_stack.redo()
    assert spin(window, "filters").value() == 24


def test_an_out_of_range_value_is_refused_beside_the_field_and_changes_nothing(
        make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1"])
    doc = window.project.graph
    revision = doc.revision
    type_into(spin(window, "filters"), "5000")
    form = window.details.settings.form
    assert form.error("filters") == "got 5000, expected a whole number from 1 to 4096"
    assert form.error_label("filters").isVisible()
    assert doc.revision == revision and doc.node("conv1").settings["filters"] == 8
    assert window.undo_stack.count() == 0
    assert spin(window, "filters").value() == 8
    type_into(spin(window, "filters"), "12")  # the next good value clears the reason
    assert form.error("filters") == "" and doc.node("conv1").settings["filters"] == 12


def test_a_value_the_wires_forbid_is_refused_with_the_documents_reason(make_window, qtbot):
    window = open_window(make_window, qtbot)
    doc = window.project.graph
    merge = doc.add_node("Merge", (0, 300), {"inputs": 3}, "merge")
    doc.connect("conv2", "out", "merge", "in3")
    window.editor.select_nodes(["merge"])
    QApplication.processEvents()
    revision = doc.revision
    type_into(spin(window, "inputs"), "2")
    assert window.details.settings.form.error("inputs") == (
        "port 'in3' of 'merge' is wired; remove that wire first")
    assert doc.revision == revision and merge.settings["inputs"] == 3


def test_a_change_to_several_nodes_of_one_type_is_one_undo_step(make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1", "conv2", "head"])
    doc = window.project.graph
    assert "3 nodes selected" in window.details.heading.text()
    assert spin(window, "filters").text() == "mixed"  # 8, 8 and 3
    assert not window.details.settings.id_row.isVisible()  # one id per node: not here
    type_into(spin(window, "filters"), "16")
    assert [doc.node(n).settings["filters"] for n in ("conv1", "conv2", "head")] == [16] * 3
    assert window.undo_stack.count() == 1
    assert window.undo_stack.text(0) == "Set filters of 3 nodes to 16"
    window.undo_stack.undo()
    assert [doc.node(n).settings["filters"] for n in ("conv1", "conv2", "head")] == [8, 8, 3]
    assert spin(window, "filters").text() == "mixed"


def test_nodes_of_different_types_get_no_form(make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1", "pool"])
    assert "2 nodes selected" in window.details.heading.text()
    assert window.details.settings.isHidden()


def test_renaming_a_node_keeps_its_wires_its_place_and_its_group(make_window, qtbot):
    window = open_window(make_window, qtbot)
    doc = window.project.graph
    window.editor.select_nodes(["conv1", "pool"])
    window.editor.group_selection("Encoder")
    before = doc.snapshot()
    window.editor.select_nodes(["conv1"])
    QApplication.processEvents()
    field = window.details.settings.id_edit
    assert field.text() == "conv1"
    type_into(field, "encoder_conv")
    assert not doc.has_node("conv1") and doc.node("encoder_conv").settings["filters"] == 8
    assert [(e.source, e.target) for e in doc.edges] == [
        ("input", "encoder_conv"), ("encoder_conv", "pool"), ("pool", "conv2"),
        ("conv2", "up"), ("up", "head"), ("head", "target")]
    assert [n.id for n in doc.nodes][:2] == ["input", "encoder_conv"]
    assert doc.frames[0].nodes == ["encoder_conv", "pool"]
    assert window.undo_stack.text(window.undo_stack.count() - 1) == "Rename conv1 to encoder_conv"
    assert window.editor.selected_node_ids() == ["encoder_conv"]  # still the one selected
    assert "encoder_conv" in window.details.heading.text()
    assert len(window.editor.scene.edges) == 6
    window.undo_stack.undo()
    assert doc.snapshot() == before  # wires, order, group and settings as they were


def test_a_taken_or_malformed_id_is_refused_beside_the_field(make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1"])
    doc = window.project.graph
    revision = doc.revision
    section = window.details.settings
    type_into(section.id_edit, "conv2")
    assert section.id_refusal == "'conv2' is taken by another node"
    type_into(section.id_edit, "2nd conv")
    assert section.id_refusal == ("'2nd conv' is not a valid id: use letters, digits and _, "
                                  "not starting with a digit")
    type_into(section.id_edit, "")
    assert section.id_refusal == "an id cannot be empty"
    assert doc.revision == revision and window.undo_stack.count() == 0
    assert section.id_error.isVisible()


def test_the_form_follows_an_edit_made_elsewhere_and_a_file_value_that_is_refused(
        make_window, qtbot):
    window = open_window(make_window, qtbot, select=["conv1"])
    doc = window.project.graph
    window.undo_stack.push(SetSettingCommand(doc, "conv1", "kernel_size", 5))
    assert spin(window, "kernel_size").value() == 5
    doc.restore_setting("conv1", "filters", 99_999)  # what a file with a bad value opens as
    window.details.refresh()
    form = window.details.settings.form
    assert spin(window, "filters").text() == "99999 (not allowed)"
    assert form.error("filters").startswith("got 99999, expected a whole number from 1 to 4096")
    type_into(spin(window, "filters"), "8")  # the default that stands in for it: still a change
    assert doc.node("conv1").invalid == {} and doc.node("conv1").settings["filters"] == 8
    window.undo_stack.undo()
    assert doc.node("conv1").invalid == {"filters": 99_999}


def test_ctrl_z_in_a_field_undoes_the_last_edit(make_window, qtbot):
    """Tried as a person: Enter in a field, then Ctrl+Z did nothing (the field took the
    keys for its own text); it undoes the edit now, as everywhere in the window."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = open_window(make_window, qtbot, select=["conv1"])
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    field = spin(window, "filters")
    type_into(field, "24")
    assert window.project.graph.node("conv1").settings["filters"] == 24
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.project.graph.node("conv1").settings["filters"] == 8
    assert field.value() == 8
    qtbot.waitUntil(lambda: badges(window)["pool"] == "8x16x16")  # the canvas's debounce
    QTest.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert window.project.graph.node("conv1").settings["filters"] == 24
