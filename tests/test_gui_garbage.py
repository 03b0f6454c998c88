"""Cyclic garbage is collected by the GUI thread's timer, never by a worker thread."""
from __future__ import annotations

import gc
import threading
import weakref

from app.gui_garbage import INTERVAL_S, collect_in_gui_thread


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_automatic_collection_is_off_and_the_timer_collects_cycles(qtbot, gui_garbage):
    assert collect_in_gui_thread() is gui_garbage  # one collector per process
    assert not gc.isenabled()
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    # a worker thread allocating far past the thresholds does not collect it
    worker = threading.Thread(target=lambda: [[] for _ in range(50_000)])
    worker.start()
    worker.join()
    assert alive() is not None
    for _ in range(gc.get_threshold()[0] + 1):  # enough young objects for the next check
        gc_food = Cycle()
    del gc_food
    qtbot.waitUntil(lambda: alive() is None, timeout=int(INTERVAL_S * 1000 * 3))
