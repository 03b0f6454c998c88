"""The property panel's editor: the selected nodes' settings as a generated form, and
the node's id.

One SettingsForm per component type, made the first time a node of that type is
selected and kept (a form is generated from the type's SCHEMA; nothing here knows a
component). With several nodes of one type selected the form shows where they
differ as "mixed" and a change applies to all of them as one undo step. Every edit
goes through the controller's undo stack:

- committed -> setting_edits.prepare_node_edit (the document's own check) -> one
  CompoundCommand of SetSettingCommands; the analysis runs and the previews are
  asked for at once, so shapes and pictures follow without waiting for a debounce
  (that is for edits that come in bursts: drags, typing, undo held down);
- refused (StudioError) -> the document's values are shown again and the reason
  beside the field; nothing reaches the stack;
- changing (arrows still pressed) -> the live previews show the value, the
  document is not touched.

The id field renames a single node (RenameNodeCommand: ids stay unique, wires and
groups follow); a taken or malformed id is refused beside the field.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.controller import ProjectController
from canvas.commands import CompoundCommand, RenameNodeCommand, SetSettingCommand
from components.errors import StudioError

from .editor_widgets import pass_undo_keys
from .setting_edits import NodeEdit, error_text, prepare_node_edit, selection_values
from .settings_form import ERROR_STYLE, MIN_TEXT_WIDTH, SettingsForm, small


class NodeSettingsSection(QWidget):
    """Id and settings of the selected node(s); hidden when they are not of one type."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.forms: dict[str, SettingsForm] = {}
        self.node_ids: list[str] = []
        self.form: SettingsForm | None = None   # the one on display
        self._shown: tuple | None = None       # what the form shows, to skip no-op refreshes
        self.id_edit = QLineEdit(self)
        self.id_edit.setObjectName("nodeIdEdit")
        self.id_edit.setToolTip("The node's id: the name its layer has in the generated code. "
                                "Letters, digits and _; unique in the graph.")
        self.id_edit.editingFinished.connect(self._rename)
        pass_undo_keys(self.id_edit)
        self.id_error = QLabel(self)
        self.id_error.setObjectName("idError")
        self.id_error.setWordWrap(True)
        self.id_error.setMinimumWidth(MIN_TEXT_WIDTH)
        small(self.id_error, ERROR_STYLE)
        self.id_error.hide()
        self.id_row = IdField(self.id_edit, self.id_error, self)  # in the panel's "Id:" row
        self.heading = QLabel("Settings", self)
        self.heading.setStyleSheet("font-weight: 600; padding-top: 4px;")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.heading)
        self.hide()

    # --- what the panel calls ------------------------------------------------------------
    def show_nodes(self, node_ids: list[str], force: bool = False) -> bool:
        """Show these nodes' settings; False (and hidden) unless they are of one type."""
        doc = self.controller.document
        try:
            type_name, schema, values, mixed = selection_values(doc, node_ids)
        except StudioError:
            self.clear()
            return False
        invalid = _invalid(doc, node_ids)
        shown = (type_name, list(node_ids), values, sorted(mixed), invalid)
        if shown != self._shown or force:
            if node_ids != self.node_ids:
                self._set_id(node_ids)
            self.node_ids, self._shown = list(node_ids), shown
            self._show_form(type_name, schema)
            self.form.set_values(values, mixed - set(invalid), invalid)
        self.show()
        return True

    def clear(self) -> None:
        """Nothing to edit (the graph's summary, a group, nodes of several types)."""
        self.node_ids, self.form, self._shown = [], None, None
        self.hide()

    # --- the form ------------------------------------------------------------------------
    def _show_form(self, type_name: str, schema: Any) -> None:
        form = self.forms.get(type_name)
        if form is None:
            form = SettingsForm(schema, self)
            form.setObjectName(f"settings_{type_name}")
            form.committed.connect(self._committed)
            form.changing.connect(self._changing)
            self.forms[type_name] = form
            self._layout.addWidget(form)
        for other in self.forms.values():
            if other is not form:
                other.hide()
        form.show()
        self.form = form

    def _committed(self, name: str, value: Any) -> None:
        form, doc = self.form, self.controller.document
        try:
            edit = prepare_node_edit(doc, self.node_ids, name, value)
            edit = _with_invalid(doc, self.node_ids, edit, value)
        except StudioError as error:  # refused: the document is unchanged
            self.show_nodes(self.node_ids, force=True)
            form.set_error(name, error_text(error))
            return
        if edit.changes:
            self.controller.push(CompoundCommand(edit.text, [
                SetSettingCommand(doc, node, name, new) for node, _old, new in edit.changes]))
            self.controller.refresh_analysis()  # shapes now, not after the debounce
            self.controller.previews.request_now()  # one finished edit: no need to wait
        self.show_nodes(self.node_ids)

    def _changing(self, name: str, value: Any) -> None:
        self.controller.previews.preview_value(self.node_ids, name, value)

    # --- the id ----------------------------------------------------------------------------
    def _set_id(self, node_ids: list[str]) -> None:
        self.id_edit.setText(node_ids[0] if len(node_ids) == 1 else "")
        self.id_error.hide()

    def _rename(self) -> None:
        if len(self.node_ids) != 1:
            return
        old, wanted = self.node_ids[0], self.id_edit.text()
        if wanted.strip() == old:
            self.id_error.hide()
            return
        try:
            command = RenameNodeCommand(self.controller.document, old, wanted)
        except StudioError as error:  # taken or malformed: said beside the field
            self.id_error.setText(error_text(error))
            self.id_error.show()
            return
        self.id_error.hide()
        self.controller.push(command)
        self.controller.refresh_analysis()
        self.controller.request_selection([command.new_id])

    @property
    def id_refusal(self) -> str:
        """The reason shown beside the id field ("" when none)."""
        return self.id_error.text() if not self.id_error.isHidden() else ""


class IdField(QWidget):
    """The id's line edit with its refusal under it; ``text()`` is the id shown."""

    def __init__(self, edit: QLineEdit, error: QLabel, parent: QWidget) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(edit)
        column.addWidget(error)
        self.edit = edit

    def text(self) -> str:
        return self.edit.text()


def _invalid(doc: Any, node_ids: list[str]) -> dict[str, Any]:
    """The file's refused values shown as "(not allowed)": those all selected nodes share."""
    nodes = [doc.node(n) for n in node_ids]
    return {name: value for name, value in nodes[0].invalid.items()
            if all(n.invalid.get(name, object()) == value for n in nodes[1:])}


def _with_invalid(doc: Any, node_ids: list[str], edit: NodeEdit, value: Any) -> NodeEdit:
    """The edit plus the selected nodes whose file value was refused and now get a valid
    one equal to the default standing in for it (prepare_node_edit sees no change there)."""
    changed = {node for node, _, _ in edit.changes}
    extra = tuple((n, doc.node(n).invalid[edit.name], doc.check_setting(n, edit.name, value))
                  for n in dict.fromkeys(node_ids)
                  if n not in changed and edit.name in doc.node(n).invalid)
    return NodeEdit(edit.name, edit.changes + extra) if extra else edit
