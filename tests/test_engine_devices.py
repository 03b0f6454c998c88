"""Device, precision and layout selection, with CUDA and MPS simulated (no GPU here)."""
from __future__ import annotations

import pytest
import torch

from app.engine import devices
from app.engine.config import TrainingConfig
from app.engine.devices import DeviceError, runtime_for, select_device, select_precision


@pytest.fixture
def gpus(monkeypatch):
    """Pretend this machine has ``count`` CUDA GPUs (bf16 or not) and maybe MPS."""
    def fake(count=0, bf16=True, mps=False):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: f"Fake GPU {i}")
        monkeypatch.setattr(torch.cuda, "is_bf16_supported",
                            lambda including_emulation=True: bf16)
        monkeypatch.setattr(devices, "mps_available", lambda: mps)
    return fake


def test_auto_prefers_cuda_then_mps_then_cpu(gpus):
    gpus(count=2, mps=True)
    assert select_device("auto") == torch.device("cuda", 0)
    gpus(count=0, mps=True)
    assert select_device("auto") == torch.device("mps")
    gpus(count=0, mps=False)
    assert select_device("auto") == torch.device("cpu")


def test_named_devices_must_exist(gpus):
    gpus(count=2)
    assert select_device("cuda:1") == torch.device("cuda", 1)
    assert select_device("cuda") == torch.device("cuda", 0)
    with pytest.raises(DeviceError, match=r"training.device: 'cuda:2' does not exist; this "
                       r"machine has 2 CUDA devices: cuda:0 \(Fake GPU 0\), cuda:1 \(Fake GPU 1\)"):
        select_device("cuda:2")
    gpus(count=0)
    with pytest.raises(DeviceError, match=r"training.device: 'cuda' but no CUDA GPU is available"):
        select_device("cuda")
    with pytest.raises(DeviceError, match=r"training.device: 'mps' but Apple's Metal"):
        select_device("mps")


def test_precision_auto_is_bf16_where_the_gpu_has_it_else_fp16_and_fp32_off_cuda(gpus):
    gpus(count=1, bf16=True)
    assert select_precision("auto", torch.device("cuda", 0)) == "bf16"
    gpus(count=1, bf16=False)
    assert select_precision("auto", torch.device("cuda", 0)) == "fp16"
    with pytest.raises(DeviceError, match="training.precision: bf16 is not supported by "
                       r"cuda:0 \(Fake GPU 0\); use fp16 or auto"):
        select_precision("bf16", torch.device("cuda", 0))
    assert select_precision("auto", torch.device("cpu")) == "fp32"
    assert select_precision("auto", torch.device("mps")) == "fp32"
    assert select_precision("bf16", torch.device("cpu")) == "bf16"
    with pytest.raises(DeviceError, match="training.precision: fp16 training needs a CUDA GPU"):
        select_precision("fp16", torch.device("cpu"))


def test_a_cuda_runtime_uses_channels_last_compile_and_a_scaler_only_for_fp16(gpus):
    gpus(count=1, bf16=False)
    runtime = runtime_for(TrainingConfig({"compile": True, "workers": 2}))
    assert (runtime.device, runtime.precision) == (torch.device("cuda", 0), "fp16")
    assert runtime.channels_last and runtime.compile and runtime.uses_scaler
    assert runtime.memory_format == torch.channels_last and runtime.workers == 2
    assert runtime.autocast_dtype == torch.float16 and runtime.notes == []
    gpus(count=1, bf16=True)
    bf16 = runtime_for(TrainingConfig({"channels_last": False}))
    assert bf16.precision == "bf16" and not bf16.uses_scaler and not bf16.channels_last


def test_on_cpu_compile_is_a_note_and_everything_is_plain_fp32(gpus):
    gpus(count=0)
    runtime = runtime_for(TrainingConfig({"compile": True}))
    assert (runtime.precision, runtime.channels_last, runtime.compile) == ("fp32", False, False)
    assert runtime.notes == ["training.compile: torch.compile is used on CUDA only; training "
                             "on cpu without it"]
    assert runtime.autocast_dtype is None and not runtime.grad_scaler().is_enabled()
    assert runtime.workers >= 1  # auto


def test_a_command_line_device_overrides_and_is_checked(gpus):
    gpus(count=0)
    assert runtime_for(TrainingConfig({"device": "cuda"}), "cpu").device == torch.device("cpu")
    with pytest.raises(DeviceError, match=r"--device: got 'gpu', expected one of auto, cpu, "
                       r"cuda, mps or cuda:N"):
        runtime_for(TrainingConfig(), "gpu")
