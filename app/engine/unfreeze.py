"""Unfreezing a pretrained encoder after N epochs (the UNet's ``unfreeze_after``).

Transfer learning usually trains the new decoder on frozen pretrained features
first and then fine-tunes everything. The UNet component freezes its encoder when
it is built (``freeze_encoder``); this callback makes it trainable again at the
start of epoch N + 1. It derives that from the epochs completed, so a resumed run
needs no state of its own: a run resumed after epoch N unfreezes at once. The
optimizer holds every parameter from the start (frozen ones get no gradient, so
torch's optimizers skip them), so nothing has to be added to it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from components.freeze import set_encoder_trainable
from components.graph import GraphDocument

from .callbacks import Callback

if TYPE_CHECKING:
    from .callbacks import Trainer


def unfreeze_plan(graph: GraphDocument) -> dict[str, int]:
    """UNet node id -> the epochs after which its frozen encoder starts to train."""
    plan = {}
    for node in graph.nodes:
        after = node.settings.get("unfreeze_after", "never") if node.type == "UNet" else "never"
        if node.settings.get("freeze_encoder") and after != "never":
            plan[node.id] = int(after)
    return plan


class EncoderUnfreezing(Callback):
    """Makes each planned encoder trainable once its epochs are done."""

    name = "encoder_unfreezing"

    def __init__(self, plan: dict[str, int], notify=None) -> None:
        self.plan = dict(plan)
        self.notify = notify or (lambda message: None)

    def on_epoch_start(self, trainer: "Trainer", epoch: int) -> None:
        for node_id, after in self.plan.items():
            if epoch > after and set_encoder_trainable(trainer.parts.model, node_id, True):
                self.notify(f"epoch {epoch}: the encoder of '{node_id}' trains from now on "
                            f"(unfreeze_after {after})")
