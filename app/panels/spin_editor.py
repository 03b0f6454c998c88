"""The spin box editor for whole numbers (see setting_editors.py for the signals).

Qt's spin box clamps and silently drops what does not fit; this one reports a
typed number outside the range (the owner refuses it with the reason), holds one
special word (``auto``) and a "mixed" slot below its range, and turns arrow steps
into one committed edit once they stop.
"""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QValidator, QWheelEvent
from PySide6.QtWidgets import QSpinBox, QWidget

from components.errors import SettingError
from components.schema import Setting

from .editor_widgets import MIXED, SettingEditor
from .setting_edits import error_text, parse_text

STEP_COMMIT_MS = 400
"""Arrow or wheel steps that stop for this long are one committed edit (not one per step)."""
SPIN_LIMIT = 2**31 - 1  # QSpinBox holds a C int
_WHOLE = re.compile(r"[+-]?\d+")


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

    def set_mixed(self, mixed: bool, text: str = MIXED) -> None:
        self.mixed = mixed
        self.setRange(self.first - (1 if mixed else 0), self.high)
        self.setSpecialValueText(text if mixed else (self.word or ""))
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
        words = [w for w in (self.word, self.specialValueText() if self.mixed else None) if w]
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

    def _show_mixed(self, text: str) -> None:
        self._step_timer.stop()
        self._typing = False
        self.spin.set_mixed(True, text)

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
            self.set_mixed(self.spin.specialValueText())  # typing moved the spin box
        else:
            self.set_value(self._value)
        self.committed.emit(value)  # the owner refuses it with the reason
