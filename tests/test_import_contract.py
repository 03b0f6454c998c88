"""The model, data and engine code import no Qt (napari's rule). import-linter
checks the static imports in `make test`; this checks what really gets loaded."""
import subprocess
import sys

from app.paths import ROOT

QT_FREE = ["components.catalog", "components.compiler", "components.serialize", "app.project",
           "app.cli", "app.engine.config", "app.data.spec"]


def test_core_modules_load_no_qt():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in QT_FREE) +
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph'))\nprint(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
