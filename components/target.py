"""Target: the segmentation task the model is trained for (classes and loss).

It adds no layer: the compiled model returns whatever reaches it. It checks that
what reaches it has one channel per class (one channel in all for a binary task
trained with BCE) and the size of the masks, and that the loss settings fit the
class count, so a wrong combination is a problem on this node before training.
The loss itself is built by app/engine/losses.py from these settings.
"""
from __future__ import annotations

from typing import Mapping

from torch import nn

from .base import BuildContext, Component, Shape, describe_shape
from .errors import SettingError, ShapeError
from .registry import register
from .schema import Setting, schema

LOSSES = ("cross_entropy", "bce", "dice", "dice_ce", "focal", "tversky")
WEIGHTED_LOSSES = ("cross_entropy", "bce", "dice_ce", "focal")
"""The losses with a per-pixel term, which class weights scale."""
ONE_CHANNEL_LOSSES = ("bce",)


@register
class Target(Component):
    type_name = "Target"
    category = "Data"
    description = "Masks the model learns to predict: number of classes and the loss."
    icon = "target"
    SCHEMA = schema(
        Setting("classes", "int", 2, "Number of classes including background "
                "(2 for foreground/background).", minimum=2, maximum=256),
        Setting("loss", "choice", "dice_ce", "Loss used for training. bce: binary "
                "cross-entropy on one output channel (2 classes only); dice and tversky: "
                "soft overlap of the foreground classes; dice_ce: Dice + cross-entropy; "
                "focal: cross-entropy that down-weights easy pixels.",
                choices=LOSSES, group="Loss"),
        Setting("class_weights", "floats", "none", "Weight of each class's pixels in the "
                "per-pixel loss: 'none' (all 1), 'auto' (1 / ln(1.02 + f), f = the class's "
                "share of the training pixels) or one number per class.",
                minimum=0.0, maximum=1e6, special=("none", "auto"), group="Loss",
                when=(("loss", WEIGHTED_LOSSES),)),
        Setting("focal_gamma", "float", 2.0, "Focusing exponent: 0 is cross-entropy; "
                "larger values down-weight pixels already classified well.",
                minimum=0.0, maximum=10.0, group="Loss", when=(("loss", ("focal",)),)),
        Setting("tversky_alpha", "float", 0.3, "Weight of false positives (0.5 and 0.5 "
                "is Dice).", minimum=0.0, maximum=1.0, group="Loss",
                when=(("loss", ("tversky",)),)),
        Setting("tversky_beta", "float", 0.7, "Weight of false negatives; above alpha "
                "favours recall (small objects).", minimum=0.0, maximum=1.0, group="Loss",
                when=(("loss", ("tversky",)),)),
    )

    def output_ports(self) -> list[str]:
        return []

    @property
    def in_model(self) -> bool:
        return False

    @property
    def output_channels(self) -> int:
        """Channels the model must deliver: one per class, or one (the foreground logit)
        for a binary task trained with BCE."""
        classes = self.settings["classes"]
        return 1 if self.settings["loss"] in ONE_CHANNEL_LOSSES and classes == 2 else classes

    def loss_problems(self) -> list[SettingError]:
        """Loss settings that do not fit together (each names its setting)."""
        s, found = self.settings, []
        if s["loss"] in ONE_CHANNEL_LOSSES and s["classes"] != 2:
            found.append(SettingError("loss", f"'{s['loss']}' is for two classes (one output "
                                      f"channel: the foreground), but there are {s['classes']}"
                                      "; use cross_entropy or focal"))
        weights = s["class_weights"]
        if isinstance(weights, tuple) and len(weights) != s["classes"]:
            found.append(SettingError("class_weights", f"{len(weights)} weights for "
                                      f"{s['classes']} classes (one per class is needed)"))
        elif isinstance(weights, tuple) and not any(weights):
            found.append(SettingError("class_weights", "every weight is 0: nothing would "
                                      "be learned"))
        if s["loss"] == "tversky" and s["tversky_alpha"] + s["tversky_beta"] == 0:
            found.append(SettingError("tversky_alpha", "alpha and beta are both 0: the "
                                      "loss would not depend on the prediction"))
        return found

    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        problems = self.loss_problems()
        if problems:
            raise problems[0]
        shape = self.single_input(inputs)
        classes, channels = self.settings["classes"], self.output_channels
        if shape[0] != channels and channels == 1:
            raise ShapeError(f"receives {describe_shape(shape)}: {shape[0]} channels, but the "
                             f"'{self.settings['loss']}' loss needs one (the foreground logit)")
        if shape[0] != channels:
            raise ShapeError(f"receives {describe_shape(shape)}: {shape[0]} channels, but "
                             f"there are {classes} classes (one channel per class is needed)")
        if context.input_size is not None and tuple(shape[1:]) != context.input_size:
            h, w = context.input_size
            raise ShapeError(f"receives {describe_shape(shape)}, but masks are {h}x{w}; "
                             "the prediction must have the size of the input")
        return shape

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        return nn.Identity()
