"""A run directory (DESIGN.md): ``runs/<date>_<time>/`` beside the project, or ``--out``.

    metrics.jsonl  one row per finished epoch        best.pt   best validation mean IoU
    last.pt        the newest state (resume)         project.json  the project it ran
    run.json       status, times, device, versions, command, error message
    events.jsonl   the event stream                  previews/ PNGs named by events

Every file but events.jsonl is replaced atomically (temp file, fsync, rename);
events.jsonl is a stream, appended one whole line per write.
"""
from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

from app.processes import process_alive
from components.errors import StudioError

from .files import atomic_open

RUN_FILE, METRICS_FILE, PROJECT_FILE = "run.json", "metrics.jsonl", "project.json"
LAST, BEST, EVENTS, PREVIEWS = "last.pt", "best.pt", "events.jsonl", "previews"
STATUSES = ("running", "finished", "stopped", "failed")


class RunDirectoryError(StudioError):
    """A folder that cannot be a run directory (or be resumed); names it."""


class RunDirectory:
    """The files of one run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def last(self) -> Path:
        return self.path / LAST

    @property
    def best(self) -> Path:
        return self.path / BEST

    @property
    def events(self) -> Path:
        return self.path / EVENTS

    # --- creating and opening -------------------------------------------------------
    @classmethod
    def create(cls, project_folder: Path, out: Path | None = None) -> "RunDirectory":
        """A new, empty run directory (named by date and time unless ``out`` is given).

        ``out`` may already hold project.json alone: the window writes the snapshot it
        trains there first (``main.py train RUN/project.json --out RUN``)."""
        if out is not None:
            out = Path(out)
            if (out / RUN_FILE).exists():
                raise RunDirectoryError(f"{out}: is already a run directory; continue it with "
                                        "--resume, or give --out a new folder")
            if out.exists() and (not out.is_dir()
                                 or any(p.name != PROJECT_FILE for p in out.iterdir())):
                raise RunDirectoryError(f"{out}: exists and is not an empty folder; give --out "
                                        "a new folder")
            out.mkdir(parents=True, exist_ok=True)
            return cls(out)
        runs = Path(project_folder) / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        for n in range(1, 1000):
            candidate = runs / (stamp if n == 1 else f"{stamp}_{n}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return cls(candidate)
        raise RunDirectoryError(f"{runs}: could not make a new run folder for {stamp}")

    @classmethod
    def open(cls, path: Path) -> "RunDirectory":
        """An existing run directory that can be resumed, or RunDirectoryError saying why."""
        path = Path(path)
        if not path.is_dir():
            raise RunDirectoryError(f"{path}: {'is a file' if path.exists() else 'not found'}; "
                                    "--resume takes a run directory (runs/<date>_<time>/)")
        run = cls(path)
        missing = [name for name in (RUN_FILE, PROJECT_FILE, LAST) if not (path / name).is_file()]
        if RUN_FILE in missing or PROJECT_FILE in missing:
            raise RunDirectoryError(f"{path}: is not a run directory (it has no "
                                    f"{' or '.join(m for m in missing if m != LAST)}); "
                                    "--resume takes a folder that a training run wrote")
        record = run.record()  # readable?
        _refuse_live(path, record)
        if LAST in missing:
            raise RunDirectoryError(f"{path}: has no {LAST} to resume from (the run stopped "
                                    "before its first checkpoint); start a new run instead")
        return run

    # --- run.json -------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RunDirectoryError(f"{self.path / RUN_FILE}: cannot be read ({error})") from None
        if not isinstance(data, dict) or data.get("status") not in STATUSES:
            raise RunDirectoryError(f"{self.path / RUN_FILE}: is not a run record "
                                    f"(status must be one of {', '.join(STATUSES)})")
        return data

    def write_record(self, record: dict[str, Any]) -> None:
        self.write_json(RUN_FILE, record)

    # --- metrics.jsonl --------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        """The metrics rows written so far (a damaged trailing line is skipped)."""
        path = self.path / METRICS_FILE
        if not path.exists():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return rows

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        with atomic_open(self.path / METRICS_FILE) as stream:
            for row in rows:
                stream.write(json.dumps(plain(row), allow_nan=False) + "\n")

    def write_json(self, name: str, data: Any) -> None:
        with atomic_open(self.path / name) as stream:
            json.dump(plain(data), stream, indent=2, allow_nan=False)
            stream.write("\n")


def _refuse_live(path: Path, record: dict[str, Any]) -> None:
    """A run still training in another process must not get a second writer; one whose
    run.json says running but whose process is gone (killed, a crash) was interrupted
    and may be resumed."""
    pid, host = record.get("pid"), record.get("host")
    if (record.get("status") == "running" and isinstance(pid, int) and pid != os.getpid()
            and host in (None, socket.gethostname()) and process_alive(pid)):
        raise RunDirectoryError(f"{path}: is still training (process {pid}); stop it before "
                                "resuming it")


def plain(value: Any) -> Any:
    """JSON-safe: NaN and infinity become null (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
