"""Exact resume: 2 epochs + 2 resumed == 4 uninterrupted (weights and metrics), on CPU."""
from __future__ import annotations

import pytest
import torch

from app.engine.callbacks import Callback, Control
from app.engine.checkpoint import read_checkpoint
from app.engine.run import TrainOptions, train
from app.project import load_project
from components.errors import StudioError
from engine_helpers import write_project

TIMING = ("seconds", "samples_per_s")


def _rows(run):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in run.rows()]


def _same_weights(a, b):
    first, second = read_checkpoint(a)["model"], read_checkpoint(b)["model"]
    assert first.keys() == second.keys()
    return [k for k in first if not torch.equal(first[k], second[k])]


def test_two_plus_two_resumed_epochs_equal_four(tmp_path):
    project = load_project(write_project(tmp_path, epochs=4))
    whole = train(project, TrainOptions(out=tmp_path / "whole")).run
    half = train(project, TrainOptions(epochs=2, out=tmp_path / "half")).run
    assert len(half.rows()) == 2 and half.record()["status"] == "finished"
    resumed = train(project, TrainOptions(epochs=4, resume=half.path)).run
    assert resumed.path == half.path  # the same run directory goes on
    assert _rows(resumed) == _rows(whole) and len(_rows(whole)) == 4
    assert _same_weights(whole.last, resumed.last) == []
    assert _same_weights(whole.best, resumed.best) == []
    record = resumed.record()
    assert record["status"] == "finished" and record["epochs"] == 4
    assert [r["epoch"] for r in record["resumes"]] == [2]


class _StopAt(Callback):
    """Asks for a stop after batch ``batch`` of epoch ``epoch``."""

    def __init__(self, control, epoch, batch):
        self.control, self.epoch, self.batch = control, epoch, batch

    def on_batch_end(self, trainer, info):
        if (info.epoch, info.batch) == (self.epoch, self.batch):
            self.control.stop("test stop")


def test_a_run_stopped_mid_epoch_resumes_exactly(tmp_path):
    """Stopped after batch 2 of epoch 2 (of 3), with a cosine schedule and accumulate 1."""
    project = load_project(write_project(tmp_path, epochs=3, schedule="cosine",
                                         warmup_epochs=1))
    whole = train(project, TrainOptions(out=tmp_path / "whole")).run
    control = Control()
    stopped = train(project, TrainOptions(out=tmp_path / "part"), [_StopAt(control, 2, 2)],
                    control)
    assert stopped.outcome.status == "stopped"
    assert "in epoch 2 after batch 2 (1 epoch done)" in stopped.outcome.message
    last = read_checkpoint(stopped.run.last)
    assert (last["epoch"], last["batch"]) == (1, 2)
    assert stopped.run.record()["status"] == "stopped"
    resumed = train(project, TrainOptions(resume=stopped.run.path)).run
    assert _rows(resumed) == _rows(whole)
    assert _same_weights(whole.last, resumed.last) == []


def test_a_finished_run_can_be_extended_but_not_shortened(tmp_path):
    project = load_project(write_project(tmp_path, epochs=1))
    run = train(project, TrainOptions(out=tmp_path / "run")).run
    with pytest.raises(StudioError, match="the run already has 1 epochs; give --epochs 2"):
        train(project, TrainOptions(resume=run.path))
    train(project, TrainOptions(resume=run.path, epochs=2))
    assert [r["epoch"] for r in run.rows()] == [1, 2]
