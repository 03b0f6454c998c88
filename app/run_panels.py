"""The window's training half (Qt): the Run menu and toolbar, and the Statistics, Runs
and Test tabs of the bottom dock, wired to the run monitor as docs/stats.md's table
says. ``install_run_panels(window, controller)`` builds it all; the window keeps the
returned RunPanels and asks it before closing.

The Statistics view shows one run at a time: the live run while it trains, or a past
run chosen in the runs list (the live one goes on in the background and is shown
again, from its events.jsonl, when it is chosen again).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from app import runs, run_setup
from app.run_adoption import adopt_runs
from app.run_controls import RunControls, Row
from app.run_monitor import RunEnd
from app.run_predict import CheckpointPredictor
from app.stats.runs_list import RunsList
from app.stats.statistics_view import StatisticsView
from app.stats.testing_view import TestView

if TYPE_CHECKING:
    from app.controller import ProjectController

CHECKPOINTS = ("best.pt", "last.pt")
TAB_HEIGHT = 420  # px: the bottom dock's height once a run starts (curves need room)
REFRESH_MS = 1000


def ask_stop_run(parent: QWidget) -> bool:
    """Closing during a run: stop it (True) or keep the window open (False)."""
    answer = QMessageBox.question(
        parent, "Training is running",
        "A model is training in this window. Stop the run and close? (It stops after the "
        "current batch and keeps a last.pt, so it can be resumed from the Runs list.)",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def checkpoints_of(run_dir: Path) -> list[str]:
    return [name for name in CHECKPOINTS if (Path(run_dir) / name).is_file()]


class RunPanels(QObject):
    """The Run menu, the Statistics and Test tabs, and their wiring to the monitor."""

    def __init__(self, window: QMainWindow, controller: "ProjectController") -> None:
        super().__init__(window)
        self.window, self.controller = window, controller
        self.monitor = controller.run_monitor
        self.statistics = StatisticsView()
        self.runs = RunsList()
        self.test = TestView()
        self.controls = RunControls(self.monitor, lambda: controller.refresh_analysis(),
                                    lambda: controller.project, window)
        self.refusal: list[Row] = []
        self.pending_runs: Path | None = None  # an unsaved project's runs/ still in use
        self.live: Path | None = None       # the run this window trains
        self.shown: Path | None = None      # the run the Statistics view shows
        self._progress = QTimer(self)       # epochs and checkpoints: one list refresh a
        self._progress.setSingleShot(True)  # second at most (tiny runs make ten a second)
        self._progress.setInterval(REFRESH_MS)
        self._progress.timeout.connect(self._show_progress)
        self._build()
        self._connect()
        self.update_runs_folder()

    # --- building -----------------------------------------------------------------
    def _build(self) -> None:
        window = self.window
        window.bottom_tabs.addTab(self.statistics, "Statistics")
        window.bottom_tabs.addTab(self.runs, "Runs")
        window.bottom_tabs.addTab(self.test, "Test")
        bar = window.menuBar()
        self.run_menu = QMenu("&Run", bar)
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        bar.insertMenu(help_menu, self.run_menu)  # before Help (None: at the end)
        self.run_menu.addActions(self.controls.actions)
        window.toolbar.addSeparator()
        window.toolbar.addActions(self.controls.actions)
        window.statusBar().insertPermanentWidget(0, self.controls.status_label)

    def _connect(self) -> None:
        monitor, controls, c = self.monitor, self.controls, self.controller
        controls.refused.connect(self.show_refusal)
        controls.started.connect(self._train_started)
        monitor.started.connect(self._child_started)
        monitor.event.connect(self._event)
        monitor.ended.connect(self._ended)
        self.runs.run_chosen.connect(self.choose_run)
        self.runs.tree.itemActivated.connect(  # double-click or Enter: look at its curves
            lambda *_: self.window.bottom_tabs.setCurrentWidget(self.statistics))
        self.runs.resume_requested.connect(self.resume)
        self.runs.compare_requested.connect(self._compare)
        self.test.evaluate_requested.connect(
            lambda run_dir, file: monitor.evaluation.start(Path(run_dir), file))
        self.test.cancel_requested.connect(monitor.evaluation.cancel)
        monitor.evaluation.progress.connect(self.test.set_progress)
        monitor.evaluation.finished.connect(self._evaluated)
        monitor.evaluation.failed.connect(self.test.set_failed)
        monitor.evaluation.failed.connect(self._adopt_pending)
        c.selection_changed.connect(
            lambda ids: self.statistics.set_node(ids[0] if len(ids) == 1 else None))
        c.analysis_changed.connect(self._reshow_refusal)
        c.project_replaced.connect(self.update_runs_folder)
        c.undo_stack.cleanChanged.connect(self.update_runs_folder)  # a save may move it

    # --- training -----------------------------------------------------------------
    def train(self) -> bool:
        """What Train (F5) does; False when it was refused at once."""
        return self.controls.train()

    def resume(self, run_dir: str | Path) -> None:
        """Resume a stopped or interrupted run of the list."""
        if self.monitor.active:
            self.window.statusBar().showMessage("A run is already training in this window", 6000)
            return
        run_dir = Path(run_dir)
        self.monitor.resume(run_dir)
        self._show_live(run_dir, replay=True)

    def _train_started(self, run_dir: Path) -> None:
        self._show_live(Path(run_dir), replay=False)

    def _show_live(self, run_dir: Path, replay: bool) -> None:
        self.live = self.shown = run_dir
        if replay:
            self.statistics.load_run(run_dir)
        else:
            self.statistics.start_run(run_dir)
        self.statistics.set_class_colors(run_setup.class_colors(run_dir) or [])
        self.window.bottom_dock.show()
        self.window.bottom_tabs.setCurrentWidget(self.statistics)
        if self.window.bottom_dock.height() < TAB_HEIGHT:
            self.window.resizeDocks([self.window.bottom_dock], [TAB_HEIGHT],
                                    Qt.Orientation.Vertical)

    def _child_started(self, run_dir: str) -> None:
        self.update_runs_folder()
        self.runs.set_active([run_dir])
        self.runs.select(Path(run_dir))

    def _event(self, event: dict) -> None:
        if self.shown is not None and self.shown == self.live:
            self.statistics.feed(event)
        if event.get("type") in ("epoch", "checkpoint") and not self._progress.isActive():
            self._progress.start()

    def _show_progress(self) -> None:
        """The live run's epochs, best IoU and new checkpoints in the Runs and Test tabs."""
        self.runs.refresh()
        if self.live is not None and self.test.run_dir == self.live:
            self._set_test_run(self.live)

    def _ended(self, end: RunEnd) -> None:
        live, self.live = self.live, None
        self._progress.stop()
        if not end.started:  # refused by the child: its run directory is gone too
            self.show_refusal([("training", end.message)])
            if self.shown == live:
                self.statistics.start_run(None)
                self.shown = None
        elif live is not None and self.shown == live and self.statistics.history.ended is None:
            self.statistics.feed({"type": end.status, "message": end.message,
                                  "checkpoint": end.checkpoint.name if end.checkpoint else None})
        self.runs.set_active([])
        where = f"; last good checkpoint {end.checkpoint}" if end.checkpoint else ""
        self.window.statusBar().showMessage(f"Run {end.status}: {end.message}{where}", 15000)
        if live is not None and self.test.run_dir == live:
            self._set_test_run(live)
        self._adopt_pending()

    # --- the runs list and the test view --------------------------------------------
    def update_runs_folder(self, *args: object) -> bool:
        """List the project's runs/ (and a folder of runs still to follow it); True when
        that changed the folders (which lists them again)."""
        folders = [self.runs_base() / "runs"]
        if self.pending_runs is not None and self.pending_runs != folders[0]:
            folders.append(self.pending_runs)  # a run that stayed behind, still listed
        if self.runs.folders == folders:
            return False
        self.runs.set_folders(folders)
        return True

    def runs_base(self) -> Path:
        """The folder whose runs/ the list shows (run_setup.runs_base)."""
        return run_setup.runs_base(self.controller.project, self.monitor.unsaved_base)

    def adopt_runs(self, unsaved_base: Path) -> str:
        """After the first save: move the runs trained while the project had no file
        (under ``unsaved_base``) into runs/ beside it; what happened, for the status bar.
        A run this window still trains or evaluates follows when its child ends."""
        self.pending_runs = Path(unsaved_base) / "runs"
        return self._adopt()

    def _adopt(self) -> str:
        source, target = self.pending_runs, self.runs_base() / "runs"
        if source is None:
            return ""
        busy = self._busy()
        adoption = adopt_runs(source, target, busy)
        waiting = {path.resolve() for path in busy}
        self.pending_runs = source if any(p.resolve() in waiting for p, _ in adoption.kept) \
            else None
        moved = adoption.moved
        if self.shown in moved:
            self.statistics.load_run(moved[self.shown])
            self.shown = moved[self.shown]
        if self.test.run_dir in moved:
            self._set_test_run(moved[self.test.run_dir])
        if not self.update_runs_folder():
            self.runs.refresh()
        return adoption.summary(target)

    def _busy(self) -> dict[Path, str]:
        """Run directories a child of this window writes into now, and why."""
        busy = {}
        if self.live is not None and self.monitor.active:
            busy[self.live] = "still training; it follows when it ends"
        evaluation = self.monitor.evaluation
        if evaluation.active and evaluation.run_dir is not None:
            busy[evaluation.run_dir] = "being evaluated; it follows when that ends"
        return busy

    def _adopt_pending(self, *args: object) -> None:
        """A child ended: bring along a run that had to stay behind at the first save."""
        if self.pending_runs is not None:
            said = self._adopt()
            if said:
                self.window.statusBar().showMessage(said, 15000)

    def choose_run(self, run_dir: str | Path) -> None:
        """Show a run: its curves (unless it is the live one, already shown) and its
        checkpoints in the Test view."""
        run_dir = Path(run_dir)
        if run_dir != self.shown:
            self.statistics.load_run(run_dir)
            self.statistics.set_class_colors(run_setup.class_colors(run_dir) or [])
            self.shown = run_dir
        self._set_test_run(run_dir)

    def _set_test_run(self, run_dir: Path) -> None:
        found = checkpoints_of(run_dir)
        self.test.set_run(run_dir, found)
        self.test.set_predictor(CheckpointPredictor(run_dir, found[0]) if found else None)

    def _evaluated(self, run_dir: str, result: dict, images: list) -> None:
        try:
            runs.save_evaluation(Path(run_dir), result)
        except OSError as error:
            self.window.statusBar().showMessage(f"Could not keep the result: {error}", 8000)
        self.test.set_evaluation(result, images, run_setup.class_colors(Path(run_dir)))
        if self.pending_runs is None:
            self.runs.refresh()  # its Test IoU
        self._adopt_pending()  # (which lists the runs again)

    def _compare(self, paths: Sequence[str]) -> None:
        self.test.compare_runs([Path(p) for p in paths])
        self.window.bottom_tabs.setCurrentWidget(self.test)

    # --- refusals -----------------------------------------------------------------
    def show_refusal(self, rows: Sequence[Row]) -> None:
        """Why Train did not start, in the Problems tab (kept there until the next Train)."""
        self.refusal = list(rows)
        self.window.problems.show_analysis(self.controller.analysis, self.refusal)
        if rows:
            self.window.bottom_dock.show()
            self.window.bottom_tabs.setCurrentWidget(self.window.problems)
            self.window.statusBar().showMessage(f"Training did not start: {rows[0][1]}", 15000)

    def _reshow_refusal(self, *args: object) -> None:
        if self.refusal:
            self.window.problems.show_analysis(self.controller.analysis, self.refusal)

    # --- closing ------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """Closing the window: True when no run trains or the person agreed to stop it."""
        return not self.monitor.active or ask_stop_run(self.window)

    def close(self) -> None:
        self.controls.close()
        self.test.shutdown()


def install_run_panels(window: QMainWindow, controller: "ProjectController") -> RunPanels:
    """Build the Run menu, toolbar buttons, status line and the Statistics / Test tabs."""
    return RunPanels(window, controller)
