"""Keep CPython 3.11 alive under PySide6 6.12: make ``None`` immortal, as 3.12 does.

PySide6 6.12 returns ``None`` from every C++ method that returns void without
taking a reference to it (CPython 3.12 made None immortal, so the binding gets
away with it there). On 3.11 each such call (``update()``, ``setPos()``,
``processEvents()``...) lowers None's reference count by one, and after a few
thousand calls the interpreter aborts with "none_dealloc: deallocating None".
Giving None a reference count it can never use up is exactly what 3.12 does;
it costs nothing and is a no-op on 3.12+. tests/test_canvas_pyside_fix.py
watches the leak, so this can go once the binding is fixed.

The same binding drops a reference to ``True`` on every ``Signal.emit`` (emit returns
a bool it does not own); pyqtgraph emits several signals per ``setData``, so a live
plot killed the interpreter within seconds ("bool_dealloc"). True and False get the
same reserve as None.

Why not pin an older PySide6: 6.11.3 has no leak, but our suite then dies with a
segmentation fault while garbage-collecting undo commands (seen 2026-11-24).
Why not Python 3.12: the pinned CPU torch wheel on our machines is for 3.11.
"""
from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 60


def make_none_immortal() -> None:
    """Add a huge reserve to the reference counts of None, True and False (once;
    CPython < 3.12 only)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < _RESERVE // 2:
            refcount.value += _RESERVE
