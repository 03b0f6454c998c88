"""File > Export Model…: the window's face of ``main.py export`` (app/export/).

A small dialog: the format, the checkpoint (a run directory or a .pt file; the newest
run with a best.pt is offered) and where to write. The export runs on a worker
thread on a copy of the project as it is on the canvas, so the window stays usable
while torch.export and onnxruntime work (seconds to a minute); the dialog shows each
step, then the check against torch (the largest difference) or the message that
names the node, file or package to act on.
"""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMainWindow, QMenu, QPushButton,
                               QWidget)

from app.controller import ProjectController
from app.project import Project, project_from_dict
from components.errors import StudioError

FORMATS = (("onnx", "ONNX (.onnx), checked in onnxruntime"),
           ("torchscript", "torch.export program (.pt2)"),
           ("python", "Standalone Python folder with predict.py"))
ENDINGS = {"onnx": ".onnx", "torchscript": ".pt2", "python": "_export"}


class _Relay(QObject):
    """Carries the worker thread's news to the dialog (queued into the GUI thread)."""

    progress = Signal(str)
    done = Signal(object)  # ("ok", report) | ("error", message)


class ExportDialog(QDialog):
    """Format, checkpoint, destination; Export runs app.export on a worker thread."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None,
                 runs_folder: Callable[[], Path | None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Model")
        self.controller = controller
        self.runs_folder = runs_folder or (lambda: None)
        self._offered = ""  # the checkpoint the dialog filled in itself
        self.format = QComboBox()
        for key, text in FORMATS:
            self.format.addItem(text, key)
        self.checkpoint = QLineEdit()
        self.checkpoint.setPlaceholderText("a run folder (its best.pt) or a .pt file")
        self.checkpoint.setToolTip("A run folder exports its best.pt (the epoch with the best "
                                   "validation mean IoU); a .pt file exports that checkpoint")
        self.out = QLineEdit()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setMinimumWidth(460)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Format", self.format)
        layout.addRow("Checkpoint", self._with_browse(self.checkpoint, self._browse_checkpoint))
        layout.addRow("Write to", self._with_browse(self.out, self._browse_out))
        layout.addRow(self.status)
        layout.addRow(self.buttons)
        self._relay = _Relay(self)
        self._relay.progress.connect(self.say)
        self._relay.done.connect(self._finished)
        self.report: dict[str, Any] | None = None
        self.format.currentIndexChanged.connect(lambda index: self._format_changed())
        self.offer_newest_checkpoint()
        self._suggest_out()

    def say(self, text: str) -> None:
        """The status line, the dialog grown to show all of it (errors run long)."""
        self.status.setText(text)
        self.adjustSize()

    def offer_newest_checkpoint(self) -> None:
        """Fill in the newest run with a best.pt, unless the person chose one."""
        if self.checkpoint.text().strip() not in ("", self._offered):
            return
        self._offered = newest_checkpoint(self.controller.project, self.runs_folder())
        self.checkpoint.setText(self._offered)

    def _format_changed(self) -> None:
        self._suggest_out()
        if not self.busy:
            self.say("")  # the last export's words were about the other format

    @property
    def busy(self) -> bool:
        return not self.export_button.isEnabled()

    def _with_browse(self, field: QLineEdit, browse: Any) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(field)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        box.addWidget(button)
        return row

    def _browse_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Checkpoint", self.checkpoint.text(),
                                              "Checkpoints (*.pt);;All files (*)")
        if path:
            self.checkpoint.setText(path)

    def _browse_out(self) -> None:
        if self.format.currentData() == "python":
            path = QFileDialog.getExistingDirectory(self, "Export folder", self.out.text())
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export file", self.out.text())
        if path:
            self.out.setText(path)

    def _suggest_out(self) -> None:
        """The project's name with the format's ending, in the folder already chosen."""
        project = self.controller.project
        chosen = self.out.text().strip()
        folder = (Path(chosen).parent if chosen else
                  project.path.parent if project.path else Path.cwd())
        stem = project.path.stem if project.path else "model"
        self.out.setText(str(folder / f"{stem}{ENDINGS[self.format.currentData()]}"))

    # --- exporting ------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the export (False when a field is empty or one is running)."""
        checkpoint, out = self.checkpoint.text().strip(), self.out.text().strip()
        if self.busy or not checkpoint or not out:
            if not self.busy:
                self.say("Give a checkpoint and where to write the export.")
            return False
        self.report = None
        self.export_button.setEnabled(False)
        self.say("Exporting…")
        project = _copy(self.controller.project)
        threading.Thread(target=_work, daemon=True, name="export", args=(
            project, checkpoint, self.format.currentData(), out, self._relay)).start()
        return True

    def _finished(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        self.export_button.setEnabled(True)
        if kind == "error":
            self.say(f"The export failed: {value}")
            return
        self.report = value
        self.say(describe(value))


def _work(project: Project, checkpoint: str, fmt: str, out: str, relay: _Relay) -> None:
    from app.export.exporter import export_checkpoint

    try:
        outcome: tuple[str, Any] = ("ok", export_checkpoint(
            project, checkpoint, fmt, out, lambda text: _emit(relay.progress, f"{text}…")))
    except StudioError as error:
        outcome = ("error", str(error))
    except Exception as error:  # shown to the person, never a silent thread death
        outcome = ("error", f"{type(error).__name__}: {error}")
    _emit(relay.done, outcome)


def _emit(signal: Any, value: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
        signal.emit(value)


def _copy(project: Project) -> Project:
    """The project as it is now, apart from the canvas the person keeps editing."""
    copy = project_from_dict(project.to_dict(), str(project.path or "<project>"))
    copy.path = project.path
    return copy


def describe(report: dict[str, Any]) -> str:
    """What the dialog says after a good export."""
    verified, dynamic = report["verified"], report["dynamic"]
    size = (f"height and width in multiples of {dynamic['multiple_of']}"
            if dynamic.get("height_width") else f"fixed size ({dynamic['reason']})")
    source = f" from {report['checkpoint']}" if report.get("checkpoint") else ""
    return (f"Exported to {report['path']}{source}.\n"
            f"Checked against torch on {verified['samples']}: "
            f"largest difference {verified['max_abs_diff']:.3g} (limit "
            f"{verified['tolerance']:g}).\nInput: any batch; {size}.\nLoad: {report['load']}")


def newest_checkpoint(project: Project, runs_folder: Path | None = None) -> str:
    """The newest run with a best.pt in ``runs_folder`` (the window's: an unsaved
    project's runs are kept elsewhere), else beside the project file; or ''."""
    from app.runs import list_runs, project_runs_folder

    if runs_folder is None and project.path is None:
        return ""
    for run in list_runs([runs_folder or project_runs_folder(project.path)]):
        if run.has_best:
            return str(run.path)
    return ""


def install_export(window: QMainWindow, controller: ProjectController) -> QAction:
    """File > Export Model…, after Save As (one call from the main window)."""
    action = QAction("Export Model…", window)
    action.setStatusTip("Export a trained checkpoint as ONNX, a torch.export program or a "
                        "standalone Python folder")
    action.triggered.connect(lambda: open_export_dialog(window, controller))
    menu = _file_menu(window)
    actions = menu.actions()
    titles = [a.text().replace("&", "") for a in actions]
    place = next((i + 1 for i, t in enumerate(titles) if t.startswith("Save As")), len(titles))
    menu.insertAction(actions[place] if place < len(actions) else None, action)
    return action


def open_export_dialog(window: QMainWindow, controller: ProjectController) -> ExportDialog:
    dialog = getattr(window, "_export_dialog", None)
    if dialog is None or dialog.controller is not controller:
        dialog = ExportDialog(controller, window, lambda: _runs_folder(window))
        window._export_dialog = dialog  # one per window, kept with its last result
    else:
        dialog.offer_newest_checkpoint()  # a run may have ended since
    if dialog.isVisible():
        dialog.raise_()  # already open behind the window: bring it to the front
    dialog.show()
    return dialog


def _runs_folder(window: QMainWindow) -> Path | None:
    """Where the window's Train puts this project's runs (None: no run panels)."""
    panels = getattr(window, "run_panels", None)
    return panels.runs_base() / "runs" if panels is not None else None


def _file_menu(window: QMainWindow) -> QMenu:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == "File":
            return action.menu()
    return window.menuBar().addMenu("&File")
