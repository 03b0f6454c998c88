"""The status bar's line for a live run (app/run_status.py)."""
from __future__ import annotations

from app.run_status import LiveStatus


def _batch(t, batch, epoch=1):
    return {"v": 1, "seq": batch, "t": t, "type": "batch", "epoch": epoch, "batch": batch,
            "batches": 10, "loss": 0.5, "learning_rate": 0.001, "samples_per_s": 4.0,
            "step": batch}


def test_the_line_gives_the_time_left_and_a_paused_run_says_it_waits_for_resume():
    status = LiveStatus()
    status.add({"v": 1, "seq": 0, "t": 0.0, "type": "started", "epochs": 2, "epoch": 0,
                "batches": 10})
    status.add(_batch(10.0, 5))  # a quarter of the run in 10 s: 30 s left
    assert status.text() == ("Training: epoch 1/2 · batch 5/10 · loss 0.5000 · 4.0 samples/s"
                             " · ETA 30 s")
    status.add({"v": 1, "seq": 6, "t": 11.0, "type": "paused", "epoch": 1, "batch": 5})
    assert status.text() == ("Paused: epoch 1/2 · batch 5/10 · loss 0.5000 · 4.0 samples/s"
                             " · 30 s left after Resume")
    status.add({"v": 1, "seq": 7, "t": 71.0, "type": "resumed", "epoch": 1, "batch": 5})
    status.add(_batch(72.0, 6))  # the minute paused is not training time
    assert status.text().endswith("· ETA 28 s")
