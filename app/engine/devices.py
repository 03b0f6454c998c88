"""Where and how a run computes: device, precision, memory layout, compile, workers.

``runtime_for`` turns the training settings into one Runtime that the loop, the
validation and ``eval`` share, so a checkpoint is evaluated the way it was
validated. A device that is not there is an error naming ``training.device``;
settings that cannot apply on this device (compile off CUDA) become notes.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, ContextManager

import torch

from app.data.dataset import default_workers
from components.errors import SettingError, StudioError

from .config import TRAINING_SCHEMA, TrainingConfig


class DeviceError(StudioError):
    """A device or precision setting this machine cannot honour; names the key."""


@dataclass(frozen=True)
class Runtime:
    """The resolved hardware settings of one run."""

    device: torch.device
    precision: str                      # fp32 | bf16 | fp16
    channels_last: bool = False
    compile: bool = False
    workers: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)

    @property
    def uses_scaler(self) -> bool:
        """fp16 gradients underflow without loss scaling; bf16 has fp32's range."""
        return self.precision == "fp16" and self.device.type == "cuda"

    def autocast(self) -> ContextManager[Any]:
        """Mixed precision for forward passes (a no-op in fp32)."""
        dtype = self.autocast_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler("cuda", enabled=self.uses_scaler)

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def describe(self) -> str:
        return device_name(self.device)

    def to_json(self) -> dict[str, Any]:
        return {"device": str(self.device), "device_name": self.describe(),
                "precision": self.precision, "channels_last": self.channels_last,
                "compile": self.compile, "workers": self.workers}


def runtime_for(config: TrainingConfig, device_override: str | None = None) -> Runtime:
    """The Runtime for these settings on this machine, or DeviceError naming the key."""
    if device_override is not None:
        try:
            TRAINING_SCHEMA.get("device").validate(device_override)
        except SettingError as error:
            raise DeviceError(f"--device: {str(error).split(': ', 1)[1]}") from None
    device = select_device(device_override or config.device)
    notes: list[str] = []
    channels_last = config.channels_last
    if channels_last == "auto":
        channels_last = device.type == "cuda"
    compiled = config.compile and device.type == "cuda"
    if config.compile and not compiled:
        notes.append(f"training.compile: torch.compile is used on CUDA only; training on "
                     f"{device} without it")
    workers = default_workers() if config.workers == "auto" else config.workers
    return Runtime(device, select_precision(config.precision, device), channels_last, compiled,
                   workers, notes)


def select_device(setting: str) -> torch.device:
    """auto = CUDA, then MPS, then CPU; a named device must exist."""
    if setting == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if setting == "cpu":
        return torch.device("cpu")
    if setting == "mps":
        if not mps_available():
            raise DeviceError("training.device: 'mps' but Apple's Metal (MPS) device is not "
                              "available on this machine; use 'auto' or 'cpu'")
        return torch.device("mps")
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise DeviceError(f"training.device: '{setting}' but no CUDA GPU is available (torch "
                          f"{torch.__version__} is {build}); use 'auto' or 'cpu'")
    count = torch.cuda.device_count()
    index = int(setting.split(":")[1]) if ":" in setting else torch.cuda.current_device()
    if index >= count:
        found = ", ".join(f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(count))
        raise DeviceError(f"training.device: '{setting}' does not exist; this machine has "
                          f"{count} CUDA device{'s' if count != 1 else ''}: {found}")
    return torch.device("cuda", index)


def select_precision(setting: str, device: torch.device) -> str:
    """auto = bf16 on a CUDA GPU that has it, else fp16 (with a scaler); fp32 elsewhere."""
    cuda = device.type == "cuda"
    bf16 = cuda and torch.cuda.is_bf16_supported(including_emulation=False)
    if setting == "auto":
        return ("bf16" if bf16 else "fp16") if cuda else "fp32"
    if setting == "bf16" and cuda and not bf16:
        raise DeviceError(f"training.precision: bf16 is not supported by "
                          f"{device_name(device)}; use fp16 or auto")
    if setting == "bf16" and device.type == "mps":
        raise DeviceError("training.precision: bf16 is not supported on MPS; use fp32 or auto")
    if setting == "fp16" and not cuda:
        raise DeviceError(f"training.precision: fp16 training needs a CUDA GPU (the device is "
                          f"{device}); use fp32, bf16 or auto")
    return setting


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def device_name(device: torch.device) -> str:
    """What a person calls the device: the GPU's name, or the CPU with its threads."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "mps":
        return "mps (Apple Metal)"
    return f"cpu ({torch.get_num_threads()} threads)"


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work (timing a GPU without it measures the queue)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def free_memory(device: torch.device) -> None:
    """Give cached blocks back after an out-of-memory error, before probing again."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
