"""UNet: a whole U-Net as one component, on the classic encoder or a torchvision backbone.

With the defaults (backbone none, depth 4, 64 base filters, two convs per level,
batch norm, transpose unpooling) this is the classic Ronneberger U-Net with same
padding, parameter for parameter as the widely used PyTorch implementations
(docs/unet_parameters.md). Backbones, pretrained weights, attention and freezing
are described in docs/backbones.md; project files from before they existed load
as that classic U-Net, with the same module names.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from torch import nn

from . import freeze, pretrained
from .backbones import ENCODERS, encoder_spec, make_encoder, pretrained_names
from .base import BuildContext, Component, Shape, describe_shape
from .errors import SettingError, ShapeError
from .layers import UNET_ACTIVATIONS
from .registry import register
from .schema import Setting, schema
from .unet_model import ATTENTIONS, DecoderConfig, UNetModel, decoder_strides, mirror_channels

BACKBONES = ("none", *(name for name in ENCODERS if name != "classic"))
CLASSIC = (("backbone", ("none",)),)

ENCODER_SETTINGS = (
    Setting("backbone", "choice", "none", "The encoder: none is the classic U-Net encoder; "
            "the others are torchvision's networks (their ImageNet weights fit).",
            choices=BACKBONES, group="Encoder"),
    Setting("depth", "int", 4, "Number of 2x downsamplings (levels below full size).",
            minimum=1, maximum=5, group="Encoder", when=CLASSIC),
    Setting("base_filters", "int", 64, "Channels at full size; doubled at every level.",
            minimum=1, maximum=512, group="Encoder", when=CLASSIC),
    Setting("max_filters", "int", "none", "Channels stop doubling at this number ('none': "
            "no cap); nnU-Net caps a 2D U-Net at 512.", minimum=1, maximum=16384,
            special=("none",), group="Encoder", when=CLASSIC),
    Setting("pooling", "choice", "max", "How the encoder halves the size.",
            choices=("max", "avg", "strided_conv"), group="Encoder", when=CLASSIC),
    Setting("dropout", "float", 0.0, "Dropout at the end of the encoder (as in the paper).",
            minimum=0.0, maximum=0.9, group="Encoder"),
)
DECODER_SETTINGS = (
    Setting("decoder_channels", "floats", "mirror", "Channels of each decoder stage, deepest "
            "first; 'mirror' takes the encoder's at the same size.", minimum=1, maximum=4096,
            special=("mirror",), group="Decoder"),
    Setting("convs_per_level", "int", 2, "3x3 convolutions in every decoder block (and in "
            "every block of the classic encoder).", minimum=1, maximum=4, group="Decoder"),
    Setting("activation", "choice", "relu", "Activation inside the decoder blocks (and the "
            "classic encoder's).", choices=UNET_ACTIVATIONS, group="Decoder"),
    Setting("batch_norm", "bool", True, "Batch normalization after every 3x3 conv of the "
            "decoder (and of the classic encoder).", group="Decoder"),
    Setting("unpooling", "choice", "transpose", "How the decoder doubles the size: a 2x2 "
            "transpose conv, or interpolation followed by a 1x1 conv.",
            choices=("transpose", "bilinear", "nearest"), group="Decoder"),
    Setting("attention", "choice", "none", "scse: spatial and channel squeeze & excitation "
            "in every decoder stage; gates: Attention U-Net's gates on the skip connections.",
            choices=ATTENTIONS, group="Decoder"),
    Setting("decoder_dropout", "float", 0.0, "Channel dropout after every decoder stage.",
            minimum=0.0, maximum=0.9, group="Decoder"),
)
OUTPUT_SETTINGS = (
    Setting("output_activation", "choice", "none", "Applied to the output; keep 'none' "
            "when the loss expects logits.", choices=("none", "sigmoid", "softmax"),
            group="Output"),
    Setting("out_channels", "int", "auto", "Output channels; 'auto' = the classes of the "
            "Target this U-Net feeds.", minimum=1, maximum=256, special=("auto",),
            group="Output"),
    Setting("input_fit", "choice", "error", "When height or width does not divide by the "
            "encoder's total stride: error (names the sizes that work) or pad (zeros, "
            "evenly, up to the next size that works; the output is cropped back).",
            choices=("error", "pad"), group="Output"),
)
WEIGHT_SETTINGS = (
    Setting("pretrained", "choice", "none", "Encoder weights to start from: none (random), "
            "imagenet (torchvision's, downloaded once into torch's cache) or file.",
            choices=("none", "imagenet", "file"), group="Pretrained weights"),
    Setting("weights_file", "text", "", "A .pt or .pth state_dict: torchvision's model, an "
            "encoder's, or a checkpoint of ours.", pattern=r"(?i)(|[^\n]*\.(pt|pth))",
            pattern_help="a .pt or .pth file", group="Pretrained weights",
            when=(("pretrained", ("file",)),)),
    Setting("freeze_encoder", "bool", False, "Do not train the encoder's weights.",
            group="Pretrained weights"),
    Setting("unfreeze_after", "int", "never", "Start training the frozen encoder after this "
            "many epochs (the decoder adapts to the pretrained features first); 'never' keeps "
            "it frozen.", minimum=1, maximum=100_000, special=("never",),
            group="Pretrained weights", when=(("freeze_encoder", (True,)),)),
    Setting("freeze_batch_norm", "bool", False, "Keep the encoder's batch-norm statistics "
            "as they are (for example the pretrained ones) while training.",
            group="Pretrained weights"),
)


@register
class UNet(Component):
    type_name = "UNet"
    category = "Blocks"
    description = "A complete U-Net: encoder (classic or a backbone), decoder with skip " \
                  "connections, 1x1 head."
    icon = "unet"
    SCHEMA = schema(ENCODER_SETTINGS, DECODER_SETTINGS, OUTPUT_SETTINGS, WEIGHT_SETTINGS)

    # --- what the settings mean -------------------------------------------------------
    @property
    def encoder_name(self) -> str:
        backbone = self.settings["backbone"]
        return "classic" if backbone == "none" else backbone

    def taps(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return encoder_spec(self.encoder_name).taps(self.settings)

    def decoder_channels(self) -> tuple[int, ...]:
        """The decoder's widths; a list of the wrong length or with fractions is refused."""
        channels, strides = self.taps()
        value = self.settings["decoder_channels"]
        mirror = mirror_channels(channels, strides)
        if value == "mirror":
            return tuple(mirror)
        if len(value) != len(mirror) or any(not float(v).is_integer() for v in value):
            ends = ", ".join(str(s) for s in decoder_strides(strides))
            raise SettingError("decoder_channels", f"{self._encoder_words()} has "
                               f"{len(mirror)} decoder stages (ending at strides {ends}): give "
                               f"{len(mirror)} whole numbers, e.g. "
                               f"{', '.join(str(c) for c in mirror)}, or 'mirror'")
        return tuple(int(v) for v in value)

    def _encoder_words(self) -> str:
        if self.encoder_name == "classic":
            return f"depth {self.settings['depth']}"
        return f"the {self.settings['backbone']} encoder"

    def _classes(self, context: BuildContext) -> int:
        out = self.settings["out_channels"]
        if out != "auto":
            return out
        if context.out_channels is None:
            raise ShapeError("out_channels is 'auto' but the graph has no single Target to "
                             "take the number of classes from")
        return context.out_channels

    def _check_weights(self) -> None:
        s = self.settings
        if s["pretrained"] == "imagenet" and s["backbone"] not in pretrained_names():
            raise SettingError("pretrained", "the classic encoder has no ImageNet weights; "
                               "choose a backbone, or 'file'")
        if s["pretrained"] == "file":
            if not s["weights_file"]:
                raise SettingError("weights_file", "pretrained is 'file' but no file is chosen")
            if not Path(s["weights_file"]).is_file():
                raise SettingError("weights_file", f"no such file: {s['weights_file']}")

    # --- shape rule and build ---------------------------------------------------------
    def output_shape(self, inputs: Mapping[str, Shape], context: BuildContext) -> Shape:
        c, h, w = self.single_input(inputs)
        self._check_weights()
        self.decoder_channels()
        factor = self.taps()[1][-1]
        bad = [(name, n) for name, n in (("height", h), ("width", w)) if n % factor]
        if bad and self.settings["input_fit"] == "error":
            raise ShapeError(f"input {describe_shape((c, h, w))}: {self._encoder_words()} "
                             f"needs height and width divisible by {factor} "
                             f"{_size_advice(bad, factor)}")
        return (self._classes(context), h, w)

    def build(self, inputs: Mapping[str, Shape], context: BuildContext) -> nn.Module:
        s = self.settings
        in_channels = self.single_input(inputs)[0]
        options = {"in_channels": in_channels}
        if self.encoder_name == "classic":
            options.update(depth=s["depth"], base_filters=s["base_filters"],
                           max_filters=s["max_filters"],
                           convs=s["convs_per_level"], activation=s["activation"],
                           batch_norm=s["batch_norm"], pooling=s["pooling"])
        encoder = make_encoder(self.encoder_name, **options)
        if s["pretrained"] != "none" and pretrained.loading_enabled():
            pretrained.load_encoder_weights(encoder, encoder_spec(self.encoder_name),
                                            in_channels, s["pretrained"], s["weights_file"])
        decoder = DecoderConfig(self.decoder_channels(), s["convs_per_level"], s["activation"],
                                s["batch_norm"], s["unpooling"], s["attention"],
                                s["decoder_dropout"])
        model = UNetModel(encoder, self._classes(context), decoder, s["output_activation"],
                          s["dropout"], pad=s["input_fit"] == "pad")
        if s["freeze_encoder"]:
            freeze.set_trainable(model.encoder, False)
        if s["freeze_batch_norm"]:
            freeze.freeze_batch_norm(model)
        return model


def _size_advice(bad: list[tuple[str, int]], factor: int) -> str:
    """'(try height 250 -> 256); nearest heights that work: 240, 256; or ...'."""
    tries = ", ".join(f"{name} {n} -> {max(factor, round(n / factor) * factor)}"
                      for name, n in bad)
    nearest = "; ".join(f"nearest {name}s that work: "
                        + ", ".join(str(v) for v in (n // factor * factor, n // factor * factor
                                                     + factor) if v >= factor)
                        for name, n in bad)
    return f"(try {tries}); {nearest}; or set input_fit to 'pad'"
