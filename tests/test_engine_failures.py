"""Bad input to a training run: each is refused (or ends the run) with a message that
names the setting, file, epoch or batch, and nothing good is lost."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import app.engine.run as run_module
from app.engine import checkpoint as ckpt
from app.engine.checkpoint import read_checkpoint
from app.engine.run import TrainOptions, train
from app.project import load_project
from components.errors import StudioError
from engine_helpers import write_project



def _failed_run(tmp_path):
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1
    return runs[0]


def test_a_nan_loss_stops_the_run_names_epoch_and_batch_and_keeps_the_last_good_checkpoint(
        tmp_path, monkeypatch):
    from app.engine import losses

    calls = {"n": 0}

    class TurnsNan(nn.Module):
        def forward(self, logits, target):
            calls["n"] += torch.is_grad_enabled()  # training batches, not validation
            loss = nn.functional.cross_entropy(logits, target)
            return loss * float("nan") if calls["n"] == 5 else loss  # epoch 2, batch 2

    monkeypatch.setattr(losses, "make_loss", lambda *args, **kwargs: TurnsNan())
    project = load_project(write_project(tmp_path, epochs=3))
    with pytest.raises(StudioError, match="the loss became nan at epoch 2, batch 2; training "
                       "stopped and the last good checkpoint was kept"):
        train(project)
    run = _failed_run(tmp_path)
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed" and "epoch 2, batch 2" in record["error"]
    assert read_checkpoint(run / "last.pt")["epoch"] == 1
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "failed" and "epoch 2, batch 2" in events[-1]["message"]


def test_an_error_while_writing_a_checkpoint_fails_the_run_and_keeps_the_previous_file(
        tmp_path, monkeypatch):
    project = load_project(write_project(tmp_path, epochs=3))
    real_save, saves = torch.save, {"n": 0}

    def second_save_fails(obj, stream, *args, **kwargs):
        saves["n"] += 1
        if saves["n"] == 2:
            stream.write(b"half a checkpoint")
            raise OSError(28, "No space left on device")
        return real_save(obj, stream, *args, **kwargs)

    monkeypatch.setattr(ckpt.torch, "save", second_save_fails)
    with pytest.raises(StudioError, match=r"last.pt: could not be written \(\[Errno 28\] No "
                       r"space left on device\); the previous last.pt is intact"):
        train(project)
    run = _failed_run(tmp_path)
    assert read_checkpoint(run / "last.pt")["epoch"] == 1
    assert json.loads((run / "run.json").read_text())["status"] == "failed"
    assert not list(run.glob(".*.tmp"))


def test_a_batch_larger_than_the_training_split_is_refused_before_a_run_starts(tmp_path):
    project = load_project(write_project(tmp_path, batch_size=64))
    with pytest.raises(StudioError, match=r"training.batch_size: 64 is larger than the "
                       r"training split \(6 samples\); set it to 6 or less"):
        train(project)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_data_with_unreported_problems_is_listed_with_how_to_skip(tmp_path):
    path = write_project(tmp_path)
    (tmp_path / "data" / "train" / "images" / "train1.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(StudioError) as caught:
        train(load_project(path))
    message = str(caught.value)
    assert "train/images/train1.png" in message and "1 unreported problem" in message
    assert "skip the bad pairs" in message and "data.skip" in message
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("case", ["missing", "file", "empty", "no_checkpoint"])
def test_resume_needs_a_run_directory(tmp_path, case):
    project = load_project(write_project(tmp_path))
    folder = tmp_path / "folder"
    expected = {"missing": "folder: not found; --resume takes a run directory",
                "file": "folder: is a file; --resume takes a run directory",
                "empty": "folder: is not a run directory (it has no run.json or project.json)",
                "no_checkpoint": "folder: has no last.pt to resume from"}[case]
    if case == "file":
        folder.write_text("x")
    elif case != "missing":
        folder.mkdir()
    if case == "no_checkpoint":
        (folder / "run.json").write_text('{"status": "stopped"}')
        (folder / "project.json").write_text("{}")
    with pytest.raises(StudioError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        train(project, TrainOptions(resume=folder))


def test_cuda_out_of_memory_says_which_batch_size_would_fit(tmp_path, monkeypatch):
    real_compile = run_module.compile_graph

    class Hungry(nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, images):
            if len(images) > 1 and self.training:
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return self.model(images)

    monkeypatch.setattr(run_module, "compile_graph", lambda graph: Hungry(real_compile(graph)))
    project = load_project(write_project(tmp_path, batch_size=4, accumulate=2))
    with pytest.raises(StudioError, match=r"training.batch_size: 4 does not fit in the memory "
                       r"of cpu \(\d+ threads\), at epoch 1, batch 1; a batch of 1 fits: set "
                       r"training.batch_size to 1 \(and training.accumulate to 8 to keep the "
                       r"effective batch of 8\)"):
        train(project)
    assert json.loads((_failed_run(tmp_path) / "run.json").read_text())["status"] == "failed"


def test_a_missing_device_is_a_clear_error(tmp_path):
    project = load_project(write_project(tmp_path, device="cuda:1"))
    with pytest.raises(StudioError, match=r"training.device: 'cuda:1' but no CUDA GPU is "
                       r"available"):
        train(project)
