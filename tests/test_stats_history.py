"""The Qt-free half of the Statistics view: event parsing, buffers, smoothing, history."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from app.stats import feed
from app.stats.buffer import GrowingBuffer
from app.stats.history import RunHistory
from app.stats.smoothing import Ema, smooth
from stats_helpers import epoch_row, synthetic_events, write_run


def batch(epoch, number, loss, batches=4, **extra):
    return {"v": 1, "seq": 0, "t": 0.0, "type": "batch", "epoch": epoch, "batch": number,
            "batches": batches, "step": (epoch - 1) * batches + number, "loss": loss,
            "learning_rate": 0.01, "samples_per_s": 5.0, **extra}


def epoch(number, **fields):
    return {"type": "epoch", **epoch_row(number, 10), **fields}


# --- buffer -------------------------------------------------------------------------------
def test_buffer_doubles_and_keeps_rows():
    buffer = GrowingBuffer(("x", "y"), capacity=2)
    for i in range(5):
        buffer.append({"x": i, "y": i * 10 if i != 3 else None})
    assert buffer.capacity == 8 and len(buffer) == 5
    assert buffer.column("x").tolist() == [0, 1, 2, 3, 4]
    assert np.isnan(buffer.column("y")[3]) and buffer.column("y")[4] == 40
    with pytest.raises(ValueError):
        buffer.column("x")[0] = 7  # a read-only view: the plot cannot corrupt the data


def test_buffer_column_added_late_is_nan_before():
    buffer = GrowingBuffer(("x",))
    buffer.append({"x": 1})
    buffer.add_column("late")
    buffer.append({"x": 2, "late": 5})
    assert np.isnan(buffer.column("late")[0]) and buffer.column("late")[1] == 5


# --- smoothing ----------------------------------------------------------------------------
def test_ema_is_debiased():
    values = np.array([4.0, 2.0, 2.0, 8.0])
    smoothed = smooth(values, 0.9)
    assert smoothed[0] == 4.0  # a plain EMA would start at 0.4
    # TensorBoard's formula: biased / (1 - w^n)
    biased = 0.9 * (0.1 * 4.0) + 0.1 * 2.0
    assert smoothed[1] == pytest.approx(biased / (1 - 0.81))
    assert smooth(values, 0.0).tolist() == values.tolist()


def test_ema_skips_nan_without_poisoning_the_rest():
    ema = Ema(0.5)
    assert ema.add(2.0) == 2.0
    assert np.isnan(ema.add(float("nan")))
    assert ema.add(2.0) == pytest.approx(2.0)


# --- parsing ------------------------------------------------------------------------------
@pytest.mark.parametrize("event", [None, [], "text", {"type": "nonsense"}, {"type": 3},
                                   {"type": "batch", "epoch": "one", "batch": 1},
                                   {"type": "epoch", "loss": 1.0}])
def test_unreadable_events_are_skipped(event):
    history = RunHistory()
    assert history.add(event) is None
    assert len(history.batches) == 0 and len(history.epochs) == 0


def test_fields_of_the_wrong_type_become_missing():
    record = feed.parse_event({"type": "epoch", "epoch": 2, "mean_iou": "high",
                               "iou": {"a": 0.5, "b": None, "c": True}, "val_loss": None})
    assert record.mean_iou is None and record.val_loss is None and record.iou == {"a": 0.5}


def test_terminal_and_layer_events_parse():
    ended = feed.parse_event({"type": "failed", "message": "loss is NaN", "epoch": 3,
                              "checkpoint": None})
    assert ended == feed.Ended("failed", "loss is NaN", 3, None)
    layers = feed.parse_event({"type": "layers", "epoch": 1, "layers": [
        {"node": "n1", "parameter": "weight", "weight": {"mean": 0.1, "std": 0.2, "norm": 3,
                                                          "hist": [1, 2], "range": [-1, 1]},
         "grad": None}, {"node": 5}]})
    assert len(layers.layers) == 1 and layers.layers[0].grad is None
    assert layers.layers[0].weight.range == (-1.0, 1.0)


def test_batch_position_is_the_fraction_of_the_epoch():
    record = feed.parse_event(batch(3, 2, 0.5, batches=4))
    assert record.position() == pytest.approx(2.5)
    assert feed.parse_event(batch(3, 4, 0.5, batches=4)).position() == 3.0


# --- history ------------------------------------------------------------------------------
def test_history_keeps_exactly_the_epochs_received():
    history = RunHistory()
    for number in (1, 2, 3):
        history.add(epoch(number))
    epochs, values = history.epoch_curve("val_loss")
    assert epochs.tolist() == [1, 2, 3]
    assert values.tolist() == [epoch_row(n, 10)["val_loss"] for n in (1, 2, 3)]
    assert history.classes == ["background", "nucleus", "micronucleus"]


def test_best_epoch_is_the_highest_val_mean_iou():
    history = RunHistory()
    for number, iou in ((1, 0.2), (2, 0.7), (3, 0.5), (4, 0.7)):
        history.add({"type": "epoch", "epoch": number, "mean_iou": iou})
    assert history.best_epoch() == (2, 0.7)  # the first on a tie, as best.pt keeps it


def test_resume_replaces_what_came_after_the_checkpoint():
    history = RunHistory()
    for number in (1, 2, 3):
        history.add(epoch(number))
        for b in range(1, 5):
            history.add(batch(number, b, 1.0 / number))
    # resumed from the end of epoch 2: epoch 3 runs again
    history.add({"type": "started", "start_epoch": 2, "epochs": 4, "batches_per_epoch": 4})
    history.add(batch(3, 1, 0.25))
    history.add(epoch(3, val_loss=0.123))
    assert history.epoch_curve("val_loss")[0].tolist() == [1, 2, 3]
    assert history.epoch_curve("val_loss")[1][-1] == 0.123
    xs = history.batches.column("x")
    assert xs[-1] == 2.25 and np.all(np.diff(xs) > 0)


def test_train_iou_absent_means_only_val_curves():
    history = RunHistory()
    history.add({"type": "epoch", **epoch_row(1, 10, train_iou=False)})
    assert "train_mean_iou" in history.epochs.columns  # a column, but all missing
    assert np.isnan(history.epoch_curve("train_mean_iou")[1]).all()
    assert "train_iou:nucleus" not in history.epochs.columns


def test_load_run_from_metrics_equals_live_feeding(tmp_path):
    events = synthetic_events(epochs=6, batches=5, run_dir=tmp_path)
    live = RunHistory()
    live.replay(events)
    write_run(tmp_path, events)
    (tmp_path / "events.jsonl").unlink()
    past = RunHistory()
    past.load_run(tmp_path)
    for column in live.epochs.columns:
        assert np.array_equal(live.epochs.column(column), past.epochs.column(column),
                              equal_nan=True), column
    assert past.best_epoch() == live.best_epoch()
    assert len(past.batches) == 0  # metrics.jsonl has no batches


def test_load_run_with_events_restores_batches_previews_layers(tmp_path):
    events = synthetic_events(epochs=4, batches=5, run_dir=tmp_path)
    write_run(tmp_path, events)
    with open(tmp_path / "events.jsonl", "a") as stream:
        stream.write('{"type": "batch", "epoch": 9, "ba')  # killed mid-line
    past = RunHistory()
    past.load_run(tmp_path)
    assert len(past.batches) == 20
    assert past.preview is not None and past.resolve(past.preview.samples[0].image).is_file()
    assert past.layer_keys("conv1") == ["weight", "bias"]
    assert past.ended.status == "finished"


def test_load_run_of_an_empty_folder(tmp_path):
    history = RunHistory()
    history.load_run(tmp_path)
    assert len(history.epochs) == 0 and history.best_epoch() is None


def test_smoothing_change_recomputes_the_whole_series():
    history = RunHistory(smoothing=0.0)
    for b, loss in enumerate([4.0, 2.0, 6.0], start=1):
        history.add(batch(1, b, loss))
    assert history.batches.column("smooth").tolist() == [4.0, 2.0, 6.0]
    history.set_smoothing(0.5)
    assert history.batches.column("smooth").tolist() == pytest.approx(
        smooth(np.array([4.0, 2.0, 6.0]), 0.5).tolist())
    history.add(batch(1, 4, 6.0))
    assert history.batches.column("smooth")[-1] == pytest.approx(
        smooth(np.array([4.0, 2.0, 6.0, 6.0]), 0.5)[-1])


def test_qt_free_modules_import_no_qt():
    code = ("import sys, app.stats.feed, app.stats.history, app.stats.overlay, "
            "app.stats.evaluation, app.runs, app.processes; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == []


def test_a_pause_breaks_the_system_curves():
    """The CPU curve was a straight line across a pause (no samples come while paused)."""
    history = RunHistory()
    for t, cpu in ((1.0, 150.0), (3.0, 160.0)):
        history.add({"v": 1, "seq": int(t), "t": t, "type": "system", "cpu_percent": cpu,
                     "memory_mb": 500.0, "gpu_memory_mb": None, "gpu_percent": None})
    history.add({"v": 1, "seq": 4, "t": 4.0, "type": "paused", "epoch": 1, "batch": 3})
    history.add({"v": 1, "seq": 5, "t": 60.0, "type": "system", "cpu_percent": 20.0,
                 "memory_mb": 500.0, "gpu_memory_mb": None, "gpu_percent": None})
    t, cpu = history.system.column("t"), history.system.column("cpu_percent")
    assert t.tolist() == [1.0, 3.0, 4.0, 60.0]
    assert cpu[0] == 150.0 and np.isnan(cpu[2]) and cpu[3] == 20.0
