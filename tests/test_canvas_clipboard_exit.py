"""Copy, then quit: the process must exit cleanly. A QMimeData left on the
clipboard made PySide6 segfault at interpreter exit (exit code 139), so the
editor copies plain-text JSON; this runs the real window in a child process."""
import os
import subprocess
import sys

from app.paths import ROOT

SCRIPT = """
import sys
from canvas.pyside_fix import make_none_immortal
make_none_immortal()  # what the GUI entry point (run_gui) does first
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.main_window import MainWindow
from app.paths import DEMO_PROJECT

app = QApplication(sys.argv[:1])
window = MainWindow()
window.open_template(DEMO_PROJECT)
window.editor.select_all()
assert window.editor.copy()
assert '"nodes"' in QApplication.clipboard().text()
window.undo_stack.setClean()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""


def test_copy_then_quit_exits_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
