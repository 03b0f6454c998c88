"""An exported file is checked against the torch model before the export counts.

The same inputs go through the compiled model in torch and through the exported
file (onnxruntime, the loaded ExportedProgram, the standalone code): the whole batch
of samples, one sample alone (the batch is dynamic) and, when the height and width
are claimed dynamic, the samples at another size. The largest absolute difference
of the logits over every check is reported and must stay below ``TOLERANCE``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .errors import ExportError
from .program import DynamicSize
from .samples import Samples

TOLERANCE = 1e-4


@dataclass(frozen=True)
class Check:
    """One comparison: what went in, and how far the outputs are apart."""

    what: str
    shape: tuple[int, ...]
    max_abs_diff: float

    def to_json(self) -> dict[str, Any]:
        return {"input": self.what, "shape": list(self.shape),
                "max_abs_diff": self.max_abs_diff}


def check_inputs(samples: Samples, dynamic: DynamicSize) -> list[tuple[str, torch.Tensor]]:
    """The inputs every exported file is run on (see the module docstring)."""
    windows = samples.windows
    inputs = [(f"{len(windows)} samples ({samples.source})", windows),
              (f"1 sample ({samples.names[0]})", windows[:1])]
    other = dynamic.other_size()
    if other is not None:
        inputs.append((f"{len(windows)} samples resized to {other[0]}x{other[1]}",
                       samples.resized(other)))
    return inputs


def compare(model: nn.Module, run: Callable[[torch.Tensor], Any],
            inputs: list[tuple[str, torch.Tensor]], what: str) -> list[Check]:
    """Run every input through both; ExportError when a difference reaches TOLERANCE."""
    checks = []
    for name, batch in inputs:
        with torch.no_grad():
            expected = model(batch).float().numpy()
        try:
            got = np.asarray(run(batch), dtype=np.float32)
        except Exception as error:  # the runtime's own error types
            raise ExportError(f"the {what} file fails on {name} of shape "
                              f"{tuple(batch.shape)}: {type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else ''}") from None
        if got.shape != expected.shape:
            raise ExportError(f"the {what} file returns shape {got.shape} for {name}, torch "
                              f"returns {expected.shape}")
        difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
        if not difference < TOLERANCE:
            raise ExportError(f"the {what} file's output differs from torch's by up to "
                              f"{difference:.3g} on {name} (the limit is {TOLERANCE:g}); the "
                              "export was not kept")
        checks.append(Check(name, tuple(batch.shape), difference))
    return checks


def summary(checks: list[Check], samples: Samples) -> dict[str, Any]:
    """The ``verified`` part of the export report."""
    return {"max_abs_diff": max(c.max_abs_diff for c in checks), "tolerance": TOLERANCE,
            "samples": samples.source, "files": samples.names,
            "checks": [c.to_json() for c in checks]}
