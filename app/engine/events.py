"""The event protocol (DESIGN.md): JSON lines out, ``pause``/``resume``/``stop`` lines in.

Every line is ``{"v": 1, "seq": n, "t": seconds, "type": ..., ...}``. Types:
``started`` (device, sample counts, epochs, run directory), ``batch`` (at most ten
a second: loss, learning rate, samples/s), ``epoch`` (the metrics.jsonl row),
``checkpoint`` (path, kind), ``paused`` / ``resumed``, and one final ``finished`` /
``stopped`` / ``failed`` with its message. They go to events.jsonl in the run
directory always, and to stdout with ``--events``.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

from .callbacks import BatchInfo, Callback, Control, Outcome
from .rundir import plain

if TYPE_CHECKING:
    from .callbacks import Trainer

VERSION = 1
BATCH_INTERVAL = 0.1  # seconds between two batch events
COMMANDS = ("pause", "resume", "stop")


class EventWriter:
    """Numbered, timed JSON lines to a file (appended) and optionally a stream."""

    def __init__(self, path: Path, stream: IO[str] | None = None) -> None:
        self.path, self.stream = Path(path), stream
        self.seq = _count_lines(self.path)  # a resumed run continues the numbering
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._file = open(self.path, "a", encoding="utf-8")
        if not _ends_a_line(self.path):  # a killed run's last line was cut: end it there
            self._file.write("\n")

    def emit(self, event_type: str, **fields: Any) -> None:
        with self._lock:
            self.seq += 1
            event = {"v": VERSION, "seq": self.seq,
                     "t": round(time.monotonic() - self.started, 3), "type": event_type,
                     **plain(fields)}
            line = json.dumps(event, allow_nan=False) + "\n"
            self._file.write(line)  # one write per line: a reader never sees half an event
            self._file.flush()
            if self.stream is not None:
                try:
                    self.stream.write(line)
                    self.stream.flush()
                except (BrokenPipeError, ValueError):  # the window went away; keep training
                    self.stream = None

    def close(self) -> None:
        with self._lock:
            self._file.close()


class EventStream(Callback):
    """Turns the loop's hooks into events."""

    def __init__(self, writer: EventWriter, started: dict[str, Any],
                 final: Callable[[Outcome], dict[str, Any]] | None = None) -> None:
        self.writer, self.started, self.final = writer, started, final
        self._last_batch = 0.0
        self._held: list[dict[str, Any]] = []  # checkpoints of an epoch whose event is due
        self._epoch_sent = 0

    def on_fit_start(self, trainer: "Trainer") -> None:
        s = trainer.state
        self.writer.emit("started", **self.started, epochs=trainer.parts.epochs,
                         batches=trainer.parts.data.batches, epoch=s.epoch, batch=s.batch)

    def on_batch_end(self, trainer: "Trainer", info: BatchInfo) -> None:
        now = time.monotonic()
        last = info.batch == info.batches or trainer.control.stopping  # never thinned out
        if now - self._last_batch < BATCH_INTERVAL and not last:
            return
        self._last_batch = now
        self.writer.emit("batch", epoch=info.epoch, batch=info.batch, batches=info.batches,
                         loss=info.loss, learning_rate=info.learning_rate,
                         samples_per_s=round(info.samples_per_s, 3), step=info.step)

    def on_epoch_end(self, trainer: "Trainer", row: dict[str, Any]) -> None:
        self.writer.emit("epoch", **row, best=trainer.improved)
        self._epoch_sent = row["epoch"]
        self._flush()

    def on_checkpoint(self, trainer: "Trainer", path: str, kind: str) -> None:
        event = {"path": path, "kind": kind, "epoch": trainer.state.epoch,
                 "batch": trainer.state.batch}
        self._held.append(event)
        if trainer.state.batch or trainer.state.epoch <= self._epoch_sent:
            self._flush()  # not an epoch-end checkpoint written before the epoch's event

    def _flush(self) -> None:
        for event in self._held:
            self.writer.emit("checkpoint", **event)
        self._held.clear()

    def on_pause(self, trainer: "Trainer", paused: bool) -> None:
        self.writer.emit("paused" if paused else "resumed", epoch=trainer.state.epoch + 1,
                         batch=trainer.state.batch)

    def on_fit_end(self, trainer: "Trainer", outcome: Outcome) -> None:
        self._flush()
        extra = self.final(outcome) if self.final else {}
        self.writer.emit(outcome.status, message=outcome.message, epochs=outcome.epochs,
                         best_mean_iou=trainer.state.best_mean_iou, **extra)


class CommandReader(threading.Thread):
    """Reads ``pause`` / ``resume`` / ``stop`` lines (from the window) in the background;
    an unknown line is reported to ``warn`` (stderr on the command line).

    With ``stop_on_eof`` the end of the stream is a stop: the window that started this
    run holds the other end of the pipe, so the end comes when that window is gone,
    however it went (closed, crashed, killed), and the run stops with a last.pt."""

    def __init__(self, stream: IO[str], control: Control, warn: Callable[[str], None],
                 stop_on_eof: bool = False) -> None:
        super().__init__(name="training-commands", daemon=True)
        self.stream, self.control, self.warn = stream, control, warn
        self.stop_on_eof = stop_on_eof

    def run(self) -> None:
        try:
            for line in self.stream:
                self.handle(line.strip().lower())
        except (OSError, ValueError):  # stdin closed or unreadable: no one can send commands
            return
        if self.stop_on_eof:
            self.control.stop("the window that started the run closed")

    def handle(self, command: str) -> None:
        if command == "pause":
            self.control.pause()
        elif command == "resume":
            self.control.resume()
        elif command == "stop":
            self.control.stop("stopped by request")
        elif command:
            self.warn(f"unknown command {command!r} (expected one of {', '.join(COMMANDS)})")


def _ends_a_line(path: Path) -> bool:
    """True for an empty file or one whose last byte is a newline."""
    with open(path, "rb") as stream:
        stream.seek(0, 2)
        if not stream.tell():
            return True
        stream.seek(-1, 2)
        return stream.read(1) == b"\n"


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as stream:
        return sum(1 for _ in stream)
