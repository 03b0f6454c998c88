"""torchrun with 2 CPU processes (gloo) trains what one process trains.

Designed so that the two must agree: no augmentation, no batch norm (per-rank batch
statistics are not the global batch's on CPUs), cross-entropy (a mean over pixels, so
DDP's average of two ranks' gradients is the gradient of the global batch), 24 training
tiles, a global batch of 4 (2 per rank under torchrun, 4 in the single process), the
same seed. The orders are then the same samples per optimizer step, and the metrics
differ by float rounding only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from app.engine.checkpoint import read_checkpoint
from app.engine.run import TrainOptions, TrainingSetupError, train
from app.project import load_project
from engine_helpers import project_dict, write_data

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
            "2"]


def _project(folder: Path, name: str, batch_size: int) -> Path:
    project = project_dict(batch_size=batch_size, epochs=1, learning_rate=0.02, device="cpu")
    project["graph"]["nodes"][1]["settings"].update(batch_norm=False)
    project["data"]["augment"] = {}
    path = folder / name
    path.write_text(json.dumps(project))
    return path


def _torchrun(folder: Path, *args: str, script: Path = ROOT / "main.py"
              ) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([*TORCHRUN, str(script), "train", *args, "--workers", "0"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def _rows(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _assert_same_metrics(ours: dict, single: dict, rel: float = 1e-4) -> None:
    for key in ("train_loss", "val_loss"):
        assert ours[key] == pytest.approx(single[key], rel=rel), key
    for key in ("mean_iou", "pixel_accuracy"):
        assert ours[key] == pytest.approx(single[key], abs=1e-3), key
    assert ours["iou"].keys() == single["iou"].keys()
    for name, value in single["iou"].items():
        assert ours["iou"][name] == pytest.approx(value, abs=1e-3), name


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One epoch under torchrun (2 ranks) and one in this process, on the same data."""
    folder = tmp_path_factory.mktemp("ddp")
    write_data(folder / "data", count=24)  # 6 optimizer steps: the discs are found
    ddp = _project(folder, "ddp.json", batch_size=2)
    single = _project(folder, "single.json", batch_size=4)
    result = _torchrun(folder, str(ddp))
    assert result.returncode == 0, result.stderr[-3000:]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as torchrun's processes (OMP_NUM_THREADS=1)
    try:
        train(load_project(single), TrainOptions(out=folder / "single", workers=0,
                                                 notify=lambda text: None))
    finally:
        torch.set_num_threads(threads)
    return folder, result


def test_two_processes_train_what_one_process_trains(runs):
    folder, result = runs
    written = list((folder / "runs").iterdir())
    assert len(written) == 1  # rank 1 made no run directory of its own
    run = written[0]
    ours, single = _rows(run), _rows(folder / "single")
    assert [r["epoch"] for r in ours] == [1]
    assert single[0]["iou"]["disc"] > 0.3  # a model that learned something, not background
    _assert_same_metrics(ours[0], single[0])
    weights = read_checkpoint(run / "best.pt")["model"]
    expected = read_checkpoint(folder / "single" / "best.pt")["model"]
    assert max((weights[k] - expected[k]).abs().max().item() for k in expected) < 1e-5
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    started = [e for e in events if e["type"] == "started"]
    assert len(started) == 1 and started[0]["distributed"] == {
        "processes": 2, "backend": "gloo", "machines": 1}
    assert started[0]["samples"] == {"train": 24, "val": 2} and started[0]["batches"] == 6
    assert [e["type"] for e in events].count("epoch") == 1
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["distributed"]["processes"] == 2
    assert result.stdout.count("epoch 1/1  train_loss") == 1  # only rank 0 prints


def test_a_run_resumes_on_the_same_number_of_processes(runs):
    folder, _ = runs
    run = next((folder / "runs").iterdir())
    before = _rows(run)
    result = _torchrun(folder, str(folder / "ddp.json"), "--resume", str(run), "--epochs", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(load_project(folder / "single.json"),
              TrainOptions(resume=folder / "single", epochs=2, workers=0,
                           notify=lambda text: None))
    finally:
        torch.set_num_threads(threads)
    ours, single = _rows(run), _rows(folder / "single")
    assert [r["epoch"] for r in ours] == [1, 2]
    assert ours[:1] == before  # the first epoch's row is kept as it was
    # Adam divides by the gradients' size, so rounding differences of 1e-8 after one
    # epoch grow to ~3e-4 (relative) of the loss after twelve steps; a resume that is
    # not exact would differ by far more (other samples, other optimizer state)
    _assert_same_metrics(ours[1], single[1], rel=1e-3)
    assert len(list((folder / "runs").iterdir())) == 1
    assert read_checkpoint(run / "last.pt")["world_size"] == 2
    states = read_checkpoint(run / "last.pt")["callbacks"]["ranks"]
    assert states["world_size"] == 2 and len(states["rng"]) == 2  # each rank's generators


def test_a_run_is_not_resumed_on_another_number_of_processes(runs):
    folder, _ = runs
    run = next((folder / "runs").iterdir())
    with pytest.raises(TrainingSetupError) as caught:
        train(load_project(folder / "ddp.json"),
              TrainOptions(resume=run, epochs=3, workers=0, notify=lambda text: None))
    assert str(caught.value) == (
        f"--resume: the run trained on 2 processes, this is 1 process; resume it on 2: "
        f"torchrun --nproc_per_node 2 main.py train PROJECT --resume {run}")


def test_a_failure_on_one_rank_ends_every_rank_with_its_message(tmp_path):
    write_data(tmp_path / "data", count=8)
    project = _project(tmp_path, "ddp.json", batch_size=2)
    script = ROOT / "tests" / "distributed_failing_rank.py"
    result = _torchrun(tmp_path, str(project), script=script)
    assert result.returncode != 0
    message = "the loss became nan at epoch 1, batch 2 (injected on rank 1)"
    assert f"error: rank 1 of 2: {message}" in result.stderr  # rank 1 says it
    assert f"error: rank 1 of 2 failed: {message}" in result.stderr  # and rank 0 names it
    run = next((tmp_path / "runs").iterdir())
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"] == f"rank 1 of 2 failed: {message}"
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "failed" and events[-1]["message"] == record["error"]
