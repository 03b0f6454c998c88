"""Pretrained encoder weights: torchvision's ImageNet files or a file a person names.

Weights load when a model is built for real (training, evaluation), never while
the canvas infers shapes or counts parameters: that path builds on the meta
device, and ``loading_enabled`` says no there. Code that will overwrite every
weight anyway (a checkpoint loader) builds inside ``pretrained_weights_disabled()``
so that it neither downloads nor reads a file it does not need.

Every failure is a PretrainedWeightsError naming the file (and the URL): offline
with an empty cache, a corrupt file, a file of pickled code (refused by
``weights_only=True``), or a state_dict whose keys do not fit the encoder, with
the missing, unexpected and reshaped keys listed.
"""
from __future__ import annotations

import contextvars
import pickle
import re
import urllib.error
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import torch
from torch import nn

from .backbones import EncoderSpec
from .errors import StudioError

_DISABLED = contextvars.ContextVar("pretrained_weights_disabled", default=False)
SHOWN_KEYS = 5


class PretrainedWeightsError(StudioError):
    """Pretrained weights that cannot be had or do not fit; names the file."""


@contextmanager
def pretrained_weights_disabled() -> Iterator[None]:
    """Build models without loading pretrained weights (they will be overwritten)."""
    token = _DISABLED.set(True)
    try:
        yield
    finally:
        _DISABLED.reset(token)


def loading_enabled() -> bool:
    """False on the meta device (shape inference, parameter counts) and when disabled."""
    return not _DISABLED.get() and torch.get_default_device().type != "meta"


@dataclass
class KeyReport:
    """How a weight file's keys compare with the encoder's."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    reshaped: list[str] = field(default_factory=list)   # "key AxB in the file vs CxD"

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.reshaped)

    def describe(self) -> str:
        parts = []
        for words, keys in (("missing from the file", self.missing),
                            ("in the file but not in the encoder", self.unexpected),
                            ("with another shape", self.reshaped)):
            if keys:
                more = f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
                parts.append(f"{len(keys)} {'key' if len(keys) == 1 else 'keys'} {words} "
                             f"({', '.join(keys[:SHOWN_KEYS])}{more})")
        return "; ".join(parts)


def imagenet_state_dict(spec: EncoderSpec) -> dict[str, torch.Tensor]:
    """torchvision's published weights for ``spec``, from torch's hub cache or the web.

    torch.hub checks the SHA-256 prefix in the file name after a download."""
    url, cache = spec.weights_url, Path(torch.hub.get_dir()) / "checkpoints"
    try:
        return torch.hub.load_state_dict_from_url(url, map_location="cpu", check_hash=True,
                                                  weights_only=True)
    except (urllib.error.URLError, OSError) as error:
        raise PretrainedWeightsError(
            f"ImageNet weights for {spec.name}: {spec.weights} is not in the cache "
            f"({cache}) and could not be downloaded from {url} ({_reason(error)}); download "
            f"it where there is a network and put it in {cache}, or set 'pretrained' to "
            "'file' and choose a weights file") from None
    except (RuntimeError, EOFError, pickle.UnpicklingError) as error:
        raise PretrainedWeightsError(
            f"ImageNet weights for {spec.name}: {spec.weights} from {url} failed its hash "
            f"check or cannot be read ({_reason(error)}); if {cache / spec.weights} exists, "
            "delete it so that it is downloaded again") from None


def read_weights_file(path: str | Path) -> dict[str, torch.Tensor]:
    """A state_dict from a .pt/.pth file: a bare one, or a checkpoint's ``model``."""
    path = Path(path)
    if not path.is_file():
        raise PretrainedWeightsError(f"weights file {path}: no such file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        code = re.search(r"Unsupported global: GLOBAL (\S+)", str(error))
        if code:
            raise PretrainedWeightsError(f"weights file {path}: refused, it holds more than "
                                         f"tensors (Python code: {code.group(1)})") from None
        raise PretrainedWeightsError(f"weights file {path}: not a PyTorch weights file "
                                     "(neither a zip archive nor a pickle)") from None
    except (RuntimeError, EOFError, OSError, ValueError) as error:
        raise PretrainedWeightsError(f"weights file {path}: not a PyTorch weights file "
                                     f"({_reason(error)})") from None
    if isinstance(data, Mapping) and isinstance(data.get("model"), Mapping):
        data = data["model"]  # one of our checkpoints (app/engine/checkpoint.py)
    if not isinstance(data, Mapping) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise PretrainedWeightsError(f"weights file {path}: not a state_dict (a mapping of "
                                     "parameter names to tensors)")
    return dict(data)


def encoder_part(state: Mapping[str, torch.Tensor], spec: EncoderSpec,
                 encoder: nn.Module) -> dict[str, torch.Tensor]:
    """The encoder's share of a state_dict, named as the encoder names it.

    Accepts torchvision's whole model (the classifier is dropped), the encoder's
    own state_dict, a U-Net's (``encoder.``...) or a compiled model's
    (``<node>.encoder.``...), and legacy key names the spec knows how to fix."""
    own = set(encoder.state_dict())
    state = dict(state)
    if spec.rename is not None:
        state = spec.rename(state)
    if not own & set(state):
        prefixes = {key[:key.index("encoder.") + 8] for key in state if "encoder." in key}
        for prefix in sorted(prefixes, key=len):
            inner = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            if own & set(inner):
                return inner
    return {k: v for k, v in state.items() if not k.startswith(spec.head) or k in own}


def adapt_first_conv(state: dict[str, torch.Tensor], key: str, in_channels: int) -> None:
    """Make 3-channel first-conv weights fit ``in_channels`` inputs, in place.

    The RGB kernels are averaged and repeated, scaled by 3 / in_channels so that an
    image whose channels are all equal (a grey image) gives the first layer the same
    response as that grey image in RGB would: the batch norm after it keeps working
    with its ImageNet statistics (segmentation_models_pytorch does the same)."""
    weight = state.get(key)
    if weight is None or weight.dim() != 4 or weight.shape[1] == in_channels:
        return
    mean = weight.mean(dim=1, keepdim=True)
    state[key] = mean.repeat(1, in_channels, 1, 1) * (weight.shape[1] / in_channels)


def compare_keys(state: Mapping[str, torch.Tensor], encoder: nn.Module) -> KeyReport:
    """Missing, unexpected and reshaped keys (a missing batch-norm counter is fine:
    old files predate it and torch fills it in)."""
    own = encoder.state_dict()
    report = KeyReport()
    report.missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    report.unexpected = [k for k in state if k not in own]
    report.reshaped = [f"{k} {_shape(state[k])} in the file vs {_shape(v)}"
                       for k, v in own.items() if k in state and state[k].shape != v.shape]
    return report


def load_encoder_weights(encoder: nn.Module, spec: EncoderSpec, in_channels: int,
                         source: str, path: str = "") -> None:
    """Load ``imagenet`` or ``file`` weights into ``encoder`` (strict), or raise."""
    if source == "imagenet":
        state, where = imagenet_state_dict(spec), f"ImageNet weights {spec.weights}"
    else:
        state, where = read_weights_file(path), f"weights file {path}"
    state = encoder_part(state, spec, encoder)
    if spec.first_conv:
        adapt_first_conv(state, spec.first_conv, in_channels)
    report = compare_keys(state, encoder)
    if not report.ok:
        raise PretrainedWeightsError(f"{where} does not fit the {spec.name} encoder: "
                                     f"{report.describe()}")
    encoder.load_state_dict(state, strict=True)


def _shape(tensor: torch.Tensor) -> str:
    return "x".join(str(d) for d in tensor.shape) or "scalar"


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(error).__name__
