"""Statistics view benchmark (run with `make bench`; never part of `make test`).

Feeds a synthetic run of 200 epochs x 50 batches (10,000 batch events, 200 epoch,
layers and system events) into the Statistics view at 1200x400 and measures
  - per event: ``view.feed`` against ``json.loads`` of the same line (the cost of
    merely reading the event the bridge hands over), and
  - per refresh tick (every 10 batch events): ``refresh()`` then the repaint Qt does
    of what changed (``processEvents``), ticks bringing a new epoch apart, and on every
    10th tick ``refresh()`` plus a
    forced repaint of all six plots (the worst case: an epoch changes every curve),
    against the baseline of a bare 860x340 plot given the same two per-batch arrays
    with ``setData`` and repainted the same way.
Ticks are measured at several run lengths so growth with the number of points shows.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import qInstallMessageHandler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.stats.curves import BATCH_SMOOTH  # noqa: E402
from app.stats.plots import BATCH_RAW, curve, light_layout  # noqa: E402
from app.stats.statistics_view import StatisticsView  # noqa: E402
from app.style import apply_style  # noqa: E402
from stats_helpers import synthetic_events  # noqa: E402


def _quiet_offscreen(mode, context, message: str) -> None:
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


qInstallMessageHandler(_quiet_offscreen)

EPOCHS, BATCHES, EVENTS_PER_TICK, FULL_EVERY = 200, 50, 10, 10
CHECKPOINTS = (1_000, 5_000, 10_000)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def test_feed_and_refresh(qapp):
    apply_style(qapp)
    events = synthetic_events(EPOCHS, BATCHES, run_dir=None, seed=1)
    lines = [json.dumps(e) for e in events]
    view = StatisticsView()
    view.timer.stop()
    view.resize(1200, 400)
    view.show()
    qapp.processEvents()
    base = light_layout()
    base.resize(860, 340)
    plot = base.addPlot()
    raw = curve(plot, BATCH_RAW, width=1, long=True)
    smooth = curve(plot, BATCH_SMOOTH, long=True)
    base.show()
    qapp.processEvents()

    feed_times, parse_times, ticks, fulls, bases, epoch_ticks = [], [], {}, {}, {}, []
    batches, drawn_epochs = 0, -1
    for line, event in zip(lines, events):
        start = time.perf_counter()
        json.loads(line)
        parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        view.feed(event)
        feed_times.append(time.perf_counter() - start)
        if event["type"] != "batch":
            continue
        batches += 1
        if batches % EVENTS_PER_TICK:
            continue
        bucket = next(c for c in CHECKPOINTS if batches <= c)
        new_epoch = view.history.revisions["epochs"] != drawn_epochs
        drawn_epochs = view.history.revisions["epochs"]
        start = time.perf_counter()
        view.refresh()
        qapp.processEvents()
        (epoch_ticks if new_epoch else ticks.setdefault(bucket, [])).append(
            time.perf_counter() - start)
        if batches % (EVENTS_PER_TICK * FULL_EVERY):
            continue
        view.feed(event)  # the same batch again: every batch curve changes
        start = time.perf_counter()
        view.history.revisions["epochs"] += 1  # and every epoch curve
        view.refresh()
        view.curves.graphics.viewport().repaint()
        fulls.setdefault(bucket, []).append(time.perf_counter() - start)
        history = view.history.batches
        x, y, s = (np.array(history.column(c)) for c in ("x", "loss", "smooth"))
        start = time.perf_counter()
        raw.setData(x, y)
        smooth.setData(x, s)
        base.viewport().repaint()
        bases.setdefault(bucket, []).append(time.perf_counter() - start)

    assert len(view.history.batches) == EPOCHS * BATCHES
    assert len(view.history.epochs) == EPOCHS
    feed, parse = statistics.median(feed_times), statistics.median(parse_times)
    print(f"\nStatistics view, 1200x400 offscreen, {len(events)} events "
          f"({EPOCHS * BATCHES} batch, {EPOCHS} epoch):")
    print(f"per event: feed {ms(feed)} median, json.loads {ms(parse)} (baseline), "
          f"ratio {feed / parse:.1f}; all events fed in {sum(feed_times):.2f} s")
    print(f"ticks with a new epoch (every curve and the preview panel): median "
          f"{ms(statistics.median(epoch_ticks))}, max {ms(max(epoch_ticks))}")
    print("ticks with batches only:")
    print(f"{'batches so far':>16s}{'tick median':>13s}{'tick p99':>12s}"
          f"{'full redraw':>13s}{'bare setData':>14s}{'ratio':>7s}")
    for bucket in CHECKPOINTS:
        tick, p99 = statistics.median(ticks[bucket]), float(np.percentile(ticks[bucket], 99))
        full, baseline = statistics.median(fulls[bucket]), statistics.median(bases[bucket])
        print(f"{'<= ' + str(bucket):>16s}{ms(tick):>13s}{ms(p99):>12s}{ms(full):>13s}"
              f"{ms(baseline):>14s}{full / baseline:>7.2f}")
    idle = []
    for _ in range(200):
        start = time.perf_counter()
        view.refresh()
        idle.append(time.perf_counter() - start)
    print(f"tick with nothing new: {ms(statistics.median(idle))}")
    view.close()
    base.close()
    pg.QtWidgets.QApplication.processEvents()
