"""Train (F5), Pause, Resume and Stop, and the status bar's line about the run (Qt).

Train refuses to start, saying why, when the graph has problems (the controller's
analysis) or the data has problems the person has not accepted (app.data.scan's
``ready_problems``, the check ``main.py train`` makes too). The data check reads
every image, so it runs on a worker thread, on a copy of the project taken when
Train was pressed: that copy is what trains, whatever the canvas becomes meanwhile.
"""
from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QWidget

from app.project import Project, project_from_dict
from app.run_monitor import RunMonitor
from canvas.icons import icon
from components.compiler import Analysis
from components.errors import StudioError

Row = tuple[str, str]   # (place, message) for the Problems tab


def snapshot_of(project: Project) -> Project:
    """A copy of the project that shares nothing with the open one."""
    copied = project_from_dict(copy.deepcopy(project.to_dict()), str(project.path or "project"))
    copied.path = project.path
    return copied


def data_problems(project: Project) -> list[Row]:
    """What stops training in the data (runs on the worker thread; reads every image)."""
    from app.data.scan import ready_problems, scan

    try:
        dataset = scan(project.data, project.folder)
        return [(problem.file, problem.message) for problem in ready_problems(project, dataset)]
    except StudioError as error:
        return [("data", str(error))]


class RunControls(QObject):
    """The run actions of one window and what they do."""

    refused = Signal(list)      # [(place, message)]: why Train did not start
    started = Signal(object)    # the run directory a Train started
    _checked = Signal(object)   # (snapshot, rows) from the worker thread

    def __init__(self, monitor: RunMonitor, analysis: Callable[[], Analysis],
                 project: Callable[[], Project], parent: QWidget) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._analysis, self._project = analysis, project   # callables: the current ones
        self.checking = False
        self.closed = False
        self._executor: ThreadPoolExecutor | None = None
        self.train_action = self._action("Train", "F5", "Train the model on a snapshot of "
                                         "this project (the canvas stays editable)", "train",
                                         self.train)
        self.pause_action = self._action("Pause", None, "Pause training after this batch",
                                         "pause", monitor.pause)
        self.resume_action = self._action("Resume", None, "Go on training", "resume",
                                          monitor.resume_training)
        self.stop_action = self._action("Stop", "Shift+F5", "Stop after this batch, keeping a "
                                        "last.pt to resume from", "stop", monitor.stop)
        self.status_label = QLabel()
        self.status_label.setObjectName("runStatus")
        self._checked.connect(self._on_checked)
        monitor.state_changed.connect(self.update_actions)
        monitor.event.connect(self._show_status)
        self.update_actions()

    @property
    def actions(self) -> list[QAction]:
        return [self.train_action, self.pause_action, self.resume_action, self.stop_action]

    def _action(self, text: str, keys: str | None, tip: str, icon_name: str,
                slot: Callable[[], object]) -> QAction:
        action = QAction(icon(icon_name), text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(lambda checked=False: slot())
        return action

    # --- Train --------------------------------------------------------------------
    def train(self) -> bool:
        """Check the graph now and the data on a worker thread; True when checking began."""
        if self.monitor.active or self.checking or self.closed:
            return False
        self.refused.emit([])  # the last refusal's reasons go: this is a new attempt
        analysis = self._analysis()
        if analysis.problems:
            count = len(analysis.problems)
            self.refused.emit([("graph", f"Train refused: the graph has {count} problem"
                                         f"{'s' if count != 1 else ''} (listed above); fix "
                                         "them first")])
            return False
        try:
            snapshot = snapshot_of(self._project())
        except StudioError as error:
            self.refused.emit([("project", str(error))])
            return False
        self.checking = True
        self.update_actions()
        self.status_label.setText("Checking the data…")
        self._executor = self._executor or ThreadPoolExecutor(1, "studio-train-check")
        future = self._executor.submit(data_problems, snapshot)
        future.add_done_callback(lambda done: self._checked.emit((snapshot, done)))
        return True

    def _on_checked(self, payload: tuple[Project, Future]) -> None:
        snapshot, future = payload
        self.checking = False
        if self.closed:  # the window closed while the data was checked: start nothing
            return
        try:
            rows = future.result()
        except Exception as error:  # noqa: BLE001 - a scan that broke must not break the window
            rows = [("data", f"the data check failed: {type(error).__name__}: {error}")]
        self.status_label.setText("")
        if rows:
            self.update_actions()
            self.refused.emit(rows)
            return
        try:
            run_dir = self.monitor.train(snapshot)
        except (StudioError, OSError) as error:
            self.update_actions()
            self.refused.emit([("run directory", str(error))])
            return
        self.started.emit(run_dir)

    # --- state --------------------------------------------------------------------
    def update_actions(self, *args: object) -> None:
        state = self.monitor.state
        self.train_action.setEnabled(state == "idle" and not self.checking)
        self.pause_action.setEnabled(state == "running")
        self.resume_action.setEnabled(state == "paused")
        self.stop_action.setEnabled(state in ("starting", "running", "paused"))
        if state == "idle" and not self.checking:
            self.status_label.setText("")

    def _show_status(self, *event: object) -> None:
        self.status_label.setText(self.monitor.status.text())

    def close(self) -> None:
        self.closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
