"""The work-around in canvas/pyside_fix.py keeps None alive under PySide6's void-call leak."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QWidget

from canvas.pyside_fix import make_none_immortal

old_python = pytest.mark.skipif(sys.version_info >= (3, 12) or sys.implementation.name != "cpython",
                                reason="None is immortal from CPython 3.12 on")


def leak_per_call(widget: QWidget, calls: int = 1000) -> float:
    before = sys.getrefcount(None)
    for _ in range(calls):
        widget.update()  # a C++ method returning void
    return (before - sys.getrefcount(None)) / calls


@old_python
def test_none_outlives_many_void_calls(qapp):
    make_none_immortal()
    make_none_immortal()  # idempotent
    widget = QWidget()
    for _ in range(50_000):  # ten times what kills an unpatched interpreter
        widget.update()
    assert sys.getrefcount(None) > 1 << 59


@old_python
def test_the_binding_leak_is_still_there(qapp):
    """When this fails, PySide6 no longer leaks None: canvas/pyside_fix.py can go."""
    assert leak_per_call(QWidget()) == pytest.approx(1.0, abs=0.05)
