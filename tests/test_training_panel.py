"""The Training dock edits the project's training section through a form generated from the
engine's schema: every change one undo step, refusals beside the field, the GPUs listed by
name in the device field, the loss left to the Target (the dock links there)."""
from __future__ import annotations

import json

import pytest
import torch
from PySide6.QtWidgets import QApplication

from app.device_list import device_options
from app.engine.config import TRAINING_SCHEMA
from app.panels.training_panel import TrainingPanel
from app.paths import DEMO_PROJECT
from tests.panel_helpers import type_into


@pytest.fixture
def window(main_window, qtbot):
    main_window.resize(1280, 800)
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.open_template(DEMO_PROJECT)
    main_window.training_dock.raise_()
    QApplication.processEvents()
    return main_window


def test_the_form_is_generated_from_the_engines_schema(window):
    form = window.training.form
    assert form.groups == ["Run", "Optimizer", "Schedule", "Early stopping", "Hardware"]
    assert [s.name for s in form.schema] == TRAINING_SCHEMA.names()
    for name, value in window.project.training.items():
        assert form.values()[name] == value
    assert form.editor("epochs").input_widget().value() == window.project.training.epochs
    assert form.label("learning_rate").text() == "Learning rate"
    assert "Training" in [window.panels_menu.actions()[i].text()
                          for i in range(len(window.panels_menu.actions()))]


def test_a_change_is_one_undo_step_on_the_training_section(window, tmp_path):
    form, stack = window.training.form, window.undo_stack
    before = window.project.training
    type_into(form.editor("epochs").input_widget(), "50")
    assert window.project.training.epochs == 50
    assert stack.count() == 1 and stack.text(0) == "Set training epochs to 50"
    type_into(form.editor("learning_rate").input_widget(), "3e-4")
    assert window.project.training.learning_rate == pytest.approx(3e-4)
    assert window._write(tmp_path / "saved.json")
    saved = json.loads((tmp_path / "saved.json").read_text())["training"]
    assert saved["epochs"] == 50 and saved["learning_rate"] == pytest.approx(3e-4)
    stack.undo()
    stack.undo()
    assert window.project.training == before
    assert form.editor("epochs").input_widget().value() == before.epochs  # the form follows
    stack.redo()
    assert form.editor("epochs").input_widget().value() == 50


def test_a_refused_value_is_said_beside_the_field_and_changes_nothing(window):
    form = window.training.form
    before = window.project.training
    type_into(form.editor("epochs").input_widget(), "0")
    assert form.error("epochs") == "got 0, expected a whole number from 1 to 100000"
    type_into(form.editor("betas").input_widget(), "0.9")  # two numbers wanted
    assert form.error("betas") == "got (0.9,), expected 2 numbers, each from 0 to 0.999999"
    assert window.project.training == before and window.undo_stack.count() == 0


def test_settings_that_do_not_apply_are_greyed_out_until_they_do(window):
    form = window.training.form
    optimizer = form.editor("optimizer").input_widget()
    assert window.project.training.optimizer in ("adam", "adamw")
    assert not form.applies("momentum") and form.applies("betas")
    optimizer.activated.emit(optimizer.findText("sgd"))
    assert window.project.training.optimizer == "sgd"
    assert form.applies("momentum") and form.applies("nesterov") and not form.applies("betas")
    window.undo_stack.undo()
    assert not form.applies("momentum")


def test_the_device_field_lists_the_gpus_found_by_name(window, qtbot):
    gpus = [("auto (a CUDA GPU, then MPS, then the CPU)", "auto"), ("cpu", "cpu"),
            ("cuda:0 · NVIDIA H200", "cuda:0"), ("cuda:1 · NVIDIA H200", "cuda:1")]
    panel = TrainingPanel(window.controller, devices=lambda: gpus)
    qtbot.addWidget(panel)
    combo = panel.form.editor("device").combo
    assert [combo.itemText(i) for i in range(combo.count())] == [label for label, _ in gpus]
    combo.activated.emit(3)
    assert window.project.training.device == "cuda:1"
    assert window.undo_stack.text(window.undo_stack.count() - 1) == "Set training device to cuda:1"


def test_the_devices_of_this_machine():
    options = device_options()
    assert options[:2] == [("auto (a CUDA GPU, then MPS, then the CPU)", "auto"), ("cpu", "cpu")]
    gpus = [value for _, value in options if value.startswith("cuda:")]
    assert len(gpus) == torch.cuda.device_count()
    for index, value in enumerate(gpus):
        assert (f"{value} · {torch.cuda.get_device_name(index)}", value) in options
    for _, value in options:
        TRAINING_SCHEMA.get("device").validate(value)  # each one a value the file takes


def test_the_loss_lives_on_the_target_and_the_dock_links_there(window):
    note = window.training.loss_note
    assert "Target node" in note.text()
    note.linkActivated.emit("target")
    assert window.editor.selected_node_ids() == ["target"]
    assert window.details.settings.form.schema.get("loss") is not None
