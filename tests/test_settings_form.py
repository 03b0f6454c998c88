"""The generated settings form: one editor per setting, from the schema alone."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from app.panels.setting_editors import (ComboEditor, SpinEditor, TextFieldEditor, create_editor,
                                        register_editor)
from app.panels.settings_form import SettingsForm, short_help
from components import registry
from components.schema import Setting, schema
from tests.helpers import shown

EVERY_KIND = schema(
    Setting("rounds", "int", 10, "How many rounds.", minimum=1, maximum=500, group="Run"),
    Setting("lucky", "int", 7, "A number a spin box cannot hold.", minimum=0,
            maximum=2**32 - 1, group="Run"),
    Setting("patience", "int", "off", "Rounds to wait.", minimum=1, maximum=99,
            special=("off",), group="Run"),
    Setting("method", "choice", "plain", "How to go.", choices=("plain", "fancy"),
            group="Method"),
    Setting("rate", "float", 0.001, "Step size. Typed as 1e-4 too.", minimum=1e-9,
            maximum=10.0, group="Method"),
    Setting("twist", "float", "off", "Only for fancy.", minimum=0.0, maximum=1.0,
            special=("off",), group="Method", when=(("method", ("fancy",)),)),
    Setting("pairs", "floats", (0.9, 0.99), "Two decay rates.", minimum=0.0, maximum=1.0,
            length=2, group="Method", when=(("method", ("fancy",)),)),
    Setting("weights", "floats", "none", "Per class.", minimum=0.0, maximum=100.0,
            special=("none", "auto"), group="Method"),
    Setting("fast", "bool", False, "Go fast.", group="Hardware"),
    Setting("layout", "bool", "auto", "Memory layout.", special=("auto",), group="Hardware"),
    Setting("where", "text", "auto", "Where to run.", choices=("auto", "cpu", "cuda"),
            pattern=r"cuda:\d+", pattern_help="cuda:N", group="Hardware"),
    Setting("flavour", "text", "sweet", "A text of choices only.", choices=("sweet", "sour"),
            group="Hardware"),
)


@pytest.fixture
def form(qtbot):
    return shown(qtbot, SettingsForm(EVERY_KIND), 360, 900)


def commits(form):
    seen = []
    form.committed.connect(lambda name, value: seen.append((name, value)))
    return seen


def type_into(widget, text, finish=Qt.Key.Key_Return):
    widget.setFocus()
    line = widget.lineEdit() if isinstance(widget, (QSpinBox, QComboBox)) else widget
    line.selectAll()
    QTest.keyClicks(widget, text)
    if finish is not None:
        QTest.keyClick(widget, finish)


@pytest.mark.parametrize("type_name", registry.names())
def test_every_component_gets_a_form_from_its_schema(qtbot, type_name):
    component = registry.get(type_name)
    form = SettingsForm(component.SCHEMA)
    qtbot.addWidget(form)
    for setting in component.SCHEMA:
        editor = form.editor(setting.name)
        assert form.label(setting.name).text() == setting.title
        assert setting.help in form.label(setting.name).toolTip()
        assert setting.describe_allowed() in editor.toolTip()
        assert form.help_label(setting.name).text() == short_help(setting.help)
        assert editor.value() == setting.default
        if setting.kind == "int" and not setting.special:
            spin = editor.input_widget()
            assert (spin.minimum(), spin.maximum()) == (setting.minimum, setting.maximum)
        if setting.kind == "choice":
            combo = editor.input_widget()
            assert [combo.itemText(i) for i in range(combo.count())] == list(setting.choices)
            assert combo.currentText() == setting.default
        if setting.kind == "bool":
            assert editor.input_widget().isChecked() is setting.default


def test_each_kind_has_its_editor_and_the_sections_follow_the_groups(form):
    assert form.groups == ["Run", "Method", "Hardware"]
    kinds = {name: next(k for k in (QSpinBox, QLineEdit, QComboBox, QCheckBox)
                        if isinstance(form.editor(name).input_widget(), k))
             for name in EVERY_KIND.names()}
    assert kinds == {"rounds": QSpinBox, "lucky": QLineEdit, "patience": QSpinBox,
                     "method": QComboBox, "rate": QLineEdit, "twist": QLineEdit,
                     "pairs": QLineEdit, "weights": QLineEdit, "fast": QCheckBox,
                     "layout": QComboBox, "where": QLineEdit, "flavour": QComboBox}
    patience = form.editor("patience").input_widget()
    assert patience.text() == "off" and patience.minimum() == 0  # 'off' sits below 1
    layout = form.editor("layout").input_widget()
    assert [layout.itemText(i) for i in range(layout.count())] == ["auto", "on", "off"]
    weights = form.editor("weights")
    assert isinstance(weights, TextFieldEditor)
    assert [weights.combo.itemText(i) for i in range(weights.combo.count())] == ["none", "auto"]
    assert form.editor("where").line.placeholderText() == "cuda:N"
    assert "Used only when method is fancy." in form.label("twist").toolTip()


def test_set_values_shows_them_without_emitting(form, qtbot):
    seen = commits(form)
    changing = []
    form.changing.connect(lambda *args: changing.append(args))
    form.set_values({"rounds": 42, "rate": 1e-5, "pairs": (0.5, 0.25), "fast": True,
                     "patience": 3, "where": "cuda:1", "layout": False, "method": "fancy"})
    assert form.editor("rounds").input_widget().value() == 42
    assert form.editor("rate").input_widget().text() == "1e-05"
    assert form.editor("pairs").input_widget().text() == "0.5, 0.25"
    assert form.editor("fast").input_widget().isChecked()
    assert form.editor("patience").input_widget().text() == "3"
    assert form.editor("where").input_widget().text() == "cuda:1"
    assert form.editor("layout").input_widget().currentText() == "off"
    assert seen == [] and changing == []


def test_float_field_takes_scientific_notation_and_specials(form):
    seen = commits(form)
    type_into(form.editor("rate").input_widget(), "1e-4")
    form.set_values({"method": "fancy"})
    type_into(form.editor("twist").input_widget(), "off")  # unchanged: nothing committed
    type_into(form.editor("twist").input_widget(), "0.25")
    assert seen == [("rate", 0.0001), ("twist", 0.25)]


def test_floats_list_parses_commas_spaces_and_brackets(form):
    seen = commits(form)
    weights = form.editor("weights")
    type_into(weights.input_widget(), "[1 3, 0.5]")
    type_into(weights.input_widget(), "auto")
    weights.combo.activated.emit(0)  # picked 'none' from the drop-down
    assert seen == [("weights", (1.0, 3.0, 0.5)), ("weights", "auto"), ("weights", "none")]


def test_text_that_is_no_number_is_refused_beside_the_field(form):
    seen = commits(form)
    type_into(form.editor("rate").input_widget(), "fast")
    assert seen == []
    assert form.error("rate") == "'fast' is not a number; expected a number from 1e-09 to 10"
    assert form.editor("rate").input_widget().property("invalid") is True
    type_into(form.editor("rate").input_widget(), "0.5")
    assert seen == [("rate", 0.5)] and form.error("rate") == ""


def test_typing_past_the_range_commits_the_typed_number_for_the_owner_to_refuse(form):
    seen = commits(form)
    type_into(form.editor("rounds").input_widget(), "5000")
    assert seen == [("rounds", 5000)]
    form.set_values({"rounds": 10})
    form.set_error("rounds", "got 5000, expected a whole number from 1 to 500")
    assert form.error("rounds").startswith("got 5000")
    assert form.editor("rounds").input_widget().value() == 10


def test_arrow_steps_preview_each_value_and_commit_once_they_stop(form, qtbot):
    seen = commits(form)
    changing = []
    form.changing.connect(lambda name, value: changing.append(value))
    spin = form.editor("rounds").input_widget()
    with qtbot.waitSignal(form.committed, timeout=3000):
        spin.stepBy(1)
        spin.stepBy(1)
        spin.stepBy(1)
    assert changing == [11, 12, 13]
    assert seen == [("rounds", 13)]


def test_a_special_word_below_the_minimum_is_one_step_away(form, qtbot):
    seen = commits(form)
    spin = form.editor("patience").input_widget()
    with qtbot.waitSignal(form.committed, timeout=3000):
        spin.stepBy(1)
    type_into(spin, "off")
    assert seen == [("patience", 1), ("patience", "off")]


def test_text_setting_takes_a_pattern_or_a_listed_choice(form):
    seen = commits(form)
    where = form.editor("where")
    type_into(where.input_widget(), "cuda:1")
    where.combo.activated.emit(1)
    flavour = form.editor("flavour").input_widget()
    flavour.activated.emit(1)
    assert seen == [("where", "cuda:1"), ("where", "cpu"), ("flavour", "sour")]


def test_settings_grey_out_when_their_condition_does_not_hold(form):
    assert not form.applies("twist") and not form.applies("pairs") and form.applies("rate")
    assert not form.editor("twist").isEnabled()
    form.editor("method").input_widget().activated.emit(1)  # picks 'fancy'
    assert form.applies("twist") and form.applies("pairs")
    form.set_values({"method": "plain"})
    assert not form.applies("twist")


def test_mixed_values_show_as_mixed_and_untouched_fields_commit_nothing(form, qtbot):
    seen = commits(form)
    form.set_values({"rounds": 3, "fast": True}, mixed={"rounds", "rate", "fast", "method"})
    spin = form.editor("rounds").input_widget()
    assert spin.text() == "mixed"  # drawn by the spin box itself: no repaint brings a number back
    spin.hide()
    spin.show()
    assert spin.text() == "mixed"
    assert form.editor("rate").input_widget().placeholderText() == "mixed"
    assert form.editor("fast").input_widget().checkState() == Qt.CheckState.PartiallyChecked
    assert form.editor("method").input_widget().currentIndex() == -1
    spin.setFocus()
    form.editor("rate").input_widget().setFocus()  # leaves 'rounds' untouched
    form.editor("rounds").input_widget().setFocus()  # and 'rate'
    assert seen == []
    type_into(spin, "3")  # the first node's value: still an edit for the others
    QTest.mouseClick(form.editor("fast").input_widget(), Qt.MouseButton.LeftButton)
    assert seen == [("rounds", 3), ("fast", True)]


def test_an_unknown_kind_is_refused_with_the_registered_ones(qtbot):
    class Odd:  # a Setting's kind is checked by the schema; an editor registry must say too
        kind, name = "colour", "tint"

    with pytest.raises(ValueError, match="no editor for setting kind 'colour' of 'tint' "
                                         r"\(registered: bool, choice, float, floats, int, text\)"):
        create_editor(Odd())


def test_a_new_kind_is_one_registered_factory(qtbot):
    setting = Setting("mode", "choice", "a", choices=("a", "b"))
    try:
        register_editor("choice")(lambda s, parent: ComboEditor(s, [("A!", "a"), ("B!", "b")],
                                                                parent))
        editor = create_editor(setting)
        qtbot.addWidget(editor)
        assert editor.input_widget().currentText() == "A!"
    finally:
        from app.panels import setting_editors
        register_editor("choice")(setting_editors._choice_editor)
    assert isinstance(create_editor(Setting("n", "int", 1, minimum=0, maximum=9)), SpinEditor)


def test_short_help_keeps_the_first_sentence_and_cuts_long_ones_at_a_word():
    assert short_help("Step size. Typed as 1e-4 too.") == "Step size."
    long = "word " * 40
    cut = short_help(long)
    assert cut.endswith(" …") and len(cut) <= 92 and "wor …" not in cut


def test_a_mixed_spin_box_with_a_special_word_takes_the_word_or_a_number(form, qtbot):
    seen = commits(form)
    form.set_values({}, mixed={"patience"})
    spin = form.editor("patience").input_widget()
    assert spin.text() == "mixed"
    type_into(spin, "off")  # every node gets 'off', though the first had it already
    assert seen == [("patience", "off")] and spin.text() == "off"
    form.set_values({}, mixed={"patience"})
    with qtbot.waitSignal(form.committed, timeout=3000):
        spin.stepBy(2)  # mixed -> off -> 1
    assert seen[-1] == ("patience", 1)


def test_a_text_field_lists_found_devices_by_name_and_commits_their_value(form):
    seen = commits(form)
    where = form.editor("where")
    where.set_options([("auto", "auto"), ("cpu", "cpu"), ("cuda:0 · Test GPU", "cuda:0")])
    assert [where.combo.itemText(i) for i in range(3)] == ["auto", "cpu", "cuda:0 · Test GPU"]
    where.combo.activated.emit(2)
    assert seen == [("where", "cuda:0")] and where.line.text() == "cuda:0"
    with pytest.raises(ValueError, match="'rate' has no list of words"):
        form.editor("rate").set_options([("fast", "0.1")])
