"""A form generated from a settings Schema: the property panel's and the training dock's.

One row per setting, in sections by ``Setting.group`` (in schema order), each
with its editor from setting_editors' registry, the help text as tooltip and as
a short line under the field, and a line for the reason when a value is
refused. Settings whose ``when`` does not hold for the values on display are
greyed out (still shown, so people learn they exist). Nothing here is written
for a particular component: a new component gets its form from its SCHEMA.

The form never touches a document. It emits ``changing(name, value)`` while a
person types or steps and ``committed(name, value)`` for a finished edit; the
owner checks the value (setting_edits.prepare_node_edit / prepare_section_edit),
pushes the undo command, and shows the result with ``set_values`` (which never
emits) or the refusal with ``set_error``:

    form = SettingsForm(registry.get("Convolution").SCHEMA)
    form.set_values(node.settings)                   # or (values, mixed) for several nodes
    form.committed.connect(owner.on_committed)       # set_values(...) then set_error(...)
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from components.errors import StudioError
from components.schema import Schema, Setting

from .setting_editors import SettingEditor, create_editor
from .setting_edits import error_text, format_value, tooltip

HELP_CHARS = 90
"""The line under a field shows about this much of the help; the tooltip has all of it."""
HELP_STYLE = "color: #6a7384;"
ERROR_STYLE = "color: #d92626;"
SMALL_POINTS = 8.5
"""The help and error lines' size, set as a font (not in the style sheet) so their size
hints are right before any style sheet is applied."""
GROUP_STYLE = "font-weight: 600; color: #1f2633; padding-top: 6px;"
MIN_TEXT_WIDTH = 60  # px: a wrapped label never widens the dock (node_details.py explains)


class _Row:
    """The widgets of one setting: label, editor, help line, error line."""

    def __init__(self, setting: Setting, parent: QWidget) -> None:
        self.setting = setting
        self.label = QLabel(setting.title, parent)
        self.label.setToolTip(tooltip(setting))
        self.editor: SettingEditor = create_editor(setting, parent)
        self.label.setBuddy(self.editor.input_widget())
        self.help = _small_label(short_help(setting.help), HELP_STYLE, parent)
        self.help.setToolTip(tooltip(setting))
        self.help.setVisible(bool(setting.help))
        self.error = _small_label("", ERROR_STYLE, parent)
        self.error.setObjectName("settingError")
        self.error.hide()
        self.field = QWidget(parent)
        column = QVBoxLayout(self.field)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        for widget in (self.editor, self.help, self.error):
            column.addWidget(widget)

    def set_applicable(self, applies: bool) -> None:
        for widget in (self.label, self.field):
            widget.setEnabled(applies)


class SettingsForm(QWidget):
    """Editors for every setting of a schema, laid out by group."""

    changing = Signal(str, object)
    committed = Signal(str, object)

    def __init__(self, schema: Schema, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self._values: dict[str, Any] = schema.defaults()
        self._rows: dict[str, _Row] = {}
        self._groups: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        # One grid for every section, so the fields share one column. (A QFormLayout
        # gave wrapped help lines the wrong height in a narrow dock: cut off at the
        # bottom, until it was laid out again.)
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        form.setVerticalSpacing(6)
        top_right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        for group, settings in _by_group(schema).items():
            if group:
                form.addWidget(_group_header(group, self), form.rowCount(), 0, 1, 2)
            self._groups.append(group)
            for setting in settings:
                row = _Row(setting, self)
                self._rows[setting.name] = row
                line = form.rowCount()
                form.addWidget(row.label, line, 0, top_right)
                form.addWidget(row.field, line, 1)
                self._connect(row)
        layout.addLayout(form)
        layout.addStretch(1)
        self._apply_when()

    # --- what the owner calls ------------------------------------------------------------
    def set_values(self, values: Mapping[str, Any], mixed: Iterable[str] = (),
                   invalid: Mapping[str, Any] | None = None) -> None:
        """Show these values (missing ones: the defaults), ``mixed`` ones as "mixed", and
        ``invalid`` ones (a project file's values the schema refuses, Node.invalid) as
        "12 (not allowed)" with the reason on the error line.

        Emits nothing and clears every other error line (call set_error after it)."""
        mixed, invalid = set(mixed), dict(invalid or {})
        self._values = {**self.schema.defaults(), **dict(values)}
        for name, row in self._rows.items():
            if name in invalid:
                row.editor.set_mixed(f"{format_value(row.setting, invalid[name])} (not allowed)")
            elif name in mixed:
                row.editor.set_mixed()
            else:
                row.editor.set_value(self._values[name])
            self._show_error(row, refusal(row.setting, invalid[name]) if name in invalid else "")
        self._apply_when()

    def set_error(self, name: str, message: str | None) -> None:
        """Show why a value was refused beside its field (None or "" hides it)."""
        self._show_error(self._row(name), message or "")

    def clear_errors(self) -> None:
        for row in self._rows.values():
            self._show_error(row, "")

    def values(self) -> dict[str, Any]:
        """What the form shows: the values last set, with committed edits applied."""
        return dict(self._values)

    # --- for the owner's tests and for tools -----------------------------------------------
    def editor(self, name: str) -> SettingEditor:
        return self._row(name).editor

    def label(self, name: str) -> QLabel:
        return self._row(name).label

    def help_label(self, name: str) -> QLabel:
        return self._row(name).help

    def error_label(self, name: str) -> QLabel:
        return self._row(name).error

    def error(self, name: str) -> str:
        """The refusal shown beside a field ("" when none)."""
        row = self._row(name)
        return row.error.text() if not row.error.isHidden() else ""

    def applies(self, name: str) -> bool:
        """Whether the setting's row is active (its ``when`` holds for the values shown)."""
        return self._row(name).field.isEnabled()

    @property
    def groups(self) -> list[str]:
        """Section titles in order ("" for settings without a group)."""
        return list(self._groups)

    # --- inside --------------------------------------------------------------------------
    def _row(self, name: str) -> _Row:
        if name not in self._rows:
            self.schema.get(name)  # raises SettingError listing the valid names
        return self._rows[name]

    def _connect(self, row: _Row) -> None:
        name = row.setting.name
        row.editor.changing.connect(lambda value, n=name: self.changing.emit(n, value))
        row.editor.committed.connect(lambda value, n=name: self._committed(n, value))
        row.editor.invalid.connect(lambda message, n=name: self.set_error(n, message))

    def _committed(self, name: str, value: Any) -> None:
        self._show_error(self._rows[name], "")
        self._values[name] = value
        self._apply_when()
        self.committed.emit(name, value)

    def _apply_when(self) -> None:
        for name, row in self._rows.items():
            if row.setting.when:
                row.set_applicable(self.schema.applies(name, self._values))

    @staticmethod
    def _show_error(row: _Row, message: str) -> None:
        row.error.setText(message)
        row.error.setToolTip(message)
        row.error.setVisible(bool(message))


def refusal(setting: Setting, value: Any) -> str:
    """Why a file's value is not allowed, as its error line says it."""
    try:
        setting.validate(value)
    except StudioError as error:
        return f"{error_text(error)}; the file's value is kept until it is changed"
    return ""


def short_help(text: str) -> str:
    """The first sentence of a help text, cut to about HELP_CHARS at a word."""
    first = re.split(r"(?<=\.)\s", text.strip(), maxsplit=1)[0]
    if len(first) <= HELP_CHARS:
        return first
    cut = first[:HELP_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _by_group(schema: Schema) -> dict[str, list[Setting]]:
    groups: dict[str, list[Setting]] = {}
    for setting in schema:
        groups.setdefault(setting.group, []).append(setting)
    return groups


def _group_header(title: str, parent: QWidget) -> QWidget:
    header = QWidget(parent)
    column = QVBoxLayout(header)
    column.setContentsMargins(0, 4, 0, 0)
    column.setSpacing(2)
    label = QLabel(title, header)
    label.setObjectName("formGroup")
    label.setStyleSheet(GROUP_STYLE)
    line = QFrame(header)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet("color: #d5d9e0;")
    column.addWidget(label)
    column.addWidget(line)
    return header


def _small_label(text: str, style: str, parent: QWidget) -> QLabel:
    label = small(QLabel(text, parent), style)
    label.setWordWrap(True)
    label.setMinimumWidth(MIN_TEXT_WIDTH)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def small(label: QLabel, style: str) -> QLabel:
    """A help or error line: the colour from ``style``, the size from SMALL_POINTS."""
    font = label.font()
    font.setPointSizeF(SMALL_POINTS)
    label.setFont(font)
    label.setStyleSheet(style)
    return label
