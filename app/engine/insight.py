"""What the window shows besides the loss: per-layer weight and gradient statistics
(``layers``, once per epoch) and the training process's CPU, memory and GPU use
(``system``, every few seconds). Both are callbacks that only write events.

Gradients are gone by the time ``on_batch_end`` runs (the loop zeroes them right
after the optimizer step), so the layer statistics read them in an optimizer
step-pre hook on the epoch's last step: after GradScaler's unscale and the
gradient clipping, i.e. the gradients the step really used.

Statistics are per parameter and named by the canvas node that owns it, through
the compiled GraphModule's ``meta["node_modules"]`` (node id -> attribute name).
"""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, Callable

import torch

from .callbacks import BatchInfo, Callback

if TYPE_CHECKING:
    from .callbacks import Trainer

Emit = Callable[..., None]  # EventWriter.emit(event_type, **fields)
HISTOGRAM_BINS = 32
SYSTEM_INTERVAL = 2.0  # seconds between two system events


def tensor_stats(values: torch.Tensor) -> dict[str, Any]:
    """mean, std, norm and a histogram of a tensor (any device), as plain numbers."""
    flat = values.detach().float().flatten()
    if not flat.numel():
        return {"mean": None, "std": None, "norm": None, "hist": [], "range": None}
    low, high = flat.min(), flat.max()
    width = high - low
    lo = torch.where(width > 0, low, low - 0.5)
    hi = torch.where(width > 0, high, high + 0.5)
    summary = torch.stack([flat.mean(), flat.std(correction=0), flat.norm(), lo, hi])
    mean, std, norm, lo_value, hi_value = summary.cpu().tolist()
    hist = torch.histc(flat, HISTOGRAM_BINS, lo_value, hi_value)
    return {"mean": mean, "std": std, "norm": norm, "hist": [int(c) for c in hist.tolist()],
            "range": [lo_value, hi_value]}


def parameter_owners(model: torch.nn.Module) -> dict[str, tuple[str, str]]:
    """parameter name -> (canvas node id, name within the node's module)."""
    by_node = getattr(model, "meta", {}).get("node_modules", {})
    node_of = {attribute: node for node, attribute in by_node.items()}
    owners = {}
    for name, _ in model.named_parameters():
        attribute, _, rest = name.partition(".")
        owners[name] = (node_of.get(attribute, attribute), rest or attribute)
    return owners


class LayerStatistics(Callback):
    """A ``layers`` event after every epoch: each parameter's weight and gradient stats."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.grads: dict[str, dict[str, Any]] = {}
        self._trainer: "Trainer | None" = None
        self._hook: Any = None
        self._owners: dict[str, tuple[str, str]] = {}

    def on_fit_start(self, trainer: "Trainer") -> None:
        self._trainer = trainer
        self._owners = parameter_owners(trainer.parts.model)
        self._hook = trainer.parts.optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        trainer = self._trainer
        if trainer is None or trainer.state.batch != trainer.parts.data.batches:
            return  # only the epoch's last step: one read of the gradients per epoch
        self.grads = {name: tensor_stats(p.grad)
                      for name, p in trainer.parts.model.named_parameters()
                      if p.grad is not None}

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        layers = []
        with torch.no_grad():
            for name, parameter in trainer.parts.model.named_parameters():
                node, inner = self._owners.get(name, (name, name))
                layers.append({"node": node, "parameter": inner,
                               "weight": tensor_stats(parameter),
                               "grad": self.grads.get(name)})
        self.grads = {}
        self.emit("layers", epoch=row["epoch"], layers=layers)

    def on_fit_end(self, trainer: "Trainer", outcome: Any) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None


class ProcessUsage:
    """CPU share and resident memory of this process (Linux /proc; elsewhere what the
    standard library can tell, else None), and the GPU's where torch can tell."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._cpu, self._wall = _cpu_seconds(), time.monotonic()

    def sample(self) -> dict[str, float | None]:
        cpu, wall = _cpu_seconds(), time.monotonic()
        elapsed = wall - self._wall
        percent = 100.0 * (cpu - self._cpu) / elapsed if elapsed > 0 else None
        self._cpu, self._wall = cpu, wall
        return {"cpu_percent": None if percent is None else round(percent, 1),
                "memory_mb": resident_mb(), **self._gpu()}

    def _gpu(self) -> dict[str, float | None]:
        if self.device.type != "cuda":
            return {"gpu_memory_mb": None, "gpu_percent": None}
        memory = round(torch.cuda.memory_reserved(self.device) / 2**20, 1)
        try:
            percent: float | None = float(torch.cuda.utilization(self.device))
        except Exception:  # noqa: BLE001 - needs pynvml (optional): unknown then
            percent = None
        return {"gpu_memory_mb": memory, "gpu_percent": percent}


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def resident_mb() -> float | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            resident = int(stream.read().split()[1])
        return round(resident * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the peak: the best there is
    return round(peak / (2**20 if os.uname().sysname == "Darwin" else 2**10), 1)


class SystemMonitor(Callback):
    """A ``system`` event every SYSTEM_INTERVAL seconds of training or validation."""

    def __init__(self, emit: Emit, interval: float = SYSTEM_INTERVAL) -> None:
        self.emit, self.interval = emit, interval
        self.usage: ProcessUsage | None = None
        self._last = float("-inf")

    def on_fit_start(self, trainer: "Trainer") -> None:
        self.usage = ProcessUsage(trainer.parts.runtime.device)

    def on_batch_end(self, trainer: "Trainer", info: BatchInfo) -> None:
        self._maybe_emit()

    def on_validation_progress(self, trainer: "Trainer", done: int, total: int) -> None:
        self._maybe_emit()

    def _maybe_emit(self) -> None:
        now = time.monotonic()
        if self.usage is None or now - self._last < self.interval:
            return
        self._last = now
        self.emit("system", **self.usage.sample())
