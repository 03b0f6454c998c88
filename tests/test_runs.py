"""Listing and reading run directories (app/runs.py), half-written ones included."""
from __future__ import annotations

import json
import os
import time

import pytest

from app import runs
from stats_helpers import epoch_row


def make_run(folder, name, status="finished", rows=(1, 2, 3), started=None, **record):
    path = folder / name
    path.mkdir(parents=True)
    if status is not None:
        data = {"status": status, "started": started or "2026-11-24T10:15:00+01:00",
                "device": "cpu", "epochs_planned": 5, **record}
        (path / "run.json").write_text(json.dumps(data))
    (path / "metrics.jsonl").write_text(
        "".join(json.dumps(epoch_row(n, 5)) + "\n" for n in rows))
    return path


def age(path, seconds):
    """Make every file of a run directory look ``seconds`` old."""
    stamp = time.time() - seconds
    for child in path.iterdir():
        os.utime(child, (stamp, stamp))


def test_reads_a_finished_run(tmp_path):
    path = make_run(tmp_path, "2026-11-24_10-15-00")
    (path / "best.pt").write_bytes(b"x")
    info = runs.read_run(path)
    assert (info.status, info.epochs_done, info.epochs_planned) == ("finished", 3, 5)
    best = max((1, 2, 3), key=lambda n: epoch_row(n, 5)["mean_iou"])
    assert info.best_epoch == best
    assert info.best_mean_iou == pytest.approx(epoch_row(best, 5)["mean_iou"])
    assert info.started.year == 2026 and info.has_best and not info.resumable
    assert info.problems == []


def test_truncated_metrics_and_missing_run_json_show_what_they_can(tmp_path):
    path = make_run(tmp_path, "2026-11-25_09-00-12", status=None, rows=(1, 2))
    with open(path / "metrics.jsonl", "a") as stream:
        stream.write('{"epoch": 3, "mean_iou": 0.9')  # the process died mid-line
    age(path, 3600)
    info = runs.read_run(path)
    assert info.epochs_done == 2
    assert info.best_mean_iou == pytest.approx(epoch_row(2, 5)["mean_iou"])
    assert info.started.isoformat() == "2026-11-25T09:00:12"  # from the folder's name
    assert info.status == "failed" and info.interrupted and info.status_text == "interrupted"
    assert "run.json is missing" in info.problems
    assert "metrics.jsonl: 1 damaged line skipped" in info.problems


def test_damaged_run_json_is_a_problem_not_an_error(tmp_path):
    path = make_run(tmp_path, "a", status="finished")
    (path / "run.json").write_text("{not json")
    (path / "metrics.jsonl").write_bytes(b"\xff\xfe\n[1, 2]\n")
    info = runs.read_run(path)
    assert info.epochs_done == 0 and info.best_mean_iou is None
    assert any(p.startswith("run.json cannot be read") for p in info.problems)
    assert "metrics.jsonl: 2 damaged lines skipped" in info.problems


def test_running_run_whose_files_went_quiet_is_interrupted(tmp_path):
    path = make_run(tmp_path, "r", status="running")
    assert runs.read_run(path).status == "running"  # just written: alive
    age(path, runs.STALE_SECONDS + 60)
    info = runs.read_run(path)
    assert info.status == "failed" and info.interrupted
    assert "ended without" in info.message
    assert runs.read_run(path, active=[path]).status == "running"  # the window drives it


def test_running_run_with_a_pid_is_checked_against_the_process_table(tmp_path):
    alive = make_run(tmp_path, "alive", status="running", pid=os.getpid())
    age(alive, 10 * runs.STALE_SECONDS)
    assert runs.read_run(alive).status == "running"
    dead_pid = 2 ** 22 + 12345  # above Linux's pid_max default
    dead = make_run(tmp_path, "dead", status="running", pid=dead_pid)
    assert runs.read_run(dead).interrupted


def test_final_event_settles_a_run_json_left_saying_running(tmp_path):
    path = make_run(tmp_path, "r", status="running")
    (path / "events.jsonl").write_text(json.dumps({"type": "epoch", "epoch": 1}) + "\n" +
                                       json.dumps({"type": "stopped", "message": "by you"}) + "\n")
    age(path, 10 * runs.STALE_SECONDS)
    info = runs.read_run(path)
    assert (info.status, info.message, info.interrupted) == ("stopped", "by you", False)


def test_stopped_run_with_last_checkpoint_is_resumable(tmp_path):
    path = make_run(tmp_path, "s", status="stopped")
    assert not runs.read_run(path).resumable  # nothing to resume from
    (path / "last.pt").write_bytes(b"x")
    assert runs.read_run(path).resumable
    crashed = make_run(tmp_path, "c", status="running")
    (crashed / "last.pt").write_bytes(b"x")
    age(crashed, 10 * runs.STALE_SECONDS)
    assert runs.read_run(crashed).resumable
    failed = make_run(tmp_path, "f", status="failed", message="loss is NaN")
    (failed / "last.pt").write_bytes(b"x")
    assert not runs.read_run(failed).resumable  # it would fail again


def test_list_runs_newest_first_skipping_other_folders(tmp_path):
    make_run(tmp_path, "old", started="2026-01-01T08:00:00")
    make_run(tmp_path, "new", started="2026-03-01T08:00:00")
    (tmp_path / "notes").mkdir()
    (tmp_path / "file.txt").write_text("x")
    listed = runs.list_runs([tmp_path, tmp_path / "missing"])
    assert [info.name for info in listed] == ["new", "old"]
    assert [i.name for i in runs.list_runs([tmp_path / "old", tmp_path])] == ["new", "old"]


def test_project_runs_folder_is_beside_the_project(tmp_path):
    assert runs.project_runs_folder(tmp_path / "p.json") == tmp_path.resolve() / "runs"


def test_evaluation_saved_and_read_back(tmp_path):
    result = {"split": "test", "mean_iou": 0.5, "classes": []}
    path = runs.save_evaluation(tmp_path, result)
    assert path.name == "eval_test.json"
    assert runs.read_evaluation(tmp_path) == result
    assert runs.read_evaluation(tmp_path, "val") is None


def test_read_jsonl_reports_damage(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n"text"\n{"b": 2\n')
    problems: list[str] = []
    assert runs.read_jsonl(path, problems) == [{"a": 1}]
    assert problems == ["x.jsonl: 2 damaged lines skipped"]
    assert runs.read_jsonl(tmp_path / "none.jsonl") == []
