"""Optimizers, schedules, accumulation, clipping and early stopping, as the loop uses them."""
from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn
from torchmetrics.classification import MulticlassJaccardIndex

from app.engine.callbacks import Callback
from app.engine.checkpoint import read_checkpoint, write_checkpoint
from app.engine.commands import class_ids
from app.engine.config import TrainingConfig
from app.engine.optim import Schedule, make_optimizer
from app.engine.run import TrainOptions, train
from app.project import load_project, project_from_dict
from engine_helpers import project_dict, write_project


def _optimizer(**settings):
    return make_optimizer(nn.Linear(2, 2).parameters(), TrainingConfig(settings))


def test_each_optimizer_gets_its_parameters():
    adam = _optimizer(optimizer="adamw", betas=[0.8, 0.9], weight_decay=0.01)
    assert isinstance(adam, torch.optim.AdamW)
    assert adam.defaults["betas"] == (0.8, 0.9) and adam.defaults["weight_decay"] == 0.01
    sgd = _optimizer(optimizer="sgd", momentum=0.5, nesterov=True, learning_rate=0.1)
    assert isinstance(sgd, torch.optim.SGD)
    assert (sgd.defaults["momentum"], sgd.defaults["nesterov"], sgd.defaults["lr"]) == (
        0.5, True, 0.1)
    assert isinstance(_optimizer(optimizer="rmsprop"), torch.optim.RMSprop)
    assert isinstance(_optimizer(), torch.optim.Adam)


def _rates(config, epochs=4, steps=5):
    optimizer = make_optimizer(nn.Linear(2, 2).parameters(), config)
    schedule = Schedule(optimizer, config, epochs, steps)
    rates = []
    for epoch in range(epochs):
        for _ in range(steps):
            rates.append(schedule.learning_rate)
            optimizer.step()
            schedule.after_step()
        schedule.after_epoch(0.5)
    return rates, schedule, optimizer


def test_cosine_warms_up_then_decays_to_zero():
    rates, _, _ = _rates(TrainingConfig({"schedule": "cosine", "warmup_epochs": 1,
                                         "learning_rate": 0.1}))
    assert rates[:5] == pytest.approx([0.1 * (i + 1) / 6 for i in range(5)])
    assert rates[5] == pytest.approx(0.1) and rates[-1] < 0.003
    assert all(a >= b for a, b in zip(rates[5:], rates[6:]))


def test_step_and_plateau_drop_by_the_factor():
    rates, _, _ = _rates(TrainingConfig({"schedule": "step", "step_size": 2,
                                         "schedule_factor": 0.5, "learning_rate": 0.1}))
    assert [rates[i * 5] for i in range(4)] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    rates, _, _ = _rates(TrainingConfig({"schedule": "reduce_on_plateau", "plateau_patience": 1,
                                         "schedule_factor": 0.5, "learning_rate": 0.1}))
    assert [rates[i * 5] for i in range(4)] == pytest.approx([0.1, 0.1, 0.1, 0.05])


def test_one_cycle_peaks_at_the_learning_rate_and_is_replanned_when_extended():
    config = TrainingConfig({"schedule": "one_cycle", "learning_rate": 0.1})
    rates, schedule, optimizer = _rates(config, epochs=2)
    assert max(rates) == pytest.approx(0.1) and rates[-1] < 0.01
    longer = Schedule(optimizer, config, 4, 5)  # the run is extended to 4 epochs
    longer.load_state_dict(schedule.state_dict())
    assert longer.scheduler.total_steps == 20 and longer.scheduler.last_epoch == 10
    planned, _, _ = _rates(config, epochs=4)  # a run planned for 4 epochs from the start
    assert longer.learning_rate == pytest.approx(planned[10])


def test_accumulate_and_grad_clip_in_a_run(tmp_path):
    project = load_project(write_project(tmp_path, epochs=1, batch_size=2, accumulate=2,
                                         grad_clip=0.5))
    result = train(project, TrainOptions(out=tmp_path / "run"))
    checkpoint = read_checkpoint(result.run.last)
    assert checkpoint["step"] == math.ceil(3 / 2)  # 3 batches, a step every 2 and at the end
    assert checkpoint["training"]["grad_clip"] == 0.5


def test_early_stopping_ends_a_run_that_no_longer_improves(tmp_path):
    project = load_project(write_project(tmp_path, epochs=6, early_stopping=1,
                                         learning_rate=1e-9))
    result = train(project, TrainOptions(out=tmp_path / "run"))
    assert result.outcome.status == "finished"
    assert result.outcome.message.startswith("early stopping: no better validation mean IoU "
                                             "for 1 epoch (best ")
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs"] < 6


def test_predict_keeps_a_large_image_s_own_size(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    from app.cli import main
    from components.compiler import compile_graph

    data = project_dict(size=256)
    project_path = tmp_path / "p.json"
    project_path.write_text(json.dumps(dict(data, data=dict(data["data"], fit="tile"))))
    model = compile_graph(project_from_dict(data).graph)
    write_checkpoint(tmp_path / "m.pt", {"format": 1, "model": model.state_dict()})
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (768, 869), np.uint8)).save(
        tmp_path / "large.png")
    assert main(["predict", str(project_path), "--checkpoint", str(tmp_path / "m.pt"),
                 str(tmp_path / "large.png"), "--out", str(tmp_path / "out")]) == 0
    with Image.open(tmp_path / "out" / "large.png") as mask:
        assert mask.size == (869, 768)
    assert "large.png" in capsys.readouterr().err


def test_class_ids_are_the_most_probable_class():
    probabilities = torch.tensor([[[0.2, 0.7]], [[0.8, 0.3]]])
    assert class_ids(probabilities).tolist() == [[1, 0]]


class _WatchTrainingPredictions(Callback):
    """Wraps the loss, which sees every training batch's logits and masks, and scores
    the epoch's predictions with torchmetrics, independently of the loop's counts."""

    def __init__(self):
        self.metric = MulticlassJaccardIndex(3, average="none")
        self.per_epoch: list[list[float]] = []

    def on_fit_start(self, trainer):
        loss, metric = trainer.parts.loss, self.metric

        def watched(logits, masks):
            metric.update(logits.detach().argmax(1), masks)
            return loss(logits, masks)
        trainer.parts.loss = watched

    def on_epoch_end(self, trainer, row):
        self.per_epoch.append(self.metric.compute().tolist())
        self.metric.reset()


def test_train_iou_is_the_iou_of_the_epoch_s_training_predictions(tmp_path):
    project = load_project(write_project(tmp_path, epochs=2))
    watch = _WatchTrainingPredictions()
    result = train(project, TrainOptions(out=tmp_path / "run"), [watch])
    rows = result.run.rows()
    assert len(rows) == 2 == len(watch.per_epoch)
    for row, expected in zip(rows, watch.per_epoch):
        assert row["train_iou"] == pytest.approx(
            dict(zip(["background", "disc", "square"], expected)), abs=1e-6)
        assert row["train_mean_iou"] == pytest.approx(sum(expected) / 3, abs=1e-6)
