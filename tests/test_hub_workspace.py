"""Listing a workspace's models and their runs (app/hub/workspace.py), bad files included."""
from __future__ import annotations

import json

import pytest

from app.hub import workspace as ws
from hub_helpers import populated_workspace, write_model, write_run


def test_lists_models_with_their_runs_and_the_broken_file_with_its_error(tmp_path):
    listing = ws.read_workspace(populated_workspace(tmp_path / "ws"))
    assert listing.problem is None and listing.writable
    by_name = {m.name: m for m in listing.models}
    assert sorted(by_name) == ["Bacteria", "Broken", "Cells", "Nuclei demo", "Scratch U-Net"]
    cells = by_name["Cells"]
    assert [r.name for r in cells.runs] == ["2026-11-26_14-30-00", "2026-11-25_09-00-00",
                                            "2026-11-24_10-15-00"]  # newest first
    assert [r.status for r in cells.runs] == ["failed", "finished", "finished"]
    assert cells.best_mean_iou == pytest.approx(max(r.best_mean_iou for r in cells.runs))
    assert cells.own_folder and cells.node_count == 3 and cells.edge_count == 2
    assert by_name["Scratch U-Net"].node_count == 33 and by_name["Scratch U-Net"].runs == []
    broken = by_name["Broken"]
    assert broken.error == "line 1, column 53: invalid JSON (Expecting value)"
    assert not broken.readable and broken.project is None


def test_a_project_file_with_a_bad_section_is_listed_with_every_problem(tmp_path):
    path = write_model(tmp_path, "Odd")
    data = json.loads(path.read_text())
    data["training"]["optimizer"] = "adagrad"
    data["colour"] = "red"
    path.write_text(json.dumps(data))
    (entry,) = ws.read_workspace(tmp_path).models
    assert entry.name == "Odd" and entry.project is not None
    assert "unknown top-level key 'colour'" in entry.error
    assert "training.optimizer: got 'adagrad'" in entry.error


def test_other_json_files_hidden_files_trash_and_run_folders_are_not_models(tmp_path):
    write_model(tmp_path, "Real")
    (tmp_path / "Real" / "classes.json").write_text('{"background": 0, "cell": 1}')
    (tmp_path / "Real" / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "Real" / ".Real.json.abc.tmp").write_text("{")
    write_model(tmp_path / ".trash" / "old", "Gone")
    runs = tmp_path / "runs" / "x"
    runs.mkdir(parents=True)
    (runs / "project.json").write_text('{"format": 1}')
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "Real" / "damaged.json").write_text('{"format": 1, "graph"')
    listing = ws.read_workspace(tmp_path)
    assert [m.name for m in listing.models] == ["Real", "damaged"]  # it may be a project
    assert listing.find(tmp_path / "Real" / "damaged.json").error.startswith("line 1, column")


def test_runs_of_a_shared_folder_go_to_the_project_their_snapshot_names(tmp_path):
    first = write_model(tmp_path, "A")
    second = tmp_path / "A" / "B.json"
    data = json.loads(first.read_text())
    data["name"] = "B"
    second.write_text(json.dumps(data))
    write_run(first, "run-a")
    write_run(second, "run-b")
    models = {m.name: m for m in ws.read_workspace(tmp_path).models}
    assert [r.name for r in models["A"].runs] == ["run-a"]
    assert [r.name for r in models["B"].runs] == ["run-b"]
    assert not models["A"].own_folder and not models["B"].own_folder


def test_a_file_directly_in_the_workspace_is_a_model_too(tmp_path):
    path = write_model(tmp_path, "Loose")
    path.rename(tmp_path / "Loose.json")
    (entry,) = ws.read_workspace(tmp_path).models
    assert entry.name == "Loose" and entry.path == tmp_path / "Loose.json"
    assert not entry.own_folder


def test_a_workspace_that_is_gone_or_a_file_says_so(tmp_path):
    gone = ws.read_workspace(tmp_path / "nowhere")
    assert gone.models == [] and not gone.writable
    assert gone.problem.startswith(f"The workspace folder {tmp_path / 'nowhere'} is not there")
    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in ws.read_workspace(tmp_path / "file").problem


def test_a_read_only_workspace_lists_but_is_not_writable(tmp_path, monkeypatch):
    write_model(tmp_path, "A")
    monkeypatch.setattr(ws, "writable", lambda folder: False)  # tests run as root here
    listing = ws.read_workspace(tmp_path)
    assert [m.name for m in listing.models] == ["A"] and not listing.writable


def test_search_matches_every_word_in_any_case_and_sorts(tmp_path):
    listing = ws.read_workspace(populated_workspace(tmp_path))
    found = ws.filter_models(listing.models, "u-NET scr")
    assert [m.name for m in found] == ["Scratch U-Net"]
    assert ws.filter_models(listing.models, "zebra") == []
    by_name = [m.name for m in ws.sort_models(listing.models, "name")]
    assert by_name == ["Bacteria", "Broken", "Cells", "Nuclei demo", "Scratch U-Net"]
    by_best = [m.name for m in ws.sort_models(listing.models, "best")]
    assert by_best[:2] == ["Nuclei demo", "Cells"]  # the models with scored runs first
    newest = [m.name for m in ws.sort_models(listing.models, "modified")]
    assert newest[0] == "Broken" and newest[-1] == "Bacteria"  # written now; a day old
