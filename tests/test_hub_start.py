"""``python main.py`` without a project opens the demo project with the Model hub in front
of it as the start page (run_gui)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from app.panels import hub as hub_module
from app.panels.hub import HubWindow
from hub_helpers import populated_workspace
from test_hub_window import ORDER


def test_python_main_py_without_a_project_opens_the_demo_with_the_hub_in_front(monkeypatch, tmp_path, qapp,
                                                              studio_settings, fake_dialogs):
    from PySide6.QtCore import QTimer

    import app.main_window as main_window_module
    from app.gui_start import run_gui

    monkeypatch.setattr(main_window_module, "default_settings", lambda: studio_settings)
    monkeypatch.setattr(main_window_module, "default_folder", lambda: tmp_path / "recovery")
    studio_settings.setValue(hub_module.SETTING, str(populated_workspace(tmp_path / "ws")))
    seen = []

    def look_and_close():
        hubs = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, HubWindow) and w.isVisible()]
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        seen.append((len(hubs), [w.project.name for w in windows],
                     hubs[0].tree.model_names() if hubs else None))
        for widget in hubs:
            widget.close()  # the start page closed: the demo project stays open
        seen.append([w.isVisible() for w in windows])
        for widget in windows:
            widget.close()  # the last window: the app ends

    QTimer.singleShot(0, look_and_close)
    net = QTimer()
    net.setSingleShot(True)
    net.timeout.connect(lambda: (seen.append("safety net"), qapp.quit()))
    net.start(5000)  # a safety net, never reached when closing the windows ends the app
    look = (qapp.style().name(), qapp.styleSheet(), qapp.palette(), qapp.applicationName(),
            qapp.organizationName())
    try:
        assert run_gui(None) == 0
    finally:
        net.stop()
        qapp.setStyle(look[0])
        qapp.setStyleSheet(look[1])
        qapp.setPalette(look[2])
        qapp.setApplicationName(look[3])
        qapp.setOrganizationName(look[4])
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
                widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert seen == [(1, ["Nuclei demo"], ORDER), [True]]
