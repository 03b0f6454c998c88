"""The GUI's entry point: ``main.py`` with no command (and the ``unet-studio`` script)
reach ``run_gui`` through app.cli. Kept apart from the window class: it sets up the
whole application (style, names, the None-leak patch, garbage collection in the GUI
thread) once, then shows the first window."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.about import APP_NAME
from app.main_window import MainWindow
from app.panels import hub
from app.paths import DEMO_PROJECT


def run_gui(project_path: str | None) -> int:
    """Open the GUI on ``project_path`` (when None: the demo project, and the Model hub in
    front of it as the start page); returns the exit code.

    The GUI's entry point (``main.py`` and the ``unet-studio`` script reach it through
    app.cli), so this is where PySide6's None leak is patched (canvas/pyside_fix.py)
    and cyclic garbage collection moves to the GUI thread (app/gui_garbage.py)."""
    from app.gui_garbage import collect_in_gui_thread
    from app.style import apply_style
    from canvas.pyside_fix import make_none_immortal

    make_none_immortal()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_in_gui_thread()  # worker threads must never run Qt destructors
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    apply_style(app)
    window = MainWindow()
    window.show()
    if not window.offer_recovery():
        if project_path:
            window.open_path(project_path, ask=False)
        else:  # the demo project, with the Model hub in front of it as the start page
            window.open_template(DEMO_PROJECT)
            hub.show_hub(window)
    return app.exec()
