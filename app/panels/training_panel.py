"""The Training dock: the project's ``training`` section as a form generated from the
engine's TRAINING_SCHEMA (app/engine/config.py), the same generator the nodes use.

Every change is one undo command on ``project.training`` (SetTrainingCommand, checked
with setting_edits.prepare_section_edit against the schema the project loader uses,
so a value the form lets through always loads again); a refusal shows beside the
field and changes nothing. Settings that do not apply to the values shown (momentum
for adam) are greyed out by the schema's ``when``. The device field lists the GPUs
torch finds, by name. The loss and its class weights belong to the Target node, so
the dock links there instead of repeating them.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.controller import ProjectController
from app.device_list import device_options
from app.engine.config import TRAINING_SCHEMA
from app.project_commands import SetTrainingCommand
from components.base import Role
from components.errors import StudioError

from .setting_edits import error_text, prepare_section_edit
from .settings_form import HELP_STYLE, MIN_TEXT_WIDTH, SettingsForm, small

LOSS_TEXT = ("The loss and its class weights are the <a href='target'>Target node's "
             "settings</a>: they say what the model is trained to predict.")


class TrainingPanel(QWidget):
    """Edits ``controller.project.training``; follows undo, redo and File > Open."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None,
                 devices: Callable[[], list[tuple[str, str]]] = device_options) -> None:
        super().__init__(parent)
        self.controller = controller
        self.heading = QLabel("<span style='font-size:13pt; font-weight:600'>Training</span>",
                              self)
        self.loss_note = QLabel(LOSS_TEXT, self)
        self.loss_note.setWordWrap(True)
        self.loss_note.setMinimumWidth(MIN_TEXT_WIDTH)
        small(self.loss_note, HELP_STYLE)
        self.loss_note.setTextFormat(Qt.TextFormat.RichText)
        self.loss_note.linkActivated.connect(self._select_target)
        self.form = SettingsForm(TRAINING_SCHEMA, self)
        self.form.setObjectName("trainingForm")
        self.form.committed.connect(self._committed)
        self.form.editor("device").set_options(devices())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.loss_note)
        layout.addWidget(self.form, 1)
        controller.undo_stack.indexChanged.connect(self.refresh)
        controller.project_replaced.connect(self.refresh)
        self.refresh()

    def refresh(self, *args: Any) -> None:
        """Show the project's training values (after an undo, a redo, an open)."""
        values = dict(self.controller.project.training)
        if values != self.form.values():
            self.form.set_values(values)

    def _committed(self, name: str, value: Any) -> None:
        project = self.controller.project
        try:
            change = prepare_section_edit(TRAINING_SCHEMA, project.training, name, value)
        except StudioError as error:  # refused: the section is unchanged
            self.form.set_values(dict(project.training))
            self.form.set_error(name, error_text(error))
            return
        if change is not None:
            self.controller.push(SetTrainingCommand(
                project, {name: change[1]}, f"Set training {name} to {_shown(change[1])}"))
        self.refresh()

    def _select_target(self, *args: Any) -> None:
        doc = self.controller.document
        targets = [n.id for n in doc.nodes_with_role(Role.SINK)]
        if targets:
            self.controller.request_selection(targets[:1])


def _shown(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
