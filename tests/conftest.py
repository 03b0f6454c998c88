"""Shared test set-up: offscreen Qt, deterministic hypothesis, small helpers."""
from __future__ import annotations

import gc
import logging
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("studio", deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("studio")

# --- canvas and main window (Qt) -------------------------------------------------------
# PySide6 6.12 leaks a reference to None on every void C++ call under CPython 3.11;
# canvas/pyside_fix.py explains. The GUI entry point (app.gui_start.run_gui) applies it;
# tests build windows without that entry point, so it is applied here.
from canvas.pyside_fix import make_none_immortal  # noqa: E402

make_none_immortal()

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def gui_garbage(qapp):
    """Cyclic garbage collected in the GUI thread only, as in the app (app/gui_garbage.py)."""
    from app.gui_garbage import collect_in_gui_thread

    return collect_in_gui_thread()


_tests_since_full_collection = 0
FULL_COLLECTION_EVERY = 25  # tests; a full collection costs tens of ms with torch loaded


@pytest.fixture(autouse=True)
def collect_garbage_between_tests(gui_garbage):
    """Automatic collection is off (a worker thread collecting a test's old widgets
    crashed the suite); between tests no event loop runs the collector's timer, so
    this collects what it would have, and everything every few tests."""
    global _tests_since_full_collection
    yield
    _tests_since_full_collection += 1
    if _tests_since_full_collection >= FULL_COLLECTION_EVERY:
        _tests_since_full_collection = 0
        gc.collect()
    else:
        gui_garbage.check()


class ListenerErrors(logging.Handler):
    """Collects what components.events logs when a listener raises."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.expected = False

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def listener_errors():
    """The document logs a listener that raises and goes on (components/events.py), so a
    broken view would otherwise pass every test: this fails the test instead. A test of
    that logging takes this fixture and sets ``expected``."""
    handler = ListenerErrors()
    logger = logging.getLogger("components.events")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    if not handler.expected:
        messages = [handler.format(r) for r in handler.records]
        assert not messages, "a document listener raised:\n" + "\n".join(messages)

DIALOGS = ("show_error", "show_info", "ask_save_changes", "ask_restore", "open_path",
           "save_path", "ask_text")


class FakeDialogs:
    """Stands in for app.dialogs: records every question, answers from ``answers``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.answers = {"ask_save_changes": "discard", "ask_restore": False}

    def named(self, name: str) -> list[tuple]:
        return [args for called, args in self.calls if called == name]


@pytest.fixture
def fake_dialogs(monkeypatch):
    from app import dialogs

    fake = FakeDialogs()
    for name in DIALOGS:
        def answer(parent, *args, _name=name):
            fake.calls.append((_name, args))
            return fake.answers.get(_name)
        monkeypatch.setattr(dialogs, name, answer)
    return fake


@pytest.fixture
def studio_settings(tmp_path):
    """QSettings in an ini file under tmp_path: tests never touch the user's settings."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, tmp_path, studio_settings, fake_dialogs):
    """Build main windows (hidden) with test settings and a recovery folder in tmp_path;
    closes them afterwards and fails if a top-level widget outlives them."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    before = set(QApplication.topLevelWidgets())
    windows = []

    def make(**kwargs):
        kwargs.setdefault("settings", studio_settings)
        kwargs.setdefault("recovery_dir", tmp_path / "recovery")
        # No data scan and preview model per window, unless a test is about them: the
        # default project's demo data would be generated and scanned by every window.
        kwargs.setdefault("previews", False)
        window = MainWindow(**kwargs)
        windows.append(window)
        return window

    yield make
    fake_dialogs.answers["ask_save_changes"] = "discard"
    for window in windows:
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before]
    for widget in leaked:
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not leaked, f"widgets left after closing the window: {leaked}"


@pytest.fixture
def main_window(make_window):
    return make_window()


@pytest.fixture
def editor(qtbot):
    """A bare canvas editor on an empty document, its view shown (offscreen) at 1000x700."""
    from PySide6.QtGui import QUndoStack

    from canvas.editor import CanvasEditor
    from components.graph import GraphDocument

    stack = QUndoStack()
    canvas_editor = CanvasEditor(GraphDocument(), stack)
    view = canvas_editor.view
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.centerOn(300, 150)
    yield canvas_editor
    canvas_editor.close()
