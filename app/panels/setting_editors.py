"""Editor widgets for settings, chosen by the setting's kind through a registry.

As in pyqtgraph's parametertree, a declared option (kind, range, choices, help)
picks its editor from a table of factories; nothing is built per setting by
hand. Every editor reports two things: ``changing(value)`` while the person is
still typing or stepping (a valid value, for a live preview) and
``committed(value)`` once the edit is finished (Enter, leaving the field, a
choice picked, arrow steps that have stopped): that one becomes an undo command.

A committed value is what the person asked for, not yet range-checked: typing
5000 into a field limited to 4096 commits 5000, and the owner's check refuses it
with the reason (the document stays as it was). Text that is no value of the
kind at all ("abc" for a number) is reported as ``invalid(message)`` instead.
``set_value`` never emits, so an owner can show the document's values freely.

The widgets live in editor_widgets.py (check box, combo box, typed text) and
spin_editor.py; this module maps kinds to them.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QWidget

from components.schema import Setting

from .editor_widgets import (MIXED, CheckEditor, ComboEditor, SettingEditor, TextFieldEditor,
                             pass_undo_keys)
from .spin_editor import SpinEditor

__all__ = ["MIXED", "CheckEditor", "ComboEditor", "SettingEditor", "SpinEditor",
           "TextFieldEditor", "create_editor", "register_editor"]

EditorFactory = Callable[[Setting, "QWidget | None"], SettingEditor]
_FACTORIES: dict[str, EditorFactory] = {}


def register_editor(kind: str) -> Callable[[EditorFactory], EditorFactory]:
    """Decorator: the factory that builds editors for settings of ``kind``."""
    def add(factory: EditorFactory) -> EditorFactory:
        _FACTORIES[kind] = factory
        return factory
    return add


def create_editor(setting: Setting, parent: QWidget | None = None) -> SettingEditor:
    """The editor for a setting, from its kind; ValueError names an unknown kind."""
    try:
        factory = _FACTORIES[setting.kind]
    except KeyError:
        raise ValueError(f"no editor for setting kind '{setting.kind}' of '{setting.name}' "
                         f"(registered: {', '.join(sorted(_FACTORIES))})") from None
    editor = factory(setting, parent)
    editor.set_value(setting.default)
    for widget in editor.input_widgets():
        pass_undo_keys(widget)
    return editor


@register_editor("bool")
def _bool_editor(setting: Setting, parent: QWidget | None) -> SettingEditor:
    if not setting.special:
        return CheckEditor(setting, parent)
    options = [(s, s) for s in setting.special] + [("on", True), ("off", False)]
    return ComboEditor(setting, options, parent)


@register_editor("choice")
def _choice_editor(setting: Setting, parent: QWidget | None) -> SettingEditor:
    return ComboEditor(setting, [(c, c) for c in setting.choices + setting.special], parent)


@register_editor("int")
def _int_editor(setting: Setting, parent: QWidget | None) -> SettingEditor:
    if SpinEditor.fits(setting):
        return SpinEditor(setting, parent)
    return TextFieldEditor(setting, parent)


@register_editor("text")
def _text_editor(setting: Setting, parent: QWidget | None) -> SettingEditor:
    if not setting.pattern:
        return ComboEditor(setting, [(c, c) for c in setting.choices + setting.special], parent)
    return TextFieldEditor(setting, parent)


register_editor("float")(TextFieldEditor)
register_editor("floats")(TextFieldEditor)
