"""The runs list: half-written runs, choosing, resuming and comparing."""
from __future__ import annotations

import json
import os
import time

import pytest

from app.stats.runs_list import RunsList
from stats_helpers import epoch_row


def run_dir(folder, name, status="finished", rows=2, last=False, record=True):
    path = folder / name
    path.mkdir(parents=True)
    if record:
        (path / "run.json").write_text(json.dumps({"status": status, "epochs_planned": 4}))
    (path / "metrics.jsonl").write_text(
        "".join(json.dumps(epoch_row(n, 4)) + "\n" for n in range(1, rows + 1)))
    if last:
        (path / "last.pt").write_bytes(b"x")
    return path


@pytest.fixture
def runs_folder(tmp_path):
    folder = tmp_path / "runs"
    run_dir(folder, "2026-11-24_10-00-00")
    run_dir(folder, "2026-11-25_10-00-00", status="stopped", last=True)
    broken = run_dir(folder, "2026-11-26_10-00-00", record=False, rows=1)
    with open(broken / "metrics.jsonl", "a") as stream:
        stream.write('{"epoch": 2, "val_lo')
    old = time.time() - 3600
    for child in broken.iterdir():
        os.utime(child, (old, old))
    return folder


@pytest.fixture
def listing(qtbot, runs_folder):
    widget = RunsList()
    qtbot.addWidget(widget)
    widget.set_project(runs_folder.parent / "project.json")
    return widget


def rows(listing):
    tree = listing.tree
    return [[tree.topLevelItem(r).text(c) for c in range(6)]
            for r in range(tree.topLevelItemCount())]


def test_lists_runs_newest_first_even_half_written(listing):
    shown = rows(listing)
    assert [r[0] for r in shown] == ["2026-11-26_10-00-00", "2026-11-25_10-00-00",
                                     "2026-11-24_10-00-00"]
    broken, stopped, finished = shown
    assert broken[1:3] == ["2026-11-26 10:00", "1"] and broken[4] == "interrupted"
    assert stopped[2] == "2/4" and stopped[4] == "stopped"
    best = max((1, 2), key=lambda n: epoch_row(n, 4)["mean_iou"])
    assert finished[3] == f"{epoch_row(best, 4)['mean_iou']:.3f} (epoch {best})"
    tip = listing.tree.topLevelItem(0).toolTip(0)
    assert "run.json is missing" in tip and "1 damaged line skipped" in tip
    assert not listing.empty.isVisible()


def test_choosing_a_run_emits_it(listing, qtbot, runs_folder):
    with qtbot.waitSignal(listing.run_chosen) as chosen:
        listing.select(runs_folder / "2026-11-24_10-00-00")
    assert chosen.args == [str(runs_folder / "2026-11-24_10-00-00")]
    assert not listing.resume_button.isEnabled()


def test_resume_is_offered_for_a_stopped_run(listing, qtbot, runs_folder):
    stopped = runs_folder / "2026-11-25_10-00-00"
    listing.select(stopped)
    assert listing.resume_button.isEnabled()
    with qtbot.waitSignal(listing.resume_requested) as resumed:
        listing.resume_button.click()
    assert resumed.args == [str(stopped)]


def test_compare_needs_two_runs(listing, qtbot):
    assert not listing.compare_button.isEnabled()
    listing.tree.topLevelItem(1).setSelected(True)
    listing.tree.topLevelItem(2).setSelected(True)
    assert listing.compare_button.isEnabled()
    with qtbot.waitSignal(listing.compare_requested) as compared:
        listing.compare_button.click()
    assert len(compared.args[0]) == 2


def test_refresh_keeps_the_selection_and_sees_new_runs(listing, runs_folder):
    listing.select(runs_folder / "2026-11-24_10-00-00")
    run_dir(runs_folder, "2026-11-27_10-00-00", status="running")
    listing.refresh()
    assert rows(listing)[0][4] == "running"
    assert listing.selected_paths() == [str(runs_folder / "2026-11-24_10-00-00")]
    assert listing.poll.isActive()  # a running run is re-read every few seconds


def test_active_runs_read_as_running(listing, runs_folder):
    broken = runs_folder / "2026-11-26_10-00-00"
    listing.set_active([broken])
    assert rows(listing)[0][4] == "running"


def test_no_runs_says_how_to_get_one(qtbot, tmp_path):
    widget = RunsList()
    qtbot.addWidget(widget)
    widget.set_project(tmp_path / "p.json")
    widget.show()
    assert widget.tree.topLevelItemCount() == 0 and widget.empty.isVisible()
    widget.set_project(None)
    assert widget.folders == []


def test_an_evaluated_run_shows_its_test_iou(listing, runs_folder):
    assert [r[5] for r in rows(listing)] == ["–", "–", "–"]  # none evaluated yet
    (runs_folder / "2026-11-24_10-00-00" / "eval_test.json").write_text(
        json.dumps({"split": "test", "mean_iou": 0.6123, "classes": []}))
    (runs_folder / "2026-11-25_10-00-00" / "eval_test.json").write_text("{not json")
    listing.refresh()
    assert listing.tree.headerItem().text(5) == "Test IoU"
    assert [r[5] for r in rows(listing)] == ["–", "–", "0.612"]  # a damaged file: no number
