"""Python's cyclic garbage is collected in the GUI thread only.

CPython runs its cycle collector in whichever thread happens to allocate when a
threshold is crossed. When that is a worker thread (the data wizard's scan, the
preview worker) and the garbage holds Qt objects (a closed dialog, an old undo
command), their C++ destructors run off the GUI thread and the process dies with a
segmentation fault: the test suite hit exactly that, garbage-collecting inside
``pathlib`` on the scan thread. pyqtgraph's ``GarbageCollector`` turns automatic
collection off and collects on a timer in the thread that owns the event loop;
reference counting (which frees most objects) is not affected.
"""
from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector

INTERVAL_S = 1.0  # how often the GUI thread looks at the collector's counts

_collector: GarbageCollector | None = None


def collect_in_gui_thread() -> GarbageCollector:
    """Start collecting on a timer in the calling (GUI) thread; once per process.

    Needs a QApplication. Returns the collector, whose ``check()`` collects at once
    when the counts are over the usual thresholds (the tests call it between tests,
    when no event loop runs)."""
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=INTERVAL_S)
    return _collector
