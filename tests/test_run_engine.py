"""The engine's side of live training: preview, layers and system events, pid/host in
run.json, resuming an interrupted run, stdin's end as a stop, eval's progress and
overlays (no Qt; the window's side is in test_run_window.py)."""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from app.cli import main
from app.engine.callbacks import Control
from app.engine.events import CommandReader, EventWriter
from app.engine.insight import HISTOGRAM_BINS, tensor_stats
from app.engine.live_preview import MIN_INTERVAL, PREVIEW_SIDE, choose
from app.engine.rundir import RunDirectory, RunDirectoryError
from app.engine.run import TrainOptions, train
from app.project import load_project
from app.stats import feed
from engine_helpers import write_project


def _events(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture(scope="module")
def watched_run(tmp_path_factory):
    """Two epochs of the tiny project with --events (previews on), events captured."""
    folder = tmp_path_factory.mktemp("watched")
    project = load_project(write_project(folder, epochs=2))
    stream = io.StringIO()
    result = train(project, TrainOptions(out=folder / "run", events=stream))
    return result, _events(stream)


def test_layers_events_name_each_node_and_hold_weight_and_gradient_stats(watched_run):
    result, events = watched_run
    layers = [e for e in events if e["type"] == "layers"]
    assert [e["epoch"] for e in layers] == [1, 2]
    model = result.trainer.parts.model
    names = [name for name, _ in model.named_parameters()]
    entries = layers[-1]["layers"]
    assert [f"{e['node']}.{e['parameter']}" for e in entries] == names
    assert {e["node"] for e in entries} == {"unet"}  # the node id of the canvas
    for entry, (_, parameter) in zip(entries, model.named_parameters()):
        weight = entry["weight"]
        assert sum(weight["hist"]) == parameter.numel() and len(weight["hist"]) == HISTOGRAM_BINS
        assert weight["norm"] == pytest.approx(float(parameter.detach().norm()), rel=1e-5)
        assert entry["grad"] is not None and entry["grad"]["norm"] >= 0  # the last step's


def test_system_and_preview_events_and_their_files(watched_run):
    result, events = watched_run
    system = next(e for e in events if e["type"] == "system")
    assert system["memory_mb"] > 50 and system["cpu_percent"] >= 0
    assert system["gpu_memory_mb"] is None and system["gpu_percent"] is None  # CPU run
    preview = next(e for e in events if e["type"] == "preview")
    assert [s["name"] for s in preview["samples"]] == ["data/val/images/val0.png",
                                                       "data/val/images/val1.png"]
    for sample in preview["samples"]:
        with Image.open(result.run.path / sample["image"]) as image:
            assert image.mode == "L" and max(image.size) <= PREVIEW_SIDE
        for part in ("truth", "prediction"):
            classes = np.asarray(Image.open(result.run.path / sample[part]))
            assert classes.dtype == np.uint8 and classes.shape == (32, 32)
            assert set(np.unique(classes)) <= {0, 1, 2}
    started = events[0]
    assert started["type"] == "started" and started["classes"] == ["background", "disc",
                                                                    "square"]
    record = result.run.record()
    assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
    assert events[-1]["type"] == "finished" and events[-1]["checkpoint"] == "last.pt"


def test_the_feed_reads_the_engines_field_names(watched_run):
    _, events = watched_run
    started = feed.parse_event(events[0])
    assert (started.batches_per_epoch, started.start_epoch, started.epochs) == (3, 0, 2)
    assert started.run_dir.endswith("run") and started.classes == ("background", "disc",
                                                                    "square")
    best = next(e for e in events if e["type"] == "checkpoint" and e["kind"] == "best")
    assert feed.parse_event(best) == feed.Checkpoint("best.pt", best["epoch"], True)
    ended = feed.parse_event(events[-1])
    assert (ended.status, ended.epoch, ended.checkpoint) == ("finished", 2, "last.pt")


def test_preview_choice_and_tensor_statistics():
    assert choose(2) == [0, 1] and choose(10) == [0, 3, 6, 9] and choose(0) == []
    stats = tensor_stats(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert stats["mean"] == 2.5 and stats["range"] == [1.0, 4.0]
    assert stats["std"] == pytest.approx(1.118034) and stats["norm"] == pytest.approx(30 ** 0.5)
    assert sum(stats["hist"]) == 4 and stats["hist"][0] == 1 and stats["hist"][-1] == 1
    flat = tensor_stats(torch.zeros(5))  # one value: a range of width one, one full bin
    assert flat["range"] == [-0.5, 0.5] and sorted(flat["hist"])[-1] == 5
    assert tensor_stats(torch.zeros(0))["hist"] == []
    assert MIN_INTERVAL >= 1  # previews every few seconds, not every batch


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_interrupted_run_resumes_and_a_live_one_is_refused(tmp_path):
    project = load_project(write_project(tmp_path, epochs=1))
    run = train(project, TrainOptions(out=tmp_path / "run")).run
    record = run.record()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run.write_record({**record, "status": "running", "pid": sleeper.pid})
        with pytest.raises(RunDirectoryError, match=f"is still training \\(process {sleeper.pid}"):
            RunDirectory.open(run.path)
    finally:
        sleeper.kill()
        sleeper.wait()
    run.write_record({**record, "status": "running", "pid": _dead_pid()})  # killed mid-run
    with open(run.events, "a", encoding="utf-8") as stream:
        stream.write('{"v": 1, "seq": 99, "type": "bat')  # the kill cut its last line
    resumed = train(project, TrainOptions(epochs=2, resume=run.path)).run
    assert resumed.record()["status"] == "finished"
    assert [row["epoch"] for row in resumed.rows()] == [1, 2]
    lines = run.events.read_text().splitlines()
    assert lines[-1].startswith('{"v": 1') and json.loads(lines[-1])["type"] == "finished"
    assert sum(1 for line in lines if line.endswith('"bat')) == 1  # cut line left alone


def test_a_folder_with_only_the_snapshot_is_a_new_run_directory(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "project.json").write_text("{}")
    assert RunDirectory.create(tmp_path, tmp_path / "run").path == tmp_path / "run"
    (tmp_path / "run" / "other.txt").write_text("x")
    with pytest.raises(RunDirectoryError, match="is not an empty folder"):
        RunDirectory.create(tmp_path, tmp_path / "run")


def test_the_end_of_stdin_stops_only_when_asked(tmp_path):
    warnings = []
    for stop_on_eof in (False, True):
        control = Control()
        CommandReader(io.StringIO("pause\nresume\n"), control, warnings.append,
                      stop_on_eof=stop_on_eof).run()
        assert control.stopping is stop_on_eof and not control.paused
    assert "window that started the run closed" in control.reason and warnings == []


def test_event_lines_continue_on_a_line_of_their_own(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"v": 1, "seq": 1, "type": "started"}\n{"v": 1, "se')
    writer = EventWriter(path)
    writer.emit("batch", epoch=1)
    writer.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["seq"] == 3


def test_eval_reports_progress_and_writes_overlays(tmp_path, capsys):
    project = write_project(tmp_path, epochs=1)
    train(load_project(project), TrainOptions(out=tmp_path / "run"))
    code = main(["eval", str(project), "--checkpoint", str(tmp_path / "run"), "--split", "test",
                 "--progress", "--overlays", str(tmp_path / "overlays")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("progress")] == \
        ["progress 1/2", "progress 2/2"]
    report = json.loads(out)
    for row in report["images"]:
        image = np.asarray(Image.open(tmp_path / "overlays" / row["image"]))
        truth = np.asarray(Image.open(tmp_path / "overlays" / row["truth"]))
        prediction = np.asarray(Image.open(tmp_path / "overlays" / row["prediction"]))
        assert image.shape == truth.shape == prediction.shape == (32, 32)
        mask = np.asarray(Image.open(tmp_path / "data" / row["file"].replace("images", "masks")
                                     .removeprefix("data/")))
        assert np.array_equal(truth, mask)
    matrix = np.asarray(report["confusion_matrix"])
    predicted = sum(np.bincount(np.asarray(Image.open(tmp_path / "overlays" / r["prediction"]))
                                .ravel(), minlength=3) for r in report["images"])
    assert np.array_equal(matrix.sum(axis=0), predicted)  # the PNGs are what was counted
