"""A frozen encoder starts to train after unfreeze_after epochs, also in a resumed run."""
from __future__ import annotations

import json

import torch

from app.engine.callbacks import Callback
from app.engine.run import TrainOptions, train
from app.engine.unfreeze import unfreeze_plan
from app.project import load_project
from engine_helpers import project_dict, write_data


def _project(tmp_path, **unet):
    write_data(tmp_path / "data", count=4)
    data = project_dict(epochs=3, batch_size=2)
    data["graph"]["nodes"][1]["settings"].update(unet)
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(data))
    return load_project(path)


class EncoderWatch(Callback):
    """The encoder's weights (parameters, not batch-norm statistics) at the start and
    after every epoch."""

    def __init__(self) -> None:
        self.seen: list[list[torch.Tensor]] = []

    def _take(self, trainer) -> None:
        encoder = trainer.parts.model.get_submodule("unet").encoder
        self.seen.append([p.detach().clone() for p in encoder.parameters()])

    def on_fit_start(self, trainer) -> None:
        self._take(trainer)

    def on_epoch_end(self, trainer, row) -> None:
        self._take(trainer)


def _same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_the_encoder_stays_frozen_for_n_epochs_then_trains(tmp_path):
    project = _project(tmp_path, freeze_encoder=True, unfreeze_after=2)
    assert unfreeze_plan(project.graph) == {"unet": 2}
    watch, notes = EncoderWatch(), []
    train(project, TrainOptions(out=tmp_path / "run", notify=notes.append), [watch])
    start, one, two, three = watch.seen
    assert _same(start, one) and _same(one, two) and not _same(two, three)
    assert any("the encoder of 'unet' trains from now on" in n for n in notes)


def test_a_run_resumed_after_the_frozen_epochs_trains_the_encoder(tmp_path):
    project = _project(tmp_path, freeze_encoder=True, unfreeze_after=2)
    train(project, TrainOptions(epochs=2, out=tmp_path / "run"))
    watch = EncoderWatch()
    train(project, TrainOptions(epochs=3, resume=tmp_path / "run"), [watch])
    assert not _same(watch.seen[0], watch.seen[-1])


def test_never_and_an_unfrozen_encoder_plan_nothing(tmp_path):
    assert unfreeze_plan(_project(tmp_path, freeze_encoder=True).graph) == {}
    assert unfreeze_plan(_project(tmp_path / "b", unfreeze_after=3).graph) == {}
