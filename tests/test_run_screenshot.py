"""Screenshots of live training: the Statistics view mid-training and the Test view after
evaluating the run, taken from the window as a person sees it.

In `make test` they are taken on the tiny project (into tmp_path). ``make
screenshots`` (UNET_STUDIO_SCREENSHOTS=1) trains the demo project on the real nuclei
sample for three epochs and a part of the fourth (5 to 30 minutes on two cores),
evaluates best.pt on the test split and writes docs/screenshots/statistics.png and
test_view.png.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.data import sources
from app.paths import DEMO_PROJECT
from app.project import load_project, save_project
from engine_helpers import write_project
from test_main_window_screenshot import shots, styled  # noqa: F401 (fixtures)

WAIT = 1_800_000   # ms: the real demo trains for minutes on a busy CPU
DOCK = 470


def _project(tmp_path):
    if os.environ.get("UNET_STUDIO_SCREENSHOTS") and sources.nuclei_installed():
        project = load_project(DEMO_PROJECT)
        save_project(project, tmp_path / "demo.json")
        return tmp_path / "demo.json", 3   # micronuclei appear in the third epoch
    return write_project(tmp_path, epochs=300), 2


def _grab(window, qtbot, path):
    QApplication.processEvents()
    qtbot.wait(150)
    picture = window.grab()
    assert picture.save(str(path))
    return picture


def test_statistics_and_test_view_screenshots(styled, make_window, qtbot, shots,  # noqa: F811
                                              tmp_path):
    project, epochs = _project(tmp_path)
    window = make_window()
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_path(project, ask=False)
    panels, monitor = window.run_panels, window.controller.run_monitor
    events: list[dict] = []
    monitor.event.connect(events.append)
    assert panels.train()
    window.editor.select_nodes(["unet"])  # the Weights tab follows the canvas selection

    def previewed_after_epochs() -> bool:
        done = [i for i, e in enumerate(events) if e["type"] == "epoch"]
        return len(done) >= epochs and any(e["type"] == "preview"
                                           for e in events[done[epochs - 1]:])

    qtbot.waitUntil(previewed_after_epochs, timeout=WAIT)
    window.resizeDocks([window.bottom_dock], [DOCK], Qt.Orientation.Vertical)
    window.editor.view.fit_to_graph()
    view = panels.statistics
    view.refresh()
    assert view.preview.overlay.rendered() is not None  # a real prediction is drawn
    x, _ = view.curves.val_iou.getData()
    assert len(x) >= epochs
    shots.mkdir(parents=True, exist_ok=True)
    _grab(window, qtbot, shots / "statistics.png")
    panels.controls.stop_action.trigger()
    qtbot.waitUntil(lambda: monitor.state == "idle", timeout=WAIT)

    run_dir = events[0]["run"]
    panels.runs.select(run_dir)
    window.bottom_tabs.setCurrentWidget(panels.test)
    results: list = []
    monitor.evaluation.finished.connect(lambda *args: results.append(args))
    panels.test.evaluate_button.click()
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    panels.test.images.draw_thumbnails()
    assert panels.test.metrics.table.rowCount() == 3
    _grab(window, qtbot, shots / "test_view.png")
    assert (shots / "statistics.png").stat().st_size > 30_000
