"""The Statistics view: what it plots, from live events and from a past run's files."""
from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QObject, Signal

from app.stats import overlay
from app.stats.statistics_view import StatisticsView
from stats_helpers import epoch_row, synthetic_events, write_run


@pytest.fixture
def view(qtbot):
    widget = StatisticsView()
    widget.timer.stop()  # the tests call refresh() themselves: no timing in a test
    qtbot.addWidget(widget)
    widget.resize(1200, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def curve_data(item):
    x, y = item.getOriginalDataset()
    return (np.asarray([]) if x is None else x), (np.asarray([]) if y is None else y)


def data_items(panel):
    plots = [panel.loss_plot, panel.iou_plot, panel.class_plot, panel.dice_plot,
             panel.accuracy_plot, panel.lr_plot]
    return sum(len([i for i in p.items if isinstance(i, pg.PlotDataItem)]) for p in plots)


def feed_epochs(view, epochs, train_iou=True):
    for number in epochs:
        view.feed({"v": 1, "seq": number, "t": float(number), "type": "epoch",
                   **epoch_row(number, 10, train_iou), "best": False})
    view.refresh()


def test_plots_exactly_the_epochs_it_received(view):
    feed_epochs(view, [1, 2, 3, 4])
    curves = view.curves
    x, y = curve_data(curves.val_loss)
    assert x.tolist() == [1, 2, 3, 4]
    assert y.tolist() == [epoch_row(n, 10)["val_loss"] for n in (1, 2, 3, 4)]
    assert curve_data(curves.train_loss)[1].tolist() == \
        [epoch_row(n, 10)["train_loss"] for n in (1, 2, 3, 4)]
    assert curve_data(curves.val_iou)[1].tolist() == \
        [epoch_row(n, 10)["mean_iou"] for n in (1, 2, 3, 4)]
    nucleus = curve_data(curves.class_curves[("iou", "nucleus")])
    assert nucleus[0].tolist() == [1, 2, 3, 4]
    assert nucleus[1].tolist() == [epoch_row(n, 10)["iou"]["nucleus"] for n in (1, 2, 3, 4)]
    assert curve_data(curves.class_curves[("dice", "micronucleus")])[1].tolist() == \
        [epoch_row(n, 10)["dice"]["micronucleus"] for n in (1, 2, 3, 4)]
    assert curve_data(curves.accuracy)[1].tolist() == \
        [epoch_row(n, 10)["pixel_accuracy"] for n in (1, 2, 3, 4)]
    assert curve_data(curves.lr_epoch)[1].tolist() == \
        [epoch_row(n, 10)["learning_rate"] for n in (1, 2, 3, 4)]


def test_nothing_is_drawn_before_the_tick(view):
    view.feed({"type": "epoch", **epoch_row(1, 10)})
    assert curve_data(view.curves.val_loss)[0].size == 0
    view.refresh()
    assert curve_data(view.curves.val_loss)[0].tolist() == [1]


def test_batch_curves_go_through_the_buffer_not_new_items(view):
    view.feed({"type": "started", "epochs": 3, "batches_per_epoch": 100, "classes": ["a", "b"]})
    view.feed({"type": "batch", "epoch": 1, "batch": 1, "batches": 100, "loss": 2.0})
    view.refresh()
    before = data_items(view.curves)
    for n in range(2, 301):
        view.feed({"type": "batch", "epoch": (n - 1) // 100 + 1, "batch": (n - 1) % 100 + 1,
                   "batches": 100, "loss": 2.0 / n, "learning_rate": 0.1})
        if n % 50 == 0:
            view.refresh()
    view.refresh()
    assert data_items(view.curves) == before
    x, y = curve_data(view.curves.batch_raw)
    assert len(x) == 300 and y[-1] == pytest.approx(2.0 / 300)
    assert x[0] == pytest.approx(0.01) and x[-1] == 3.0
    assert x.base is not None  # a view of the history's buffer, not a copy per point
    assert view.curves.batch_raw.opts["clipToView"] and view.curves.batch_raw.opts["autoDownsample"]


def test_smoothed_loss_is_debiased_and_follows_the_slider(view):
    losses = [3.0, 1.0, 2.0, 0.5]
    for number, loss in enumerate(losses, start=1):
        view.feed({"type": "batch", "epoch": 1, "batch": number, "batches": 4, "loss": loss})
    view.refresh()
    smooth = curve_data(view.curves.batch_smooth)[1]
    assert smooth[0] == 3.0  # the first smoothed point is the first raw value
    assert smooth[1] != 1.0 and 1.0 < smooth[1] < 3.0
    view.smoothing.setValue(0)
    view.refresh()
    assert curve_data(view.curves.batch_smooth)[1].tolist() == losses
    assert view.smoothing_value.text() == "0.00"


def test_best_epoch_is_marked_at_the_highest_val_mean_iou(view):
    for number, iou in ((1, 0.3), (2, 0.6), (3, 0.55), (4, 0.58)):
        view.feed({"type": "epoch", "epoch": number, "mean_iou": iou, "val_loss": 1.0})
    view.refresh()
    points = view.curves.best_point.getData()
    assert points[0].tolist() == [2] and points[1].tolist() == [0.6]
    assert view.curves.best_line.isVisible() and view.curves.best_line.value() == 2
    assert "best 0.600 @ 2" in view.curves.iou_plot.titleLabel.text
    assert "best val IoU 0.6 (epoch 2)" in view.status.text()


def test_without_train_iou_only_val_curves(view):
    feed_epochs(view, [1, 2], train_iou=False)
    assert np.isnan(curve_data(view.curves.train_iou)[1]).all()
    assert ("train_iou", "nucleus") not in view.curves.class_curves
    assert "train" not in view.curves.iou_plot.titleLabel.text
    feed_epochs(view, [3], train_iou=True)
    assert "train" in view.curves.iou_plot.titleLabel.text


def test_a_single_epoch_s_train_iou_is_a_visible_point(view):
    """After one epoch a line has nothing to join: train points carry a (hollow) symbol,
    or the train IoU a person was promised is drawn as nothing (a new user saw that)."""
    feed_epochs(view, [1])
    for item in (view.curves.train_iou, view.curves.class_curves[("train_iou", "nucleus")]):
        assert curve_data(item)[1].size == 1
        assert item.opts["symbol"] == "o"
        assert item.opts["symbolBrush"].color().name() == "#ffffff"
    assert view.curves.val_iou.opts["symbolBrush"].color().name() != "#ffffff"
    view.curves.accuracy_plot.getViewBox().updateAutoRange()  # what the next paint does
    low, high = view.curves.accuracy_plot.viewRange()[1]  # a new user saw 0.6-1.4
    assert high <= 1.05 and low >= -0.05


def test_hover_shows_the_values_at_the_mouse(view):
    feed_epochs(view, [1, 2, 3])
    readout = view.curves.readout_for(view.curves.loss_plot)
    text = readout.text_at(2.1)
    assert text.splitlines()[0] == "epoch 2.10"
    assert f"val: {epoch_row(2, 10)['val_loss']:.4g}" in text
    assert readout.text_at(50) == ""  # far from every point
    assert readout.show_at(2.0) and readout.label.isVisible()


def test_log_scale_switches_loss_and_learning_rate(view):
    view.log_scale.setChecked(True)
    assert view.curves.loss_plot.getAxis("left").logMode
    assert view.curves.lr_plot.getAxis("left").logMode
    assert all(p.getAxis("left").logMode for p in view.weights.norm_plots)
    view.log_scale.setChecked(False)
    assert not view.curves.loss_plot.getAxis("left").logMode


def test_preview_loads_the_chosen_sample_and_each_mode_renders(view, tmp_path):
    events = synthetic_events(epochs=2, batches=3, run_dir=tmp_path, previews_every=1)
    view.start_run(tmp_path)
    view.replay(events)
    view.refresh()
    panel = view.preview
    assert [panel.samples.itemText(i) for i in range(panel.samples.count())] == \
        ["val/images/cell_0.png", "val/images/cell_1.png"]
    assert panel.overlay.caption.text() == "during epoch 2"
    sizes = {}
    for mode in overlay.MODES:
        panel.overlay.set_mode(mode)
        sizes[mode] = panel.overlay.rendered().shape
        assert not panel.overlay.picture.image.isNull()
    assert sizes["side_by_side"][1] == 3 * 96 + 2 * overlay.GAP and sizes["overlay"] == (96, 96, 3)
    first = panel.overlay.prediction.copy()
    panel.samples.setCurrentIndex(1)
    assert not np.array_equal(panel.overlay.prediction, first)  # the other sample's file
    panel.overlay.set_mode("correctness")
    assert "false negative" in panel.overlay.legend.text()


def test_preview_file_not_yet_written_keeps_waiting(view, tmp_path):
    view.start_run(tmp_path)
    view.feed({"type": "preview", "epoch": 1, "samples": [
        {"name": "a", "image": "previews/a.png", "truth": "previews/t.png",
         "prediction": "previews/p.png"}]})
    view.refresh()
    assert view.preview.overlay.rendered() is None
    (tmp_path / "previews").mkdir()
    events = synthetic_events(1, 2, tmp_path)
    view.replay(e for e in events if e["type"] == "preview")
    view.refresh()
    assert view.preview.overlay.rendered() is not None


def test_weights_of_the_selected_node(view, tmp_path):
    events = synthetic_events(epochs=3, batches=2)
    view.replay(events)
    view.set_node("conv1")
    view.refresh()
    panel = view.weights
    assert [panel.parameters.itemText(i) for i in range(panel.parameters.count())] == \
        ["weight", "bias"]
    assert panel.parameters.currentText() == "weight"
    x, y = curve_data(panel.items["weight"]["mean"])
    expected = [layer["weight"]["mean"] for e in events if e["type"] == "layers"
                for layer in e["layers"] if layer["node"] == "conv1"
                and layer["parameter"] == "weight"]
    assert x.tolist() == [1, 2, 3] and y.tolist() == expected
    bars = curve_data(panel.items["grad"]["hist"])
    assert len(bars[0]) == 33 and len(bars[1]) == 32  # 32 bins between 33 edges
    view.set_node("input")  # no parameters
    assert "no weight statistics" in panel.title.text()
    assert curve_data(panel.items["weight"]["mean"])[0].size == 0
    view.set_node(None)
    assert "Select a node" in panel.title.text()


def test_system_use(view):
    view.feed({"type": "started", "device": "cuda:0", "device_name": "H200"})
    view.feed({"type": "system", "t": 60.0, "cpu_percent": 120.0, "memory_mb": 800.0,
               "gpu_memory_mb": None, "gpu_percent": None})
    view.feed({"type": "system", "t": 120.0, "cpu_percent": 90.0, "memory_mb": 820.0,
               "gpu_memory_mb": 4000.0, "gpu_percent": 75.0})
    view.refresh()
    x, y = curve_data(view.system.curves["cpu_percent"])
    assert x.tolist() == [1.0, 2.0] and y.tolist() == [120.0, 90.0]
    assert view.system.summary.text() == \
        "training on H200 · CPU use 90 % · memory 820 MB · GPU 75 %, 4000 MB"


def test_replay_of_a_written_run_equals_live_feeding(qtbot, view, tmp_path):
    events = synthetic_events(epochs=5, batches=4, run_dir=tmp_path)
    view.start_run(tmp_path)
    view.replay(events)
    view.refresh()
    write_run(tmp_path, events)
    (tmp_path / "events.jsonl").unlink()  # metrics.jsonl alone
    past = StatisticsView()
    past.timer.stop()
    qtbot.addWidget(past)
    past.load_run(tmp_path)
    for name in ("train_loss", "val_loss", "val_iou", "train_iou", "accuracy"):
        live_x, live_y = curve_data(getattr(view.curves, name))
        past_x, past_y = curve_data(getattr(past.curves, name))
        assert live_x.tolist() == past_x.tolist() and live_y.tolist() == past_y.tolist(), name
    for key, item in view.curves.class_curves.items():
        assert curve_data(item)[1].tolist() == curve_data(past.curves.class_curves[key])[1].tolist()
    assert past.curves.best_point.getData()[0].tolist() == \
        view.curves.best_point.getData()[0].tolist()


def test_finished_and_failed_runs_say_so(view):
    view.feed({"type": "started", "epochs": 3, "device": "cpu"})
    view.feed({"type": "batch", "epoch": 1, "batch": 2, "batches": 5, "loss": 0.7,
               "samples_per_s": 12.5})
    view.refresh()
    assert view.status.text() == "epoch 1/3 · batch 2/5 · loss 0.7 · 12.5 samples/s · cpu"
    view.feed({"type": "failed", "message": "the loss became NaN", "epoch": 1})
    view.refresh()
    assert "Failed: the loss became NaN" in view.status.text()


def test_many_signal_emits_do_not_kill_the_interpreter(qapp):
    """PySide6 6.12 drops a reference to True on every Signal.emit; canvas/pyside_fix.py
    gives True and False the reserve it gives None (a live plot emits thousands)."""

    class Emitter(QObject):
        fired = Signal(object)

    emitter = Emitter()
    for _ in range(20_000):
        emitter.fired.emit(1)
    if sys.version_info < (3, 12):
        assert sys.getrefcount(True) > 1 << 59


def test_moving_the_mouse_over_a_plot_shows_the_readout(view, qtbot, qapp):
    feed_epochs(view, [1, 2, 3])
    qapp.processEvents()  # the plots take their new ranges, as before any real mouse move
    plot = view.curves.iou_plot
    readout = view.curves.readout_for(plot)
    y = epoch_row(2, 10)["mean_iou"]
    position = plot.vb.mapViewToScene(pg.QtCore.QPointF(2.0, y))
    plot.scene().sigMouseMoved.emit(position)
    qtbot.waitUntil(readout.label.isVisible)
    assert f"val: {y:.4g}" in readout.label.toPlainText()
    assert readout.line.value() == pytest.approx(2.0, abs=0.05)
    outside = plot.sceneBoundingRect().bottomRight() + pg.QtCore.QPointF(5, 5)
    plot.scene().sigMouseMoved.emit(outside)
    qtbot.waitUntil(lambda: not readout.label.isVisible())


def test_showing_another_run_leaves_nothing_of_the_first(view, tmp_path):
    feed_epochs(view, [1, 2, 3])
    view.feed({"type": "batch", "epoch": 3, "batch": 1, "batches": 2, "loss": 1.0})
    other = tmp_path / "other"
    other.mkdir()
    (other / "metrics.jsonl").write_text('{"epoch": 1, "mean_iou": 0.4, "iou": {"cat": 0.4}}\n')
    view.load_run(other)
    assert curve_data(view.curves.val_iou)[0].tolist() == [1]
    assert curve_data(view.curves.class_curves[("iou", "nucleus")])[0].size == 0
    assert curve_data(view.curves.class_curves[("iou", "cat")])[1].tolist() == [0.4]
    assert curve_data(view.curves.batch_raw)[0].size == 0
    assert "cat" in view.curves.key.text() and "nucleus" not in view.curves.key.text()
    view.start_run(None)
    view.refresh()
    assert curve_data(view.curves.val_iou)[0].size == 0
    assert view.status.text() == "No run shown yet. Press Train, or choose a past run in the Runs list."


def test_class_colours_of_the_data_reach_curves_and_preview(view, tmp_path):
    view.start_run(tmp_path)
    view.replay(synthetic_events(epochs=1, batches=2, run_dir=tmp_path))
    view.refresh()
    view.set_class_colors([(0, 0, 0), (10, 20, 200), (200, 100, 0)])
    view.refresh()
    pen = view.curves.class_curves[("iou", "nucleus")].opts["pen"]
    assert pen.color().getRgb()[:3] == (10, 20, 200)
    assert tuple(view.preview.overlay.table[2]) == (200, 100, 0)
    assert "rgb(10,20,200)" in view.preview.overlay.legend.text()


def test_a_new_run_drops_the_old_run_s_readout_and_axes(view):
    """A new user saw the first run's hover values over the second run's empty plots,
    and its axis ranges kept."""
    feed_epochs(view, [1, 2, 3])
    readout = view.curves.readout_for(view.curves.iou_plot)
    assert readout.show_at(2.0) and readout.label.isVisible()
    view.curves.iou_plot.getViewBox().setXRange(10, 20)  # zoomed by the person
    assert not view.curves.iou_plot.getViewBox().autoRangeEnabled()[0]
    view.start_run(None)
    assert not readout.label.isVisible() and not readout.line.isVisible()
    assert all(view.curves.iou_plot.getViewBox().autoRangeEnabled())


def test_leaving_the_plots_hides_the_readout(view, qtbot):
    feed_epochs(view, [1, 2])
    readout = view.curves.readout_for(view.curves.loss_plot)
    assert readout.show_at(1.0)
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    QApplication.sendEvent(view.curves, QEvent(QEvent.Type.Leave))
    assert not readout.label.isVisible()


def test_a_small_learning_rate_axis_has_labels_that_fit(view):
    """Values below 0.01 printed as '0.0006' were wider than the axis, and pyqtgraph
    then drew no tick label at all (a new user saw an unlabelled learning-rate axis)."""
    axis = view.curves.lr_plot.getAxis("left")
    assert axis.tickStrings([2e-4, 4e-4, 6e-4], 1.0, 2e-4) == ["2e-4", "4e-4", "6e-4"]
    assert axis.tickStrings([0.2, 0.4], 1.0, 0.2) == ["0.2", "0.4"]  # as pyqtgraph has it
