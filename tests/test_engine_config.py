"""The training section: one Schema, messages that name the key, old files still load."""
from __future__ import annotations

import json

import pytest

from app.engine.config import TRAINING_SCHEMA, TrainingConfig, training_from_dict
from app.project import load_project, project_from_dict
from components.errors import ProjectFileError
from engine_helpers import project_dict

ISSUE_KEYS = ["epochs", "batch_size", "optimizer", "betas", "momentum", "nesterov",
              "weight_decay", "learning_rate", "schedule", "warmup_epochs", "step_size",
              "schedule_factor", "plateau_patience", "early_stopping", "grad_clip",
              "accumulate", "seed", "device", "precision", "channels_last", "compile",
              "workers"]


def test_every_key_is_declared_with_help_a_group_and_a_valid_default():
    assert sorted(TRAINING_SCHEMA.names()) == sorted(ISSUE_KEYS)
    for setting in TRAINING_SCHEMA:
        assert setting.help and setting.group, setting.name
    config = TrainingConfig()
    assert (config.epochs, config.optimizer, config.early_stopping, config.workers,
            config.betas) == (20, "adam", "off", "auto", (0.9, 0.999))
    assert TRAINING_SCHEMA.get("optimizer").choices == ("adam", "adamw", "sgd", "rmsprop")


def test_when_says_which_settings_matter():
    sgd = {"optimizer": "sgd", "schedule": "step"}
    assert TRAINING_SCHEMA.applies("momentum", sgd) and TRAINING_SCHEMA.applies("nesterov", sgd)
    assert not TRAINING_SCHEMA.applies("betas", sgd)
    assert TRAINING_SCHEMA.applies("betas", {"optimizer": "adamw"})
    assert TRAINING_SCHEMA.applies("schedule_factor", sgd)
    assert not TRAINING_SCHEMA.applies("warmup_epochs", sgd)
    assert not TRAINING_SCHEMA.applies("plateau_patience", {})


@pytest.mark.parametrize("values, message", [
    ({"optimizer": "adagrad"}, "training.optimizer: got 'adagrad', expected one of adam, adamw, "
                               "sgd, rmsprop"),
    ({"device": "gpu0"}, "training.device: got 'gpu0', expected one of auto, cpu, cuda, mps or "
                         "cuda:N"),
    ({"betas": [0.9]}, "training.betas: got [0.9], expected 2 numbers, each from 0 to 0.999999"),
    ({"early_stopping": 0}, "training.early_stopping: got 0, expected a whole number from 1 to "
                            "100000 or 'off'"),
    ({"channels_last": "yes"}, "training.channels_last: got 'yes', expected true or false or "
                               "'auto'"),
    ({"grad_clip": -1}, "training.grad_clip: got -1, expected a number from 1e-06 to 1000000 or "
                        "'off'"),
    ({"epochs": 2.5}, "training.epochs: got 2.5, expected a whole number from 1 to 100000"),
    ({"lr": 0.1}, "training: unknown key 'lr' (allowed: epochs, batch_size"),
])
def test_bad_values_name_the_key(values, message):
    _, problems = training_from_dict(values)
    assert any(p.startswith(message) for p in problems), problems


def test_values_are_canonical_and_the_config_is_immutable():
    config, problems = training_from_dict({"epochs": 3.0, "betas": [0.8, 0.9], "device": "cuda:1",
                                           "grad_clip": 1, "workers": 0})
    assert problems == []
    assert (config.epochs, config.betas, config.device, config.grad_clip) == (3, (0.8, 0.9),
                                                                              "cuda:1", 1.0)
    assert config.to_dict()["betas"] == [0.8, 0.9]
    with pytest.raises(AttributeError, match="immutable"):
        config.epochs = 5
    assert config.replace(epochs=5).epochs == 5 and config.epochs == 3
    assert config.replace(seed=9).differences(config) == ["seed"]


def test_a_project_written_before_this_issue_loads_and_saves_without_the_loss(tmp_path):
    old = project_dict()
    old["training"] = {"epochs": 20, "batch_size": 8, "optimizer": "adam",
                       "learning_rate": 0.001, "loss": "cross_entropy", "seed": 0,
                       "device": "auto"}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    project = load_project(path)
    assert project.training.schedule == "constant" and project.training.epochs == 20
    saved = project.to_dict()["training"]
    assert "loss" not in saved and set(saved) == set(ISSUE_KEYS)
    assert project_from_dict(project.to_dict()).training == project.training


def test_an_old_file_whose_loss_disagrees_with_the_target_is_refused():
    old = project_dict()
    old["training"]["loss"] = "focal"
    with pytest.raises(ProjectFileError, match="training.loss: 'focal' disagrees with the "
                       "Target's loss 'cross_entropy'"):
        project_from_dict(old)
    old["training"]["loss"] = "hinge"
    with pytest.raises(ProjectFileError, match="training.loss: 'hinge' disagrees"):
        project_from_dict(old)


def test_the_demo_template_loads():
    from app.paths import ROOT

    project = load_project(ROOT / "resources" / "templates" / "demo.json")
    assert project.training.epochs >= 1


def test_docs_list_every_training_key():
    from app.paths import ROOT

    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    assert [k for k in TRAINING_SCHEMA.names() if f"| `{k}` |" not in text] == []
