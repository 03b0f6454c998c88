"""A past run in the window: chosen in the runs list, its curves from metrics.jsonl, the
Test view filled by the eval child (table, confusion matrix, images worst first, each
overlay mode), "Open image..." through the in-process predictor, Cancel."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from app.engine.run import TrainOptions, train
from app.project import load_project
from app.stats import overlay
from engine_helpers import write_project

WAIT = 90_000


def test_a_past_run_is_evaluated_by_the_eval_child(make_window, qtbot, tmp_path):
    project = write_project(tmp_path, epochs=2)
    run_dir = tmp_path / "runs" / "2026-11-30_10-00-00"
    train(load_project(project), TrainOptions(out=run_dir))
    window = make_window()
    assert window.open_path(project, ask=False)
    panels = window.run_panels
    assert [info.path for info in panels.runs.infos] == [run_dir]
    panels.runs.select(run_dir)
    panels.statistics.refresh()
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    x, y = panels.statistics.curves.val_iou.getData()
    assert list(x) == [1, 2] and list(y) == [r["mean_iou"] for r in rows]
    test = panels.test
    assert test.run_dir == run_dir and test.evaluate_button.isEnabled()
    progress, results = [], []
    evaluation = window.controller.run_monitor.evaluation
    evaluation.progress.connect(lambda done, total: progress.append((done, total)))
    evaluation.finished.connect(lambda *args: results.append(args))
    test.evaluate_button.click()
    assert test.cancel_button.isVisibleTo(test)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    result = results[0][1]
    assert progress[-1] == (2, 2)
    assert json.loads((run_dir / "eval_test.json").read_text())["mean_iou"] == result["mean_iou"]
    table = test.metrics.table
    assert table.rowCount() == 3
    assert [table.item(r, 0).text() for r in range(3)] == ["background", "disc", "square"]
    assert np.array_equal(test.matrix.evaluation.matrix, np.asarray(result["confusion_matrix"]))
    images = test.images
    assert images.names() == [row["file"] for row in result["images"]]  # worst first
    pictures = {}
    for mode in overlay.MODES:
        images.overlay.set_mode(mode)
        pictures[mode] = images.overlay.rendered()
        assert pictures[mode] is not None and pictures[mode].dtype == np.uint8
    assert pictures["side_by_side"].shape[1] > 3 * 32 and pictures["overlay"].shape == (32, 32, 3)
    assert len({p.tobytes() for p in pictures.values()}) == len(overlay.MODES)
    own = tmp_path / "own.png"
    Image.open(tmp_path / "data" / "test" / "images" / "test0.png").save(own)
    assert images.open_image(own)
    qtbot.waitUntil(lambda: not images.predicting, timeout=WAIT)
    assert images.own is not None and images.own[1].shape == (32, 32)
    assert images.message.text() == "Predicted own.png"

    test.evaluate_button.click()   # again, and cancel it
    test.cancel_button.click()
    qtbot.waitUntil(lambda: not evaluation.active, timeout=WAIT)
    assert "cancelled" in test.metrics.summary.text()
    assert test.evaluate_button.isVisibleTo(test)
