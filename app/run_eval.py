"""The Test view's evaluation child (Qt): ``main.py eval RUN_PROJECT --checkpoint
RUN/best.pt --split test --progress --overlays RUN/eval_test`` as a QProcess.

The same command a person can type, so the numbers the Test view shows are the
ones ``eval`` prints. ``--progress`` lines on stderr move the progress bar; the
JSON on stdout arrives whole when the child ends; ``--overlays`` leaves each test
image, its truth and its prediction as PNGs, which become the Test view's list.
Cancel kills the child (an evaluation writes nothing a later run needs).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, Signal

from app import run_setup
from app.child_process import kill_group, new_child
from app.stats.evaluation import TestImage

PROGRESS = re.compile(r"^progress (\d+)/(\d+)$")


def evaluation_images(result: dict[str, Any], folder: Path) -> list[TestImage]:
    """The result's image rows as TestImages whose pictures are the overlay PNGs."""
    images = []
    for row in result.get("images") or ():
        if not isinstance(row, dict):
            continue
        files = {part: folder / row[part] for part in ("image", "truth", "prediction")
                 if isinstance(row.get(part), str)}
        score = row.get("mean_iou")
        images.append(TestImage(str(row.get("file")),
                                score if isinstance(score, (int, float)) else None, **files))
    return images


class EvalChild(QObject):
    """One evaluation at a time."""

    progress = Signal(int, int)           # images done, total
    finished = Signal(str, dict, list)    # run directory, the eval JSON, [TestImage]
    failed = Signal(str)                  # why (or "cancelled")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.run_dir: Path | None = None
        self.split = "test"
        self._stdout = bytearray()
        self._errors: list[str] = []
        self._cancelled = False

    @property
    def active(self) -> bool:
        return self.process is not None

    def start(self, run_dir: Path, checkpoint: str, split: str = "test") -> None:
        if self.process is not None:
            raise RuntimeError("an evaluation is already running")
        self.run_dir, self.split = Path(run_dir), split
        self._stdout.clear()
        self._errors.clear()
        self._cancelled = False
        process = new_child(self)
        process.setWorkingDirectory(str(self.run_dir))
        process.readyReadStandardOutput.connect(
            lambda: self._stdout.extend(bytes(process.readAllStandardOutput())))
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self.process = process
        program, arguments = run_setup.split_command(
            run_setup.eval_command(self.run_dir, checkpoint, split))
        process.start(program, arguments)

    def cancel(self) -> None:
        if self.process is not None:
            self._cancelled = True
            kill_group(self.process)

    def close(self) -> None:
        process = self.process
        if process is not None:
            self.cancel()
            process.waitForFinished(5000)
            if self.process is process:
                self._done(None, "cancelled")

    def _read_stderr(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        for line in text.splitlines():
            match = PROGRESS.match(line.strip())
            if match:
                self.progress.emit(int(match.group(1)), int(match.group(2)))
            elif line.strip():
                self._errors.append(line.strip())

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            self._done(None, f"the evaluation could not start ({self.process.errorString()})")

    def _finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self.process is None:
            return
        self._stdout.extend(bytes(self.process.readAllStandardOutput()))
        self._read_stderr()
        if self._cancelled:
            self._done(None, "cancelled")
            return
        try:
            result = json.loads(self._stdout.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            result = None
        if exit_code == 0 and isinstance(result, dict):
            self._done(result, "")
            return
        errors = [e.removeprefix("error: ") for e in self._errors if e.startswith("error:")]
        last = errors[-1] if errors else (self._errors[-1] if self._errors else "")
        self._done(None, last or f"the evaluation ended with exit code {exit_code}")

    def _done(self, result: dict[str, Any] | None, message: str) -> None:
        process, run_dir = self.process, self.run_dir
        self.process = None
        if process is not None:
            process.deleteLater()
        if result is None or run_dir is None:
            self.failed.emit(message)
            return
        folder = run_setup.overlays_folder(run_dir, self.split)
        self.finished.emit(str(run_dir), result, evaluation_images(result, folder))
