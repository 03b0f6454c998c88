"""Live training from the window, with real child processes on tiny data: Train, Pause,
Resume, Stop (within one batch), resume from the runs list, closing during a run, a
child that raises and one killed with SIGKILL (each a failed run while the window
keeps working), and refusals that name their reason in the Problems tab.

Each child costs a few seconds (Python + torch start-up), so the tests are few and
each covers a whole story."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from app import run_panels, run_setup
from app.engine.checkpoint import read_checkpoint
from app.processes import process_alive
from engine_helpers import write_project

WAIT = 90_000  # ms: a child on a busy 2-core machine can take long to start


@pytest.fixture(autouse=True)
def stop_runs_on_close(monkeypatch):
    """Closing a window during a run answers 'stop it' (the real question is a dialog)."""
    answers: list[bool] = []
    monkeypatch.setattr(run_panels, "ask_stop_run",
                        lambda parent: answers.pop(0) if answers else True)
    return answers


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux /proc), zombies left out."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


class Recorder:
    """Every event and end of a window's run monitor."""

    def __init__(self, window):
        self.monitor = window.controller.run_monitor
        self.events: list[dict] = []
        self.ends: list = []
        self.monitor.event.connect(self.events.append)
        self.monitor.ended.connect(self.ends.append)

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["type"] == kind]


def _open(make_window, project):
    window = make_window()
    assert window.open_path(project, ask=False)
    return window, window.run_panels, Recorder(window)


def _pause(qtbot, panels, seen):
    panels.controls.pause_action.trigger()
    qtbot.waitUntil(lambda: seen.monitor.state == "paused", timeout=WAIT)
    return seen.of("paused")[-1]


def test_train_pause_edit_resume_stop_then_resume_and_close(make_window, qtbot, tmp_path,
                                                              stop_runs_on_close):
    project = write_project(tmp_path, epochs=300, workers=1)  # a loader worker, as the demo
    window, panels, seen = _open(make_window, project)
    controls = panels.controls
    assert [a.text() for a in panels.run_menu.actions()] == ["Train", "Pause", "Resume", "Stop"]
    assert controls.train_action.shortcut().toString() == "F5"
    assert [a.isEnabled() for a in controls.actions] == [True, False, False, False]
    controls.train_action.trigger()
    qtbot.waitUntil(lambda: len(seen.of("epoch")) >= 2, timeout=WAIT)
    status = controls.status_label.text()
    assert status.startswith("Training: epoch ") and " samples/s · ETA " in status, status
    paused = _pause(qtbot, panels, seen)
    assert [a.isEnabled() for a in controls.actions] == [False, False, True, True]
    run_dir = seen.monitor.run_dir
    window.editor.add_component("Convolution")  # the canvas stays editable during a run
    assert len(window.project.graph.nodes) == 4
    snapshot = json.loads((run_dir / "project.json").read_text())
    assert len(snapshot["graph"]["nodes"]) == 3  # the run trains what was there at Train
    controls.resume_action.trigger()
    qtbot.waitUntil(lambda: seen.monitor.state == "running", timeout=WAIT)
    batches = len(seen.of("batch"))
    qtbot.waitUntil(lambda: len(seen.of("batch")) > batches + 2, timeout=WAIT)
    paused = _pause(qtbot, panels, seen)
    controls.stop_action.trigger()
    qtbot.waitUntil(lambda: bool(seen.ends), timeout=WAIT)
    end = seen.ends[0]
    assert (end.status, end.checkpoint) == ("stopped", run_dir / "last.pt")
    per_epoch = seen.of("started")[0]["batches"]
    checkpoint = read_checkpoint(end.checkpoint)
    epoch, batch = paused["epoch"] - 1, paused["batch"] + 1  # the one batch after the pause
    expected = (epoch + 1, 0) if batch == per_epoch else (epoch, batch)
    assert (checkpoint["epoch"], checkpoint["batch"]) == expected
    last = seen.of("batch")[-1]
    assert (last["epoch"], last["batch"]) == (paused["epoch"], paused["batch"] + 1)
    received = [e["epoch"] for e in seen.of("epoch")]
    panels.statistics.refresh()
    x, y = panels.statistics.curves.val_iou.getData()
    assert list(x) == received and list(y) == [e["mean_iou"] for e in seen.of("epoch")]
    assert "Stopped" in panels.statistics.status.text()
    assert [a.isEnabled() for a in controls.actions] == [True, False, False, False]

    info = panels.runs.info(run_dir)
    assert info is not None and info.status == "stopped" and info.resumable
    panels.runs.select(run_dir)
    assert panels.runs.resume_button.isEnabled()
    panels.runs.resume_button.click()
    qtbot.waitUntil(lambda: len(seen.of("started")) == 2, timeout=WAIT)
    again = seen.of("started")[1]
    assert (again["epoch"], again["batch"]) == expected  # it goes on where it stopped
    qtbot.waitUntil(lambda: len(seen.of("batch")) > len(received) + 1, timeout=WAIT)
    pid = seen.monitor.pid
    stop_runs_on_close.append(False)
    assert not window.close()  # "keep training": the window stays
    assert seen.monitor.active
    assert window.close()      # "stop it": the run stops with a last.pt, nothing is left
    assert not process_alive(pid) and descendants(os.getpid()) == []
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "stopped" and len(record["resumes"]) == 1


def _raising_main(tmp_path):
    script = tmp_path / "raising_main.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(run_setup.ROOT)!r})\n"
        "from app.engine import loop\n"
        "step = loop.Trainer._step\n"
        "def broken(self):\n"
        "    if self.state.step == 1:\n"
        "        raise RuntimeError('boom in a component')\n"
        "    step(self)\n"
        "loop.Trainer._step = broken\n"
        "from app.cli import main\n"
        "sys.exit(main())\n")
    return script


def _still_editable(qtbot, window):
    nodes = len(window.project.graph.nodes)
    window.editor.add_component("Pooling")
    assert len(window.project.graph.nodes) == nodes + 1
    window.undo_stack.undo()
    assert len(window.project.graph.nodes) == nodes


def test_a_child_that_raises_is_a_failed_run_and_the_window_goes_on(make_window, qtbot,
                                                                     tmp_path, monkeypatch):
    monkeypatch.setattr(run_setup, "MAIN", _raising_main(tmp_path))
    window, panels, seen = _open(make_window, write_project(tmp_path, epochs=5))
    panels.train()
    qtbot.waitUntil(lambda: bool(seen.ends), timeout=WAIT)
    end = seen.ends[0]
    assert end.status == "failed" and "RuntimeError: boom in a component" in end.message
    assert end.checkpoint is None  # it failed in its first epoch
    panels.statistics.refresh()
    assert "Failed: RuntimeError: boom in a component" in panels.statistics.status.text()
    assert "Run failed: RuntimeError: boom" in window.statusBar().currentMessage()
    _still_editable(qtbot, window)
    assert panels.controls.train_action.isEnabled()


def test_a_child_killed_with_sigkill_is_failed_with_its_last_checkpoint(make_window, qtbot,
                                                                        tmp_path):
    window, panels, seen = _open(make_window, write_project(tmp_path, epochs=300))
    panels.train()
    qtbot.waitUntil(lambda: any(e.get("kind") == "last" for e in seen.of("checkpoint")),
                    timeout=WAIT)
    pid = seen.monitor.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: bool(seen.ends), timeout=WAIT)
    end = seen.ends[0]
    assert end.status == "failed" and "the training process was killed" in end.message
    run_dir = seen.monitor.run_dir
    assert end.checkpoint == run_dir / "last.pt" and read_checkpoint(end.checkpoint)["epoch"] >= 1
    panels.runs.refresh()
    info = panels.runs.info(run_dir)
    assert info.status_text == "interrupted" and info.resumable  # Resume offered
    panels.statistics.refresh()
    assert "Failed: the training process was killed" in panels.statistics.status.text()
    _still_editable(qtbot, window)


def test_train_refuses_with_the_reason_in_the_problems_tab(make_window, qtbot, tmp_path):
    project = write_project(tmp_path)
    (tmp_path / "data" / "train" / "masks" / "train1.png").unlink()  # an unreported problem
    window, panels, seen = _open(make_window, project)
    refusals = []
    panels.controls.refused.connect(lambda rows: rows and refusals.append(rows))
    assert panels.train()  # the data check runs on a worker thread
    qtbot.waitUntil(lambda: bool(refusals), timeout=WAIT)
    assert any("train1" in place + message for place, message in refusals[0]), refusals
    problems = window.problems
    texts = [problems.topLevelItem(i).text(2) for i in range(problems.topLevelItemCount())]
    assert window.bottom_tabs.currentWidget() is problems
    assert any(message in texts for _, message in refusals[0])
    assert not seen.monitor.active and not (tmp_path / "runs").exists()  # nothing started
    window.editor.select_nodes(["target"])
    window.editor.delete_selection()  # now the graph is broken too
    refusals.clear()
    assert not panels.train()  # refused at once, no data check
    assert "Train refused: the graph has" in refusals[0][0][1]
    assert window.problems_button.text().startswith(("2 problems", "3 problems"))
    assert sys.executable  # the window is still alive
