"""The owner's half of a settings form: checked edits, undo, refusals, several nodes."""
from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from app.panels.setting_edits import (error_text, format_value, parse_text, prepare_node_edit,
                                      prepare_section_edit, selection_values)
from app.panels.settings_form import SettingsForm
from canvas.commands import CompoundCommand, SetSettingCommand
from components import registry
from components.compiler import analyze
from components.errors import GraphError, SettingError, StudioError
from components.schema import Setting, schema
from tests.helpers import chain, shown

CONV = {"filters": 8}


def small_graph():
    return chain(("Input", {"channels": 1, "height": 32, "width": 32}), ("Convolution", CONV),
                 ("Convolution", CONV), ("Convolution", {"filters": 2}), ("Target", {}),
                 ids=["input", "conv1", "conv2", "head", "target"])


class PanelOwner:
    """What the property panel does with its form (the documented recipe)."""

    def __init__(self, form, doc, stack, selected):
        self.form, self.doc, self.stack, self.selected = form, doc, stack, selected
        form.committed.connect(self.on_committed)
        self.refresh()

    def refresh(self):
        _, _, values, mixed = selection_values(self.doc, self.selected)
        self.form.set_values(values, mixed)

    def on_committed(self, name, value):
        try:
            edit = prepare_node_edit(self.doc, self.selected, name, value)
        except StudioError as error:
            self.refresh()
            self.form.set_error(name, error_text(error))
            return
        if edit.changes:
            self.stack.push(CompoundCommand(edit.text, [
                SetSettingCommand(self.doc, node, name, new) for node, _, new in edit.changes]))
        self.refresh()


@pytest.fixture
def panel(qtbot):
    doc, stack = small_graph(), QUndoStack()
    form = shown(qtbot, SettingsForm(registry.get("Convolution").SCHEMA), 320, 700)
    return PanelOwner(form, doc, stack, ["conv1"])


def type_into(spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def test_changing_filters_in_the_form_updates_downstream_shapes_and_undo_restores(panel):
    assert analyze(panel.doc).shapes["conv2"] == (8, 32, 32)
    type_into(panel.form.editor("filters").input_widget(), "24")
    assert panel.doc.node("conv1").settings["filters"] == 24
    assert analyze(panel.doc).shapes["conv1"] == (24, 32, 32)
    assert panel.stack.count() == 1 and panel.stack.text(0) == "Set conv1.filters to 24"
    panel.stack.undo()
    panel.refresh()
    assert panel.doc.node("conv1").settings["filters"] == 8
    assert panel.form.editor("filters").input_widget().value() == 8


def test_an_out_of_range_value_is_refused_with_the_reason_and_the_document_unchanged(panel):
    type_into(panel.form.editor("filters").input_widget(), "5000")
    assert panel.doc.node("conv1").settings["filters"] == 8
    assert panel.stack.count() == 0
    assert panel.form.error("filters") == "got 5000, expected a whole number from 1 to 4096"
    assert panel.form.editor("filters").input_widget().value() == 8


def test_one_edit_of_several_nodes_is_one_undo_step(panel):
    panel.selected = ["conv1", "conv2", "head"]
    panel.refresh()
    spin = panel.form.editor("filters").input_widget()
    assert spin.text() == "mixed"  # 8, 8 and 2
    type_into(spin, "16")
    assert [panel.doc.node(n).settings["filters"] for n in ("conv1", "conv2", "head")] == [16] * 3
    assert panel.stack.count() == 1 and panel.stack.text(0) == "Set filters of 3 nodes to 16"
    panel.stack.undo()
    assert [panel.doc.node(n).settings["filters"] for n in ("conv1", "conv2", "head")] == [8, 8, 2]


def test_nodes_that_already_have_the_value_are_left_out_of_the_edit():
    doc = small_graph()
    edit = prepare_node_edit(doc, ["conv1", "head"], "filters", 2)
    assert edit.changes == (("conv1", 8, 2),)
    assert prepare_node_edit(doc, ["head"], "filters", 2.0).changes == ()  # 2.0 -> int 2


def test_a_refusal_on_one_of_several_nodes_names_that_node():
    doc = chain(("Input", {}), ("Merge", {"inputs": 3}), ids=["input", "merge"])
    doc.disconnect(doc.edges[0])
    doc.connect("input", "out", "merge", "in3")
    doc.add_node("Merge", node_id="merge2")
    with pytest.raises(GraphError, match="port 'in3' of 'merge' is wired"):
        prepare_node_edit(doc, ["merge2", "merge"], "inputs", 2)
    with pytest.raises(SettingError, match=r"got 9, expected .* \(node 'merge2'\)"):
        prepare_node_edit(doc, ["merge2", "merge"], "inputs", 9)
    assert doc.node("merge").settings["inputs"] == 3


def test_selection_values_mark_differences_and_refuse_mixed_types():
    doc = small_graph()
    type_name, form_schema, values, mixed = selection_values(doc, ["conv1", "head"])
    assert type_name == "Convolution" and "filters" in form_schema
    assert values["filters"] == 8 and mixed == {"filters"}
    with pytest.raises(GraphError, match=r"different types \(Convolution, Input\)"):
        selection_values(doc, ["conv1", "input"])
    with pytest.raises(GraphError, match="no node selected"):
        selection_values(doc, [])


def test_section_edits_check_against_the_schema():
    section = schema(Setting("epochs", "int", 20, minimum=1, maximum=100),
                     Setting("rate", "float", 0.001, minimum=1e-9, maximum=1.0))
    assert prepare_section_edit(section, {"epochs": 20}, "epochs", 30) == (20, 30)
    assert prepare_section_edit(section, {}, "rate", 0.001) is None  # the default already
    with pytest.raises(SettingError, match="'epochs': got 0"):
        prepare_section_edit(section, {}, "epochs", 0)


def test_text_and_values_round_trip():
    rate = Setting("rate", "float", 0.001, minimum=0.0, maximum=1.0)
    weights = Setting("weights", "floats", "auto", minimum=0.0, special=("auto", "none"))
    count = Setting("count", "int", 3, minimum=1, maximum=9)
    assert parse_text(rate, " 1e-4 ") == 0.0001 and format_value(rate, 0.0001) == "0.0001"
    assert parse_text(weights, "1; 2.5  3") == (1.0, 2.5, 3.0)
    assert format_value(weights, (1.0, 2.5)) == "1.0, 2.5" and parse_text(weights, "none") == "none"
    assert parse_text(count, "4") == 4 and isinstance(parse_text(count, "4.0"), int)
    assert parse_text(count, "4.5") == 4.5  # the schema refuses it with the range
    for bad in ("abc", "nan", "inf", ""):
        with pytest.raises(SettingError):
            parse_text(rate, bad)
    with pytest.raises(SettingError, match="expected"):
        parse_text(weights, "[]")


def test_the_owner_side_imports_no_qt():
    code = ("import sys, app.panels.setting_edits; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
