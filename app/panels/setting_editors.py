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
"""
from __future__ import annotations

import re
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QValidator, QWheelEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from components.errors import SettingError
from components.schema import Setting

from .setting_edits import error_text, format_value, parse_text, tooltip

MIXED = "mixed"
"""What a field shows when the selected nodes differ in this setting."""
STEP_COMMIT_MS = 400
"""Arrow or wheel steps that stop for this long are one committed edit (not one per step)."""
SPIN_LIMIT = 2**31 - 1  # QSpinBox holds a C int
_WHOLE = re.compile(r"[+-]?\d+")


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

    def set_mixed(self) -> None:
        """Show that the selected nodes differ here (no value of their own)."""
        self.mixed = True
        blockers = [w.blockSignals(True) for w in self._inputs()]
        try:
            self._show_mixed()
        finally:
            for widget, was in zip(self._inputs(), blockers):
                widget.blockSignals(was)

    def input_widget(self) -> QWidget:
        """The widget a person types into or clicks (tests drive this one)."""
        return self._inputs()[0]

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

    def _show_mixed(self) -> None:
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

    def _show_mixed(self) -> None:
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
        self.combo = QComboBox(self)
        self.combo.setPlaceholderText(MIXED)
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.installEventFilter(_WHEEL_GUARD)
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

    def _show_mixed(self) -> None:
        self.combo.setCurrentIndex(-1)

    def _activated(self, index: int) -> None:
        value = self.options[index][1]
        self.changing.emit(value)
        self._commit(value)


class _Spin(QSpinBox):
    """A spin box for a whole number with an optional special word (``auto``) one step
    below the minimum and a "mixed" slot below that, both drawn by Qt itself (so no
    repaint can bring a number back into a mixed field). Typed numbers outside the
    range are reported instead of silently dropped; the wheel steps only with focus."""

    typed_out_of_range = Signal(str)

    def __init__(self, low: int, high: int, word: str | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.word, self.high = word, high
        self.word_value = low - 1 if word else None
        self.first = low - 1 if word else low  # the lowest real slot (the word or a number)
        self.mixed = False
        self.set_mixed(False)

    def set_mixed(self, mixed: bool) -> None:
        self.mixed = mixed
        self.setRange(self.first - (1 if mixed else 0), self.high)
        self.setSpecialValueText(MIXED if mixed else (self.word or ""))
        if mixed:
            self.setValue(self.minimum())

    def slot_value(self) -> Any:
        """The value shown: a number, the special word, or None for "mixed"."""
        value = self.value()
        if self.mixed and value == self.minimum():
            return None
        return self.word if self.word and value == self.word_value else value

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt's name
        if self.word and value == self.word_value:
            return self.word
        return super().textFromValue(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 - Qt's name
        clean = text.strip()
        if self.word and clean == self.word:
            return self.word_value
        if clean == self.specialValueText():
            return self.minimum()
        return super().valueFromText(text)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:  # noqa: D102
        state, text, pos = super().validate(text, pos)
        clean = text.strip()
        words = [w for w in (self.word, MIXED if self.mixed else None) if w]
        if clean in words:
            return QValidator.State.Acceptable, text, pos
        if any(w.startswith(clean) for w in words) or (
                state == QValidator.State.Invalid and _WHOLE.fullmatch(clean)):
            return QValidator.State.Intermediate, text, pos  # on the way to a word, or
        return state, text, pos                             # past the range: reported

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._check_typed()
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        self._check_typed()
        super().focusOutEvent(event)

    def _check_typed(self) -> None:
        text = self.cleanText().strip()
        if text and not self.hasAcceptableInput():
            self.typed_out_of_range.emit(text)
            self.lineEdit().setText(self.textFromValue(self.value()) if self.value() !=
                                    self.minimum() or not self.specialValueText()
                                    else self.specialValueText())  # never clamped

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # let the panel scroll instead of changing a value by accident


class SpinEditor(SettingEditor):
    """int: a spin box with the schema's range; one special word (``auto``) sits
    just below the minimum, shown as that word."""

    def __init__(self, setting: Setting, parent: QWidget | None = None) -> None:
        super().__init__(setting, parent)
        low = int(setting.minimum) if setting.minimum is not None else -SPIN_LIMIT + 2
        high = int(setting.maximum) if setting.maximum is not None else SPIN_LIMIT
        self.spin = _Spin(low, high, setting.special[0] if setting.special else None, self)
        self.spin.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.spin.setAccelerated(True)
        self.spin.valueChanged.connect(self._changed)
        self.spin.editingFinished.connect(self._finished)
        self.spin.typed_out_of_range.connect(self._typed_out_of_range)
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(STEP_COMMIT_MS)
        self._step_timer.timeout.connect(self._finished)
        self._typing = False
        self.spin.lineEdit().textEdited.connect(self._edited)
        self.layout().addWidget(self.spin, 1)

    @staticmethod
    def fits(setting: Setting) -> bool:
        """Whether a C-int spin box holds the range, with room for one word and "mixed"."""
        low = setting.minimum if setting.minimum is not None else -SPIN_LIMIT + 2
        high = setting.maximum if setting.maximum is not None else SPIN_LIMIT
        return len(setting.special) <= 1 and -SPIN_LIMIT + 2 <= low and high <= SPIN_LIMIT

    def _inputs(self) -> list[QWidget]:
        return [self.spin]

    def _show(self, value: Any) -> None:
        self._step_timer.stop()
        self._typing = False
        self.spin.set_mixed(False)
        self.spin.setValue(self.spin.word_value if value == self.spin.word else int(value))

    def _show_mixed(self) -> None:
        self._step_timer.stop()
        self._typing = False
        self.spin.set_mixed(True)

    def _edited(self, text: str) -> None:
        self._typing = True

    def _changed(self, value: int) -> None:
        shown = self.spin.slot_value()
        if shown is None:
            return  # stepped back onto "mixed": nothing to preview
        self.changing.emit(shown)
        if not self._typing:  # an arrow, the wheel, PageUp: commit once the steps stop
            self._step_timer.start()

    def _finished(self) -> None:
        self._step_timer.stop()
        self._typing = False
        value = self.spin.slot_value()
        if value is None:
            return  # left a mixed field as it was: nothing asked for
        if self.spin.mixed:
            was = self.spin.blockSignals(True)
            self.spin.set_mixed(False)
            self.spin.blockSignals(was)
        self._commit(value)

    def _typed_out_of_range(self, text: str) -> None:
        self._step_timer.stop()
        self._typing = False
        try:
            value = parse_text(self.setting, text)
        except SettingError as error:
            self.invalid.emit(error_text(error))
            return
        if self.mixed:
            self.set_mixed()  # typing on the way there moved the spin box
        else:
            self.set_value(self._value)
        self.committed.emit(value)  # the owner refuses it with the reason


class TextFieldEditor(SettingEditor):
    """Typed values: floats (``1e-4`` works), text with choices or a pattern, lists of
    numbers, and ints a spin box cannot hold. Known words (choices, specials) are
    offered in a drop-down beside free typing."""

    def __init__(self, setting: Setting, parent: QWidget | None = None) -> None:
        super().__init__(setting, parent)
        words = list(setting.choices if setting.kind == "text" else ()) + list(setting.special)
        if words:
            self.combo: QComboBox | None = QComboBox(self)
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.addItems(words)
            self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.combo.installEventFilter(_WHEEL_GUARD)
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

    def _show_mixed(self) -> None:
        self._mark(False)
        self.line.clear()
        self.line.setPlaceholderText(MIXED)

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


_WHEEL_GUARD = _WheelGuard()

# --- the registry ------------------------------------------------------------------------
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
