"""How a torchrun process picks its device, backend and share of the data (the CUDA and
NCCL paths are checked with torch's CUDA and process-group calls monkeypatched: this
machine has no GPU)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from app.cli import main
from app.engine import distributed
from app.engine.distributed import (DistributedError, Launch, RankShare, Ranks, backend_for,
                                    convert_batch_norm, device_setting, launcher,
                                    shard_order)
from engine_helpers import write_project

TORCHRUN_ENV = {"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)


def test_the_resume_command_names_the_launcher():
    assert launcher(Launch()) == "python"
    assert launcher(Launch(0, 4, 0, 4)) == "torchrun --nproc_per_node 4"
    assert launcher(Launch(0, 8, 0, 4)) == ("torchrun --nproc_per_node 4 --nnodes 2 (and your "
                                            "rendezvous options)")


def test_torchrun_environment_is_read():
    assert Launch.from_env({}) == Launch()
    assert not Launch.from_env({"WORLD_SIZE": "1", "RANK": "0"}).distributed
    launch = Launch.from_env(TORCHRUN_ENV)
    assert (launch.rank, launch.world_size, launch.local_rank, launch.local_world_size) == (
        3, 4, 1, 2)
    assert launch.distributed and not launch.is_main


def test_each_process_takes_the_gpu_of_its_local_rank(two_gpus):
    launch = Launch.from_env(TORCHRUN_ENV)
    assert device_setting(launch, "auto", None) == "cuda:1"
    assert device_setting(launch, "cpu", "cuda") == "cuda:1"  # --device wins
    assert device_setting(launch, "cuda", "cpu") == "cpu"
    assert device_setting(Launch(), "auto", "cuda:1") == "cuda:1"  # one process: as given
    with pytest.raises(DistributedError, match="training.device: 'cuda:0' under torchrun "
                                               "would put every process on one GPU"):
        device_setting(launch, "cuda:0", None)
    with pytest.raises(DistributedError, match="--device: mps cannot train on several"):
        device_setting(launch, "auto", "mps")
    with pytest.raises(DistributedError, match="torchrun started 3 processes on this machine "
                                               "but it has 2 CUDA GPUs: give "
                                               "--nproc_per_node 2 or fewer"):
        device_setting(Launch(2, 3, 2, 3), "auto", None)


def test_without_a_gpu_the_processes_train_on_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_setting(Launch.from_env(TORCHRUN_ENV), "auto", None) == "auto"  # -> cpu
    assert backend_for(torch.device("cpu")) == "gloo"
    assert backend_for(torch.device("cuda", 1)) == "nccl"


def _fake_group(monkeypatch):
    calls = []
    monkeypatch.setattr(distributed.dist, "init_process_group",
                        lambda backend, **kw: calls.append(("init", backend, kw)))
    monkeypatch.setattr(distributed.dist, "new_group",
                        lambda backend: calls.append(("group", backend)) or "gloo-group")
    monkeypatch.setattr(distributed, "_store_client", lambda: None)
    monkeypatch.setattr(distributed.signal, "signal", lambda *args: None)
    return calls


def test_nccl_on_gpus_with_a_gloo_group_for_control_messages(monkeypatch):
    calls = _fake_group(monkeypatch)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: calls.append(("gpu", device)))
    ranks = Ranks.start(Launch.from_env(TORCHRUN_ENV), torch.device("cuda", 1))
    assert calls == [("gpu", torch.device("cuda", 1)), ("init", "nccl", {"device_id": torch.device("cuda", 1), "rank": 3,
                                       "world_size": 4}),
                     ("group", "gloo")]
    assert ranks.control == "gloo-group" and ranks.distributed
    assert ranks.to_json() == {"distributed": {"processes": 4, "backend": "nccl",
                                               "machines": 2}}


def test_gloo_on_cpus_and_nothing_for_one_process(monkeypatch):
    calls = _fake_group(monkeypatch)
    ranks = Ranks.start(Launch.from_env(TORCHRUN_ENV), torch.device("cpu"))
    assert calls == [("init", "gloo", {"device_id": None, "rank": 3, "world_size": 4})]
    assert ranks.control is None
    single = Ranks.start(Launch(), torch.device("cpu"))
    assert len(calls) == 1 and not single.distributed and single.to_json() == {}


def test_batch_norm_is_synchronized_on_gpus_only():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4))
    weight = model[1].weight
    on_cpu = convert_batch_norm(model, Ranks(Launch(0, 2, 0, 2), "gloo"), torch.device("cpu"))
    assert type(on_cpu[1]) is nn.BatchNorm2d
    synced = convert_batch_norm(model, Ranks(Launch(0, 2, 0, 2), "nccl"),
                                torch.device("cuda", 0))
    assert type(synced[1]) is nn.SyncBatchNorm and synced[1].weight is weight
    assert list(synced.state_dict()) == list(model.state_dict())  # checkpoints still load
    alone = convert_batch_norm(nn.Sequential(nn.BatchNorm2d(4)), Ranks(),
                               torch.device("cuda", 0))
    assert type(alone[0]) is nn.BatchNorm2d


def test_every_rank_trains_on_its_shard_of_the_same_order():
    order = torch.tensor([4, 0, 3, 1, 2])
    shards = [shard_order(order, rank, 2).tolist() for rank in range(2)]
    assert shards == [[4, 3, 2], [0, 1, 4]]  # padded from the start: equal batch counts
    assert shard_order(order, 0, 1).tolist() == order.tolist()
    share = RankShare(list("abcde"), 1, 2)
    assert len(share) == 2 and list(share) == ["b", "d"] and share[1] == "d"
    assert list(RankShare(list("ab"), 2, 3)) == []  # more ranks than val images: none


def test_one_process_exchanges_nothing():
    ranks = Ranks()
    assert ranks.any(True) and not ranks.any(False)
    assert ranks.sum(1.5, 2) == [1.5, 2] and ranks.gather("x") == ["x"]
    assert ranks.share({"a": 1}) == {"a": 1}
    model = nn.Linear(2, 2)
    assert ranks.wrap(model, torch.device("cpu")) is model
    error = RuntimeError("shape mismatch")
    assert ranks.explain(error) is error


def test_a_device_that_cannot_work_under_torchrun_is_refused_before_it_starts(
        tmp_path, capsys, monkeypatch, two_gpus):
    for key, value in {**TORCHRUN_ENV, "RANK": "0", "LOCAL_RANK": "0"}.items():
        monkeypatch.setenv(key, value)
    project = write_project(tmp_path, device="cuda:1", epochs=1)
    assert main(["train", str(project)]) == 1
    assert capsys.readouterr().err.startswith(
        "error: training.device: 'cuda:1' under torchrun would put every process on one GPU")
    assert not (tmp_path / "runs").exists()
