"""Checkpoints: every way a file can be wrong is refused with a message naming it."""
from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest
import torch

from app.engine import checkpoint as ckpt
from app.engine.checkpoint import (CheckpointError, load_model, read_checkpoint,
                                   resolve_checkpoint, restore_rng, rng_state, write_checkpoint)
from app.project import project_from_dict
from engine_helpers import project_dict


def _project(**unet):
    data = project_dict()
    data["graph"]["nodes"][1]["settings"].update(unet)
    return project_from_dict(data)


def _saved(tmp_path, project=None):
    from components.compiler import compile_graph

    model = compile_graph((project or _project()).graph)
    path = tmp_path / "model.pt"
    write_checkpoint(path, {"format": 1, "model": model.state_dict(), "epoch": 1})
    return path, model


def test_a_written_checkpoint_loads_into_its_graph(tmp_path):
    path, model = _saved(tmp_path)
    loaded = load_model(_project(), path)
    assert not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind


def test_missing_empty_truncated_and_foreign_files_are_named(tmp_path):
    path, _ = _saved(tmp_path)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    text = tmp_path / "notes.pt"
    text.write_text("these are not weights")
    plain = tmp_path / "plain.pt"
    torch.save({"weight": torch.ones(2)}, plain)
    cases = {tmp_path / "nowhere.pt": "nowhere.pt: file not found",
             truncated: "truncated.pt: is truncated or damaged",
             empty: "empty.pt: is empty, not a checkpoint",
             text: "notes.pt: is not a checkpoint (21 bytes of something else",
             plain: "plain.pt: is a PyTorch file but not a U-Net Studio checkpoint"}
    for case, message in cases.items():
        with pytest.raises(CheckpointError, match=message.replace("(", r"\(")):
            read_checkpoint(case)


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_carrying_pickled_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "it_ran"
    evil = tmp_path / "evil.pt"
    torch.save({"format": 1, "model": {"w": torch.ones(1)}, "hook": _Payload(marker)}, evil)
    with pytest.raises(CheckpointError, match=r"evil.pt: holds pickled Python code or objects "
                       r"\((posix|nt).system\).*refused without running any of it"):
        read_checkpoint(evil)
    assert not marker.exists()


def test_a_checkpoint_of_another_graph_names_the_nodes(tmp_path):
    path, _ = _saved(tmp_path, _project(base_filters=4))
    with pytest.raises(CheckpointError) as caught:
        load_model(_project(), path)
    message = str(caught.value)
    assert ("model.pt: was trained on another graph: the weights of node 'unet' do not fit"
            in message)
    assert "checkpoint 4x1x3x3, model 8x1x3x3" in message


def test_missing_and_extra_nodes_are_named(tmp_path):
    from components.compiler import compile_graph

    state = compile_graph(_project().graph).state_dict()
    state = {k.replace("unet.", "old_unet.", 1): v for k, v in state.items()}
    path = tmp_path / "renamed.pt"
    write_checkpoint(path, {"format": 1, "model": state})
    with pytest.raises(CheckpointError, match="no weights for node 'unet'; weights for node "
                       "'old_unet' that this graph lacks"):
        load_model(_project(), path)


def test_a_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path, _ = _saved(tmp_path)
    before = path.read_bytes()

    def full_disk(obj, stream, *args, **kwargs):
        stream.write(b"PK partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ckpt.torch, "save", full_disk)
    with pytest.raises(CheckpointError, match=r"model.pt: could not be written \(\[Errno 28\] No "
                       r"space left on device\); the previous model.pt is intact"):
        write_checkpoint(path, {"format": 1, "model": {}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_a_run_directory_means_its_best_checkpoint(tmp_path):
    (tmp_path / "best.pt").write_bytes(b"x")
    assert resolve_checkpoint(tmp_path) == tmp_path / "best.pt"
    empty = tmp_path / "empty_run"
    empty.mkdir()
    with pytest.raises(CheckpointError, match="empty_run: this folder has no best.pt"):
        resolve_checkpoint(empty)


def test_rng_states_round_trip_through_a_weights_only_file(tmp_path):
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    path = tmp_path / "rng.pt"
    write_checkpoint(path, {"format": 1, "model": {}, "rng": rng_state()})
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng(read_checkpoint(path)["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected
    json.dumps(list(read_checkpoint(path)))  # plain keys
