"""The devices a run can use, as the training form's device field lists them (no Qt).

``auto`` and ``cpu`` always; every CUDA GPU torch finds, by index and name
("cuda:0 · NVIDIA H200"); Apple's MPS where it exists. Asking torch for a GPU's
name starts CUDA in this process, so the window asks once, when the training
form is made.
"""
from __future__ import annotations

import torch

from app.engine.devices import mps_available


def device_options() -> list[tuple[str, str]]:
    """(label, value) for each device a training run can be given."""
    options = [("auto (a CUDA GPU, then MPS, then the CPU)", "auto"), ("cpu", "cpu")]
    if torch.cuda.is_available():
        options += [(f"cuda:{i} · {torch.cuda.get_device_name(i)}", f"cuda:{i}")
                    for i in range(torch.cuda.device_count())]
    if mps_available():
        options.append(("mps (Apple Metal)", "mps"))
    return options
