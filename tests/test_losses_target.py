"""The Target's loss settings: one-channel BCE models, problems on the node, old files."""
from __future__ import annotations

import json

import torch

from app.paths import TEMPLATES
from app.project import load_project
from components import registry
from components.compiler import analyze, compile_graph
from components.serialize import graph_from_dict, graph_to_dict
from components.target import Target
from helpers import chain

SMALL_UNET = {"depth": 1, "base_filters": 4}


def graph(target: dict, middle=("UNet", SMALL_UNET)):
    return chain(("Input", {"channels": 1, "height": 16, "width": 16}), middle,
                 ("Target", target), ids=["input", "net", "target"])


def test_bce_with_two_classes_gives_a_one_channel_model():
    doc = graph({"classes": 2, "loss": "bce"})
    analysis = analyze(doc)
    assert analysis.ok and analysis.context.out_channels == 1
    assert analysis.shapes["target"] == (1, 16, 16)
    assert compile_graph(doc)(torch.zeros(2, 1, 16, 16)).shape == (2, 1, 16, 16)
    doc.set_setting("target", "loss", "dice_ce")  # back to one channel per class
    assert analyze(doc).shapes["target"] == (2, 16, 16)


def test_wrong_combinations_are_problems_on_the_target():
    cases = {
        "bce with 3 classes": ({"classes": 3, "loss": "bce"},
                               "setting 'loss': 'bce' is for two classes (one output channel: "
                               "the foreground), but there are 3; use cross_entropy or focal"),
        "weights": ({"classes": 3, "loss": "cross_entropy", "class_weights": [1.0, 2.0]},
                    "setting 'class_weights': 2 weights for 3 classes (one per class is needed)"),
        "zero weights": ({"classes": 2, "class_weights": [0, 0]},
                         "setting 'class_weights': every weight is 0: nothing would be learned"),
        "tversky": ({"loss": "tversky", "tversky_alpha": 0.0, "tversky_beta": 0.0},
                    "setting 'tversky_alpha': alpha and beta are both 0"),
    }
    for name, (settings, message) in cases.items():
        problems = analyze(graph(settings)).problems_of("target")
        assert len(problems) == 1 and problems[0].startswith(message), (name, problems)


def test_bce_target_refuses_two_channels():
    doc = graph({"classes": 2, "loss": "bce"}, middle=("Convolution", {"filters": 2}))
    assert analyze(doc).problems_of("target") == [
        "receives 2x16x16: 2 channels, but the 'bce' loss needs one (the foreground logit)"]


def test_loss_settings_apply_only_to_their_loss():
    schema = Target.SCHEMA
    assert schema.applies("focal_gamma", {"loss": "focal"})
    assert not schema.applies("focal_gamma", {"loss": "dice"})
    assert schema.applies("tversky_beta", {"loss": "tversky"})
    assert not schema.applies("tversky_alpha", {"loss": "cross_entropy"})
    weighted = [loss for loss in Target.SCHEMA.get("loss").choices
                if schema.applies("class_weights", {"loss": loss})]
    assert weighted == ["cross_entropy", "bce", "dice_ce", "focal"]
    assert schema.applies("class_weights", {})  # the default loss, dice_ce, has a CE term
    assert {s.group for s in schema if s.name != "classes"} == {"Loss"}


def test_class_weights_round_trip_through_json():
    doc = graph({"classes": 3, "loss": "focal", "class_weights": [1, 2.5, 10]})
    again = graph_from_dict(json.loads(json.dumps(graph_to_dict(doc))))
    assert again.node("target").settings["class_weights"] == (1.0, 2.5, 10.0)
    for special in ("none", "auto"):
        doc.set_setting("target", "class_weights", special)
        again = graph_from_dict(json.loads(json.dumps(graph_to_dict(doc))))
        assert again.node("target").settings["class_weights"] == special


def test_old_project_files_keep_loading():
    project = load_project(TEMPLATES / "demo.json")  # Target settings: classes and loss only
    settings = project.graph.node("target").settings
    assert settings == {"classes": 3, "loss": "dice_ce", "class_weights": "none",
                        "focal_gamma": 2.0, "tversky_alpha": 0.3, "tversky_beta": 0.7}
    assert registry.create("Target", {"loss": "focal"}).settings["focal_gamma"] == 2.0
