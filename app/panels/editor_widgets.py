"""The editor widgets behind setting_editors' registry: the common face, check box,
combo box and typed text field (the spin box is in spin_editor.py).

setting_editors.py explains the signals; this module only builds widgets.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

from components.errors import SettingError
from components.schema import Setting

from .setting_edits import error_text, format_value, parse_text, tooltip

MIXED = "mixed"
"""What a field shows when the selected nodes differ in this setting."""


class SettingEditor(QWidget):
    """The common face of every editor: value in, changing/committed/invalid out."""

    changing = Signal(object)
    committed = Signal(object)
    invalid = Signal(str)

    def __init__(self, setting: Setting, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setting = setting
        self._value: Any = setting.default
        self.mixed = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setToolTip(tooltip(setting))

    def value(self) -> Any:
        """The value last shown by set_value or committed here."""
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting anything."""
        self._value, self.mixed = value, False
        blockers = [w.blockSignals(True) for w in self._inputs()]
        try:
            self._show(value)
        finally:
            for widget, was in zip(self._inputs(), blockers):
                widget.blockSignals(was)

    def set_mixed(self, text: str = MIXED) -> None:
        """Show that the selected nodes differ here (no value of their own), or with
        another ``text`` a value that cannot be shown as one ("12 (not allowed)")."""
        self.mixed = True
        blockers = [w.blockSignals(True) for w in self._inputs()]
        try:
            self._show_mixed(text)
        finally:
            for widget, was in zip(self._inputs(), blockers):
                widget.blockSignals(was)

    def input_widget(self) -> QWidget:
        """The widget a person types into or clicks (tests drive this one)."""
        return self._inputs()[0]

    def input_widgets(self) -> list[QWidget]:
        """Every widget that takes the person's keys and clicks."""
        return list(self._inputs())

    def _commit(self, value: Any) -> None:
        """Emit a finished edit when it differs from what is shown (or the field was mixed)."""
        if self.mixed or value != self._value or type(value) is not type(self._value):
            self._value, self.mixed = value, False
            self.committed.emit(value)

    # --- for subclasses -----------------------------------------------------------------
    def _inputs(self) -> list[QWidget]:
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _show_mixed(self, text: str) -> None:
        raise NotImplementedError


class CheckEditor(SettingEditor):
    """bool: a check box (partly checked while mixed)."""

    def __init__(self, setting: Setting, parent: QWidget | None = None) -> None:
        super().__init__(setting, parent)
        self.box = QCheckBox(self)
        self.box.clicked.connect(self._clicked)
        self.layout().addWidget(self.box)
        self.layout().addStretch(1)

    def _inputs(self) -> list[QWidget]:
        return [self.box]

    def _show(self, value: Any) -> None:
        self.box.setTristate(False)
        self.box.setChecked(bool(value))

    def _show_mixed(self, text: str) -> None:
        self.box.setTristate(True)
        self.box.setCheckState(Qt.CheckState.PartiallyChecked)

    def _clicked(self) -> None:
        checked = self.box.checkState() != Qt.CheckState.Unchecked
        self.box.setTristate(False)
        self.box.setChecked(checked)
        self.changing.emit(checked)
        self._commit(checked)


class ComboEditor(SettingEditor):
    """A fixed list of values: choices, specials, on/off for a bool with specials."""

    def __init__(self, setting: Setting, options: list[tuple[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(setting, parent)
        self.options = options
        self.combo = _narrow(QComboBox(self))
        self.combo.setPlaceholderText(MIXED)
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.installEventFilter(WHEEL_GUARD)
        for label, _ in options:
            self.combo.addItem(label)
        self.combo.activated.connect(self._activated)
        self.layout().addWidget(self.combo, 1)

    def _inputs(self) -> list[QWidget]:
        return [self.combo]

    def _show(self, value: Any) -> None:
        index = next((i for i, (_, v) in enumerate(self.options)
                      if v == value and type(v) is type(value)), -1)
        self.combo.setCurrentIndex(index)

    def _show_mixed(self, text: str) -> None:
        self.combo.setPlaceholderText(text)
        self.combo.setCurrentIndex(-1)

    def _activated(self, index: int) -> None:
        value = self.options[index][1]
        self.changing.emit(value)
        self._commit(value)


class TextFieldEditor(SettingEditor):
    """Typed values: floats (``1e-4`` works), text with choices or a pattern, lists of
    numbers, and ints a spin box cannot hold. Known words (choices, specials) are
    offered in a drop-down beside free typing."""

    def __init__(self, setting: Setting, parent: QWidget | None = None) -> None:
        super().__init__(setting, parent)
        words = list(setting.choices if setting.kind == "text" else ()) + list(setting.special)
        if words:
            self.combo: QComboBox | None = _narrow(QComboBox(self))
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.addItems(words)
            self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.combo.installEventFilter(WHEEL_GUARD)
            self.combo.activated.connect(self._picked)
            self.line = self.combo.lineEdit()
            self.layout().addWidget(self.combo, 1)
        else:
            self.combo = None
            self.line = QLineEdit(self)
            self.layout().addWidget(self.line, 1)
        self.line.setPlaceholderText(_placeholder(setting))
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)

    def _inputs(self) -> list[QWidget]:
        return [self.line] + ([self.combo] if self.combo is not None else [])

    def _show(self, value: Any) -> None:
        self._mark(False)
        self.line.setPlaceholderText(_placeholder(self.setting))
        self.line.setText(format_value(self.setting, value))

    def _show_mixed(self, text: str) -> None:
        self._mark(False)
        self.line.clear()
        self.line.setPlaceholderText(text)

    def _parse(self, text: str) -> Any:
        return parse_text(self.setting, text)

    def _edited(self, text: str) -> None:
        try:
            value = self.setting.validate(self._parse(text))
        except SettingError:
            self._mark(True)
            return
        self._mark(False)
        self.changing.emit(value)

    def set_options(self, options: list[tuple[str, str]]) -> None:
        """The drop-down's entries as (label, value): e.g. ("cuda:0 · NVIDIA H200",
        "cuda:0") for the GPUs found. Picking one commits its value; typing stays free."""
        if self.combo is None:
            raise ValueError(f"'{self.setting.name}' has no list of words to offer")
        text, blocked = self.line.text(), self.combo.blockSignals(True)
        self.combo.clear()
        for label, value in options:
            self.combo.addItem(label, value)
        self.line.setText(text)
        self.combo.blockSignals(blocked)

    def _picked(self, index: int) -> None:
        value = self.combo.itemData(index)
        self._submit(value if isinstance(value, str) else self.combo.itemText(index))
        self.line.setText(self.line.text() if self.mixed else format_value(self.setting,
                                                                           self._value))

    def _finished(self) -> None:
        if self.mixed and not self.line.text().strip():
            return  # left a mixed field without typing: nothing asked for
        self._submit(self.line.text())

    def _submit(self, text: str) -> None:
        try:
            value = self._parse(text)
        except SettingError as error:
            self._mark(True)
            self.invalid.emit(error_text(error))
            return
        self._commit(value)

    def _mark(self, bad: bool) -> None:
        """A red frame while the text is no valid value (the stylesheet reads the property)."""
        if self.line.property("invalid") != bad:
            self.line.setProperty("invalid", bad)
            self.line.setStyleSheet("border: 1px solid #d92626;" if bad else "")


def _narrow(combo: QComboBox) -> QComboBox:
    """A combo box as wide as the form gives it, not as its longest entry: a device named
    "cuda:0 · NVIDIA H200" must not widen the dock past the screen."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


def _placeholder(setting: Setting) -> str:
    if setting.kind == "floats":
        count = f"{setting.length} numbers" if setting.length else "numbers"
        return f"{count}, e.g. {format_value(setting, (1.0, 0.5))}"
    if setting.kind == "text" and setting.pattern:
        return setting.pattern_help or setting.pattern
    return ""


class _WheelGuard(QObject):
    """Drop wheel events on unfocused combo boxes so scrolling a panel never
    changes a value under the pointer."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) \
                and not watched.hasFocus():
            event.ignore()
            return True
        return False


WHEEL_GUARD = _WheelGuard()


class _UndoKeys(QObject):
    """Ctrl+Z and Ctrl+Shift+Z in a field undo and redo the project's last edit, as they
    do everywhere else in the window: a line edit would otherwise take them for its own
    text, and after a value was committed with Enter, Ctrl+Z would seem to do nothing."""

    KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and any(event.matches(key) for key in self.KEYS):
            event.ignore()  # not overridden: the window's Undo / Redo shortcut fires
            return True
        return False


UNDO_KEYS = _UndoKeys()


def pass_undo_keys(widget: QWidget) -> None:
    """Let the window's Undo and Redo shortcuts through ``widget`` (and its line edit)."""
    widget.installEventFilter(UNDO_KEYS)
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else None
    if line is not None:
        line.installEventFilter(UNDO_KEYS)
