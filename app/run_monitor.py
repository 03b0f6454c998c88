"""The bridge between the window and its training child process (Qt).

The window never trains in its own process: ``train`` writes the project's snapshot
into a new run directory and starts ``main.py train SNAPSHOT --events --stop-on-eof
--out RUN`` as a QProcess. Its standard output is read in ``readyRead`` slots, whole
lines only, so the GUI thread never waits on the child; each JSON line becomes an
``event`` signal. ``pause`` / ``resume`` / ``stop`` go to the child as lines on its
standard input; the engine acts on them between batches.

However the child ends, ``ended`` says how, once: its own final event (finished,
stopped, failed with the message), or, when it died without one (killed, a crash
before it could say), a failed run with the exit status and the last line it wrote
on stderr. ``checkpoint`` is the last good one (last.pt) when there is one.

No child outlives the window: ``close`` stops a running child (waiting a little for
its last.pt), then kills what is left; and if the window's process dies, the
child's standard input reaches its end, which ``--stop-on-eof`` makes a stop.
"""
from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QObject, QProcess, Signal

from app import run_setup
from app.child_process import kill_group, new_child
from app.engine.rundir import LAST
from app.project import Project
from app.run_eval import EvalChild
from app.run_status import LiveStatus

TERMINAL = ("finished", "stopped", "failed")
STOP_WAIT_MS = 20000   # on close: how long a stopped child may take to write last.pt
KILL_WAIT_MS = 5000


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, as the window reports it."""

    run_dir: Path
    status: str                 # finished | stopped | failed
    message: str
    checkpoint: Path | None     # the last good checkpoint, if any
    started: bool               # False: refused before its first batch (nothing to resume)


class RunMonitor(QObject):
    """One training child at a time; see the module docstring."""

    started = Signal(str)        # run directory: the child is running
    event = Signal(dict)         # every event line, decoded
    state_changed = Signal(str)  # idle | starting | running | paused | stopping
    ended = Signal(object)       # RunEnd

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.run_dir: Path | None = None
        self.status = LiveStatus()
        self.state = "idle"
        self.unsaved_base: Path | None = None   # runs of unsaved projects (tests: tmp_path)
        self.evaluation = EvalChild(self)
        self._final: dict[str, Any] | None = None
        self._began = False
        self._stderr: deque[str] = deque(maxlen=40)
        self._reported = False

    # --- reading ---------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.process is not None

    @property
    def pid(self) -> int | None:
        return int(self.process.processId()) if self.process is not None else None

    # --- starting --------------------------------------------------------------------
    def train(self, project: Project) -> Path:
        """Snapshot ``project`` into a new run directory and train it there."""
        run_dir, snapshot = run_setup.prepare_run(project, self.unsaved_base)
        self.start(run_setup.train_command(snapshot, run_dir), run_dir)
        return run_dir

    def resume(self, run_dir: Path) -> None:
        """Continue a stopped or interrupted run from its last.pt."""
        self.start(run_setup.resume_command(Path(run_dir)), Path(run_dir))

    def start(self, command: Sequence[str], run_dir: Path) -> None:
        """Start a child that speaks the event protocol for ``run_dir``."""
        if self.process is not None:
            raise RuntimeError("a training run is already going on in this window")
        self.run_dir, self._final, self._began, self._reported = Path(run_dir), None, False, False
        self._stderr.clear()
        self.status = LiveStatus(state="starting")
        process = new_child(self)
        process.setWorkingDirectory(str(self.run_dir))
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self.process = process
        program, arguments = run_setup.split_command(command)
        self._set_state("starting")
        process.start(program, arguments)

    # --- commands --------------------------------------------------------------------
    def pause(self) -> None:
        self._send("pause")

    def resume_training(self) -> None:
        self._send("resume")

    def stop(self) -> None:
        """Ask the child to stop after its current batch (it writes last.pt)."""
        if self._send("stop"):
            self.status.state = "stopping"
            self._set_state("stopping")

    def kill(self) -> None:
        """End the child and its loader workers now (no last.pt for the batches since the
        last epoch)."""
        if self.process is not None:
            kill_group(self.process)

    def close(self) -> None:
        """The window is closing: stop the child, wait a little for it, kill the rest."""
        self.evaluation.close()
        process = self.process
        if process is None:
            return
        self.stop()
        if not process.waitForFinished(STOP_WAIT_MS):
            kill_group(process)
            process.waitForFinished(KILL_WAIT_MS)
        if self.process is process:  # finished was not delivered (no event loop): report now
            self._finished(process.exitCode(), process.exitStatus())

    def _send(self, command: str) -> bool:
        if self.process is None or self.process.state() != QProcess.ProcessState.Running:
            return False
        self.process.write(f"{command}\n".encode())
        return True

    # --- the child's output ----------------------------------------------------------
    def _read_stdout(self) -> None:
        process = self.process
        while process is not None and process.canReadLine():
            self._line(bytes(process.readLine()))

    def _line(self, raw: bytes) -> None:
        try:
            event = json.loads(raw.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            text = raw.decode("utf-8", "replace").strip()
            if text:
                self._stderr.append(text)  # not an event: keep it for a failure message
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        self.status.add(event)
        if kind == "started":
            self._began = True
            self._set_state("running")
            self.started.emit(str(self.run_dir))
        elif kind in ("paused", "resumed") and self.state != "stopping":
            self._set_state("paused" if kind == "paused" else "running")
        elif kind in TERMINAL:
            self._final = event
        self.event.emit(event)

    def _read_stderr(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        self._stderr.extend(line for line in text.splitlines() if line.strip())

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            message = f"the training process could not start ({self.process.errorString()})"
            self._report("failed", message)

    def _finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self.process is None:
            return
        self._read_stdout()
        rest = bytes(self.process.readAllStandardOutput())
        if rest.strip():
            self._line(rest)
        self._read_stderr()
        if self._final is not None:
            self._report(self._final["type"], str(self._final.get("message") or ""))
            return
        crashed = exit_status == QProcess.ExitStatus.CrashExit
        why = ("the training process was killed" if crashed
               else f"the training process ended (exit code {exit_code}) without saying why")
        last = self._last_words()
        self._report("failed", f"{why}{': ' + last if last else ''}")

    def _last_words(self) -> str:
        """The child's last meaningful stderr line (a traceback's last line)."""
        lines = [line for line in self._stderr if not line.startswith(("warning:", "note:"))]
        return lines[-1].strip() if lines else ""

    def _report(self, status: str, message: str) -> None:
        if self._reported:
            return
        self._reported = True
        run_dir, process = self.run_dir, self.process
        self.process = None
        if process is not None:
            process.deleteLater()
        last = run_dir / LAST if run_dir is not None else None
        discarded = run_dir is not None and run_setup.discard_unstarted(run_dir)
        started = self._began and not discarded
        end = RunEnd(run_dir or Path(), status, message,
                     last if last is not None and last.exists() else None, started)
        self.status.state = "ended"
        self._set_state("idle")
        self.ended.emit(end)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
