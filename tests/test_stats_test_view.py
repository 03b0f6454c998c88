"""The Test view: metrics table, confusion matrix, images worst first, own image, compare."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QHelpEvent

from app import runs
from app.stats import confusion
from app.stats.evaluation import TestImage, normalized_rows, parse_evaluation
from app.stats.testing_view import TestView
from stats_helpers import microscopy, preview_prediction, preview_truth

RESULT = {
    "split": "test", "checkpoint": "runs/r1/best.pt", "mean_iou": 0.712, "pixel_accuracy": 0.991,
    "classes": [
        {"name": "background", "iou": 0.99, "dice": 0.995, "precision": 0.99, "recall": 0.99,
         "pixels": 9000},
        {"name": "nucleus", "iou": 0.86, "dice": 0.925, "precision": 0.93, "recall": 0.92,
         "pixels": 900},
        {"name": "micronucleus", "iou": None, "dice": None, "precision": None, "recall": None,
         "pixels": 0}],
    "confusion_matrix": [[8800, 150, 50], [60, 830, 10], [0, 0, 0]],
    "images": [{"file": "test/images/b.png", "mean_iou": 0.5},
               {"file": "test/images/a.png", "mean_iou": 0.9}]}


@pytest.fixture
def view(qtbot):
    widget = TestView()
    qtbot.addWidget(widget)
    widget.resize(1200, 400)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_table_and_summary_from_an_eval_result(view):
    assert view.set_evaluation(RESULT)
    table = view.metrics
    assert table.table.rowCount() == 3
    assert [table.cell(1, c) for c in range(6)] == \
        ["nucleus", "0.860", "0.925", "0.930", "0.920", "900"]
    assert table.cell(2, 1) == "–"  # absent from the split: no IoU
    assert "undefined" in table.table.item(2, 1).toolTip()
    assert "Mean IoU 0.712" in table.summary.text()
    assert "pixel accuracy 0.991" in table.summary.text()
    assert "best.pt" in table.summary.text()


def test_confusion_matrix_rows_are_normalized_and_hover_says_counts(view, monkeypatch):
    view.set_evaluation(RESULT)
    matrix = view.matrix
    shares = matrix.shares
    assert shares[0].sum() == pytest.approx(1.0) and shares[1].sum() == pytest.approx(1.0)
    assert shares[2].tolist() == [0, 0, 0]  # no micronucleus pixels: an empty row, not NaN
    assert shares[1, 0] == pytest.approx(60 / 900)
    text = matrix.hover_text(1, 0)
    assert text == ("truth nucleus, predicted background: 60 pixels "
                    "(6.7% of the 900 nucleus pixels)")
    # the tooltip a person gets over that cell
    centre = matrix.cell_rect(1, 0).center()
    assert matrix.cell_at(centre) == (1, 0)
    assert matrix.cell_at(QPoint(1, 1)) is None
    shown = []
    monkeypatch.setattr(confusion.QToolTip, "showText",  # offscreen cannot raise a tooltip
                        lambda position, tip, widget: shown.append(tip))
    matrix.event(QHelpEvent(QEvent.Type.ToolTip, centre, matrix.mapToGlobal(centre)))
    assert shown == [text]


@pytest.mark.parametrize("size,upright", [((330, 280), True), ((600, 420), False)])
def test_column_names_stand_upright_when_one_is_wider_than_its_column(qtbot, size, upright):
    # "micronucleus" used to be cut to "micronucl…" above a narrow column
    matrix = confusion.ConfusionMatrixView()
    qtbot.addWidget(matrix)
    matrix.set_evaluation(parse_evaluation(RESULT))
    matrix.resize(*size)
    drawn = []
    real = confusion.QPainter.drawText
    def record(painter, *args):
        drawn.append(args[-1])
        return real(painter, *args)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(confusion.QPainter, "drawText", record)
        matrix.grab()
    assert matrix.upright_names() is upright
    assert drawn.count("micronucleus") == 2  # its row and its column, whole
    assert not [text for text in drawn if "…" in text]
    longest = confusion.QFontMetrics(matrix.font()).horizontalAdvance("micronucleus")
    cell = matrix.cell_rect(0, 2)
    room = cell.top() if upright else cell.width()
    assert room > longest


def test_images_are_listed_worst_first_with_overlays(view):
    truth = preview_truth()
    images = [TestImage(f"test/images/{name}.png", iou, microscopy(truth), truth,
                        preview_prediction())
              for name, iou in (("good", 0.9), ("bad", 0.3), ("none", None), ("mid", 0.6))]
    view.set_evaluation(RESULT, images)
    panel = view.images
    assert panel.names() == ["test/images/bad.png", "test/images/mid.png",
                             "test/images/good.png", "test/images/none.png"]
    assert panel.list.item(0).text() == "IoU 0.300\nbad.png"
    panel.draw_thumbnails()
    assert all(not panel.list.item(i).icon().isNull() for i in range(4))
    assert panel.overlay.rendered().shape == (96, 96, 3)  # the worst one, shown at once
    panel.list.setCurrentRow(2)
    assert panel.overlay.caption.text() == "test/images/good.png"


def test_images_from_png_paths_and_without_pictures(view, tmp_path):
    truth = preview_truth()
    for name, array in (("i", microscopy(truth)), ("t", truth), ("p", preview_prediction())):
        Image.fromarray(array).save(tmp_path / f"{name}.png")
    image = TestImage("x.png", 0.4, tmp_path / "i.png", tmp_path / "t.png", tmp_path / "p.png")
    view.set_evaluation(RESULT, [image])
    assert np.array_equal(view.images.overlay.truth, truth)
    view.set_evaluation(RESULT)  # the result alone: names and scores, nothing to draw
    assert view.images.names() == ["test/images/b.png", "test/images/a.png"]
    assert "no image" in view.images.overlay.picture.placeholder


def test_open_image_predicts_on_a_worker_and_saves_the_mask(view, qtbot, tmp_path):
    source = tmp_path / "mine.png"
    Image.fromarray(microscopy(preview_truth())).save(source)
    calls = []

    def predictor(path):
        calls.append(path)
        return preview_prediction()

    panel = view.images
    assert not panel.open_button.isEnabled()  # no model yet
    view.set_predictor(predictor)
    assert panel.open_button.isEnabled()
    panel.ask_image = lambda parent: None  # the person cancels the file dialog
    assert not panel.open_image()
    with qtbot.waitSignal(panel.predicted, timeout=10_000):
        assert panel.open_image(source)
    assert calls == [source]
    assert np.array_equal(panel.overlay.prediction, preview_prediction())
    assert panel.overlay.truth is None and panel.save_button.isEnabled()
    assert panel.save_mask(tmp_path / "mask.png") == tmp_path / "mask.png"
    assert np.array_equal(np.asarray(Image.open(tmp_path / "mask.png")), preview_prediction())
    assert panel.message.text() == "Saved mask.png"
    assert panel.save_mask(tmp_path / "no" / "mask.png") is None
    assert panel.message.text().startswith(f"Could not save {tmp_path / 'no' / 'mask.png'}")


def test_a_failing_predictor_is_reported_not_raised(view, qtbot, tmp_path):
    def predictor(path):
        raise RuntimeError("checkpoint does not fit the graph")

    view.set_predictor(predictor)
    view.images.open_image(tmp_path / "missing.png")
    qtbot.waitUntil(lambda: not view.images.predicting, timeout=10_000)
    assert view.images.message.text() == \
        "Could not predict missing.png: checkpoint does not fit the graph"
    assert not view.images.save_button.isEnabled() and view.images.open_button.isEnabled()


def test_evaluate_progress_and_cancel(view, qtbot, tmp_path):
    assert not view.evaluate_button.isEnabled()
    view.set_run(tmp_path, checkpoints=["last.pt"])
    assert view.checkpoint.currentData() == "last.pt"
    with qtbot.waitSignal(view.evaluate_requested) as request:
        view.evaluate_button.click()
    assert request.args == [str(tmp_path), "last.pt"]
    view.set_progress(3, 16)
    assert view.progress.isVisible() and view.progress.value() == 3
    assert view.progress.maximum() == 16 and not view.evaluate_button.isVisible()
    with qtbot.waitSignal(view.cancel_requested):
        view.cancel_button.click()
    view.set_failed("cancelled")
    assert not view.progress.isVisible() and view.evaluate_button.isVisible()
    assert "cancelled" in view.metrics.summary.text()


@pytest.mark.parametrize("bad, message", [
    ([1, 2], "not a JSON object"),
    ({"classes": [{"iou": 1}]}, "classes[0]"),
    ({"classes": [{"name": "a"}], "confusion_matrix": [[1, 2]]}, "1x2"),
    ({"classes": [{"name": "a"}], "confusion_matrix": "many"}, "not a table")])
def test_a_bad_result_says_what_is_wrong(view, bad, message):
    assert not view.set_evaluation(bad)
    assert message in view.metrics.summary.text()


def test_compare_runs_side_by_side(view, tmp_path):
    better = copy.deepcopy(RESULT)
    better["mean_iou"] = 0.75
    better["classes"][1]["iou"] = 0.9
    for name, result in (("r1", RESULT), ("r2", better)):
        (tmp_path / name).mkdir()
        runs.save_evaluation(tmp_path / name, result)
    (tmp_path / "r3").mkdir()
    view.compare_runs([tmp_path / "r1", tmp_path / "r2", tmp_path / "r3"])
    table = view.comparison
    assert view.tabs.currentIndex() == 1
    headers = [table.table.horizontalHeaderItem(c).text() for c in range(3)]
    assert headers == ["r1", "r2", "r3\n(not evaluated)"]
    assert [table.value(0, c) for c in range(3)] == ["0.712", "0.750", "–"]
    assert table.table.item(0, 1).font().bold() and not table.table.item(0, 0).font().bold()
    assert not table.table.item(1, 0).font().bold()  # a tie is nobody's win
    table.only_differences.setChecked(True)
    assert table.visible_rows() == ["Mean IoU", "IoU · nucleus"]


def test_normalized_rows_helper():
    rows = normalized_rows(np.array([[1, 3], [0, 0]]))
    assert rows.tolist() == [[0.25, 0.75], [0.0, 0.0]]
    assert parse_evaluation(RESULT).class_names == ["background", "nucleus", "micronucleus"]
