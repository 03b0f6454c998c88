"""Freezing a U-Net's encoder: model-level functions the build and the trainer share.

The UNet component applies its ``freeze_encoder`` and ``freeze_batch_norm``
settings through these when it builds the model. A training callback that
unfreezes the encoder after N epochs calls ``set_encoder_trainable(model,
node_id, True)`` on the compiled model between epochs; for that to have an
effect the optimizer must have been given *all* parameters (frozen ones
included: torch optimizers skip parameters without a gradient), not only those
with ``requires_grad``.

Frozen weights keep ``requires_grad`` False, so they get no gradient and no
optimizer (weight decay included) changes them. Frozen batch-norm statistics
keep the encoder's batch norms in eval mode even while the model trains, so
their running mean and variance stay those of the pretrained weights; their
scale and shift still train unless the encoder is frozen too.
"""
from __future__ import annotations

from torch import nn

from .errors import StudioError
from .unet_model import UNetModel


def set_trainable(module: nn.Module, trainable: bool) -> int:
    """Switch ``requires_grad`` of every parameter; returns how many tensors changed."""
    changed = 0
    for parameter in module.parameters():
        if parameter.requires_grad != trainable:
            parameter.requires_grad_(trainable)
            changed += 1
    return changed


def freeze_batch_norm(unet: UNetModel, frozen: bool = True) -> None:
    """Keep (or stop keeping) the encoder's batch-norm statistics fixed."""
    unet.freeze_statistics = frozen
    unet.train(unet.training)  # puts the encoder's norms in eval mode right away


def unet_modules(model: nn.Module) -> dict[str, UNetModel]:
    """Node id -> UNetModel in a compiled model (components.compiler.compile_graph)."""
    names = getattr(model, "meta", {}).get("node_modules", {})
    found = {node: model.get_submodule(name) for node, name in names.items()}
    return {node: module for node, module in found.items() if isinstance(module, UNetModel)}


def set_encoder_trainable(model: nn.Module, node_id: str, trainable: bool) -> int:
    """Freeze or unfreeze the encoder of UNet node ``node_id`` in a compiled model.

    Returns the number of parameter tensors whose ``requires_grad`` changed (0 when
    it already was so); a node id that is no UNet of this model is a StudioError."""
    unets = unet_modules(model)
    if node_id not in unets:
        raise StudioError(f"node '{node_id}' is not a UNet of this model (UNets: "
                          f"{', '.join(sorted(unets)) or 'none'})")
    return set_trainable(unets[node_id].encoder, trainable)
