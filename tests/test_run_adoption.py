"""Runs trained before a project's first save move beside its file when it is saved."""
from __future__ import annotations

import json
import os
from pathlib import Path

from app.paths import DEMO_PROJECT
from app.run_adoption import adopt_runs
from stats_helpers import epoch_row


def _run(runs_folder: Path, name: str, status: str = "finished", data: dict | None = None,
         pid: int | None = None) -> Path:
    path = runs_folder / name
    path.mkdir(parents=True)
    record = {"status": status, "epochs_planned": 2, "project": str(path / "project.json")}
    if pid is not None:
        record["pid"] = pid
    (path / "run.json").write_text(json.dumps(record))
    (path / "metrics.jsonl").write_text("".join(json.dumps(epoch_row(n, 2)) + "\n"
                                                for n in (1, 2)))
    (path / "project.json").write_text(json.dumps({"format": 1, "data": data or {}}))
    return path


def _relative_images(run_dir: Path, images: Path) -> str:
    return Path(os.path.relpath(images, run_dir)).as_posix()


def test_finished_runs_move_and_their_snapshots_still_reach_the_images(tmp_path):
    images = tmp_path / "cells" / "images"
    images.mkdir(parents=True)
    source = tmp_path / "unsaved" / "Nuclei_demo" / "runs"
    old = source / "2026-12-01_10-00-00"
    _run(source, old.name, data={"images": _relative_images(old, images), "split": "random"})
    target = tmp_path / "projects" / "runs"

    adoption = adopt_runs(source, target)

    new = target / old.name
    assert adoption.moved == {old: new} and adoption.kept == []
    assert not old.exists() and not (tmp_path / "unsaved" / "Nuclei_demo").exists()
    assert (new / "metrics.jsonl").read_text().count("\n") == 2  # the whole run came along
    snapshot = json.loads((new / "project.json").read_text())
    assert (new / snapshot["data"]["images"]).resolve() == images.resolve()
    assert snapshot["data"]["split"] == "random"
    assert json.loads((new / "run.json").read_text())["project"] == str(new / "project.json")
    assert adoption.summary(target) == f"Moved 1 run of the unsaved project to {target}"


def test_a_run_still_training_and_a_name_already_taken_stay_where_they_are(tmp_path):
    source = tmp_path / "unsaved" / "demo" / "runs"
    training = _run(source, "2026-12-01_11-00-00", status="running", pid=os.getpid())
    taken = _run(source, "2026-12-01_09-00-00")
    moved = _run(source, "2026-12-01_08-00-00", status="stopped")
    target = tmp_path / "saved" / "runs"
    (target / taken.name).mkdir(parents=True)

    adoption = adopt_runs(source, target)

    assert list(adoption.moved) == [moved]
    assert dict(adoption.kept) == {training: "still training",
                                   taken: f"{target} already has a run of that name"}
    assert training.is_dir() and taken.is_dir() and (target / moved.name).is_dir()
    assert not any((target / taken.name).iterdir())  # the one already there is untouched
    assert adoption.summary(target) == (
        f"Moved 1 run of the unsaved project to {target}; 2026-12-01_11-00-00 stays in "
        f"{source} (still training); 2026-12-01_09-00-00 stays in {source} ({target} "
        "already has a run of that name)")


def test_nothing_to_move_says_nothing(tmp_path):
    adoption = adopt_runs(tmp_path / "no such folder", tmp_path / "runs")
    assert not adoption.moved and not adoption.kept and adoption.summary(tmp_path) == ""


def test_saving_the_unsaved_demo_brings_its_runs_into_the_runs_list(make_window,
                                                                   fake_dialogs, tmp_path):
    window = make_window()
    panels = window.run_panels
    panels.monitor.unsaved_base = tmp_path / "unsaved"
    window.open_template(DEMO_PROJECT)
    trained = _run(panels.runs_base() / "runs", "2026-12-01_10-00-00",
                   data={"source": "demo", "name": "nuclei"})
    panels.runs.refresh()
    assert [info.path for info in panels.runs.infos] == [trained]
    panels.choose_run(trained)

    fake_dialogs.answers["save_path"] = str(tmp_path / "work" / "demo.json")
    (tmp_path / "work").mkdir()
    assert window.save()

    moved = (tmp_path / "work" / "runs" / trained.name).resolve()
    assert [info.path.resolve() for info in panels.runs.infos] == [moved]
    assert panels.runs.infos[0].status == "finished"
    assert panels.shown.resolve() == moved and panels.test.run_dir.resolve() == moved
    assert not trained.exists()
    assert window.statusBar().currentMessage().startswith(
        "Moved 1 run of the unsaved project to ")


def _cross_device(monkeypatch):
    """os.rename as between two file systems: a directory cannot be renamed across."""
    import errno

    import app.run_adoption as adoption_module

    real = os.rename

    def rename(source, target):
        if not Path(target).name.startswith(".moving-") and Path(source).parent.parent.name \
                != Path(target).parent.parent.name:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(source, target)
    monkeypatch.setattr(adoption_module.os, "rename", rename)


def test_onto_another_file_system_the_run_is_copied_whole_then_removed(tmp_path, monkeypatch):
    images = tmp_path / "cells"
    images.mkdir()
    source = tmp_path / "unsaved" / "demo" / "runs"
    old = source / "2026-12-01_10-00-00"
    _run(source, old.name, data={"images": _relative_images(old, images)})
    (old / "best.pt").write_bytes(b"weights")
    target = tmp_path / "usb" / "runs"
    _cross_device(monkeypatch)

    adoption = adopt_runs(source, target)

    new = target / old.name
    assert adoption.moved == {old: new} and not old.exists()
    assert (new / "best.pt").read_bytes() == b"weights"
    snapshot = json.loads((new / "project.json").read_text())
    assert (new / snapshot["data"]["images"]).resolve() == images.resolve()
    assert [p.name for p in target.iterdir()] == [old.name]  # no staging folder left


def test_a_copy_that_fails_leaves_the_run_where_it_was(tmp_path, monkeypatch):
    import errno
    import shutil

    import app.run_adoption as adoption_module

    source = tmp_path / "unsaved" / "demo" / "runs"
    old = _run(source, "2026-12-01_10-00-00")
    target = tmp_path / "usb" / "runs"
    _cross_device(monkeypatch)

    def copy_then_fill_the_disk(src, dst):
        Path(dst).mkdir(parents=True)
        shutil.copy(Path(src) / "run.json", dst)
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(adoption_module.shutil, "copytree", copy_then_fill_the_disk)

    adoption = adopt_runs(source, target)

    assert adoption.moved == {}
    assert adoption.kept == [(old, "cannot be moved: No space left on device")]
    assert sorted(p.name for p in old.iterdir()) == ["metrics.jsonl", "project.json", "run.json"]
    assert list(target.iterdir()) == []  # the partial copy is gone


def test_a_run_training_at_the_first_save_follows_when_it_ends(make_window, fake_dialogs,
                                                              tmp_path):
    from app.run_monitor import RunEnd

    window = make_window()
    panels = window.run_panels
    panels.monitor.unsaved_base = tmp_path / "unsaved"
    window.open_template(DEMO_PROJECT)
    training = _run(panels.runs_base() / "runs", "2026-12-01_11-00-00", status="running")
    panels.live = training
    panels.monitor.process = object()  # a child is training there (only its presence counts)
    fake_dialogs.answers["save_path"] = str(tmp_path / "work" / "demo.json")
    (tmp_path / "work").mkdir()
    try:
        assert window.save()
    finally:
        panels.monitor.process = None
    assert training.is_dir()  # its child still writes there
    assert window.statusBar().currentMessage() == (
        f"{training.name} stays in {training.parent} (still training; it follows when it "
        "ends)")
    assert [info.path for info in panels.runs.infos] == [training]  # still listed

    (training / "run.json").write_text(json.dumps({"status": "finished"}))
    panels._ended(RunEnd(training, "finished", "trained 2 epochs", None, True))

    moved = (tmp_path / "work" / "runs" / training.name).resolve()
    assert not training.exists()
    assert [info.path.resolve() for info in panels.runs.infos] == [moved]
    assert panels.pending_runs is None
    assert window.statusBar().currentMessage().startswith("Moved 1 run of the unsaved project")
