"""The training runs of a project, read from their run directories (Qt-free).

A run directory (DESIGN.md) may be half-written: the process can die between two
lines of metrics.jsonl, before run.json exists, or while run.json still says
"running". Everything here reads what is there and says what is not (``problems``)
instead of raising, so one damaged run never hides the others.

A run.json saying "running" is believed only while its process can be alive: the
window names the runs it is driving (``active``); a run.json with a "pid" (and the
"host" it ran on) is checked against the process table; otherwise the run counts
as alive while one of its files changed in the last STALE_SECONDS (the engine
writes `system` and `batch` events every few seconds, so a silent folder is a dead
process). A dead "running" run reads as failed, ``interrupted`` set: DESIGN.md says
a child that dies without a final event is a failed run.
"""
from __future__ import annotations

import json
import math
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from app.processes import mtime, process_alive
from app.project import write_json_atomic

RUN_FILE, METRICS_FILE, EVENTS_FILE, PROJECT_FILE = ("run.json", "metrics.jsonl",
                                                      "events.jsonl", "project.json")
LAST, BEST = "last.pt", "best.pt"
STATUSES = ("running", "finished", "stopped", "failed")
STALE_SECONDS = 300.0
RUN_MARKERS = (RUN_FILE, METRICS_FILE, EVENTS_FILE)
FOLDER_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[_T ]?(\d{2})[-:]?(\d{2})[-:]?(\d{2})?")


def read_json(path: Path, problems: list[str] | None = None) -> dict[str, Any] | None:
    """A JSON object file, or None (missing, unreadable or not an object; said in problems)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        _say(problems, f"{Path(path).name} cannot be read ({error})")
        return None
    if not isinstance(data, dict):
        _say(problems, f"{Path(path).name} is not a JSON object")
        return None
    return data


def read_jsonl(path: Path, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The JSON objects of a file of lines; a damaged line (a truncated last one) is skipped."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        _say(problems, f"{Path(path).name} cannot be read ({error})")
        return []
    rows, damaged = [], 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            damaged += 1
            continue
        if isinstance(row, dict):
            rows.append(row)
        else:
            damaged += 1
    if damaged:
        _say(problems, f"{Path(path).name}: {damaged} damaged line{'s' * (damaged > 1)} skipped")
    return rows


@dataclass
class RunInfo:
    """What the runs list shows of one run directory."""

    path: Path
    status: str                        # running | finished | stopped | failed
    started: datetime | None = None
    ended: datetime | None = None
    interrupted: bool = False          # said "running" but its process is gone
    epochs_done: int = 0
    epochs_planned: int | None = None
    best_mean_iou: float | None = None
    best_epoch: int | None = None
    test_mean_iou: float | None = None  # from eval_test.json, once the run was evaluated
    device: str | None = None
    message: str | None = None
    has_last: bool = False
    has_best: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def resumable(self) -> bool:
        """A stopped run, or one whose process died, continues from its last.pt."""
        return self.has_last and (self.status == "stopped" or self.interrupted)

    @property
    def status_text(self) -> str:
        return "interrupted" if self.interrupted else self.status


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and any((path / name).is_file() for name in RUN_MARKERS)


def project_runs_folder(project_file: Path) -> Path:
    """Where `main.py train` puts a project's runs: runs/ beside the project file."""
    return Path(project_file).resolve().parent / "runs"


def list_runs(folders: Iterable[Path], active: Iterable[Path] = (),
              now: float | None = None) -> list[RunInfo]:
    """The runs in the given folders (each a run directory or a folder of them), newest
    first; folders that do not exist give nothing."""
    seen: set[Path] = set()
    found: list[RunInfo] = []
    for folder in folders:
        folder = Path(folder)
        candidates = [folder] if is_run_dir(folder) else _children(folder)
        for path in candidates:
            key = path.resolve()
            if key not in seen and is_run_dir(path):
                seen.add(key)
                found.append(read_run(path, active, now))
    return sorted(found, key=_sort_key, reverse=True)


def read_run(path: Path, active: Iterable[Path] = (), now: float | None = None) -> RunInfo:
    """One run directory, as far as it can be read."""
    path = Path(path)
    problems: list[str] = []
    record = read_json(path / RUN_FILE, problems)
    if record is None and not (path / RUN_FILE).exists():
        problems.append(f"{RUN_FILE} is missing")
    record = record or {}
    rows = read_jsonl(path / METRICS_FILE, problems)
    info = RunInfo(path=path, status="failed", problems=problems,
                   started=_date(record.get("started")) or _folder_date(path.name),
                   ended=_date(record.get("ended")), device=_text(record.get("device")),
                   message=_text(record.get("message")) or _text(record.get("error")),
                   has_last=(path / LAST).is_file(), has_best=(path / BEST).is_file())
    _fill_progress(info, record, rows)
    info.test_mean_iou = _number((read_evaluation(path) or {}).get("mean_iou"))
    _fill_status(info, record, {Path(a).resolve() for a in active}, now)
    return info


def save_evaluation(run_dir: Path, result: dict[str, Any]) -> Path:
    """Keep an `eval` result in its run directory (eval_<split>.json), atomically, so the
    comparison of runs can read it later."""
    target = Path(run_dir) / f"eval_{result.get('split', 'test')}.json"
    write_json_atomic(target, result)
    return target


def read_evaluation(run_dir: Path, split: str = "test") -> dict[str, Any] | None:
    return read_json(Path(run_dir) / f"eval_{split}.json")


# --- internals ---------------------------------------------------------------------------
def _say(problems: list[str] | None, message: str) -> None:
    if problems is not None:
        problems.append(message)


def _children(folder: Path) -> list[Path]:
    try:
        return [child for child in folder.iterdir() if child.is_dir()]
    except OSError:
        return []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _date(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _folder_date(name: str) -> datetime | None:
    match = FOLDER_DATE.match(name)
    if not match:
        return None
    parts = [int(p) for p in match.groups(default="0")]
    try:
        return datetime(*parts)
    except ValueError:
        return None


def _fill_progress(info: RunInfo, record: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Epochs and the best validation mean IoU: metrics.jsonl first, run.json otherwise."""
    epochs = [int(e) for e in (_number(r.get("epoch")) for r in rows) if e is not None]
    info.epochs_done = max(epochs, default=int(_number(record.get("epochs")) or 0))
    planned = _number(record.get("epochs_planned"))
    if planned is None:
        project = read_json(info.path / PROJECT_FILE) or {}
        training = project.get("training")
        planned = _number(training.get("epochs")) if isinstance(training, dict) else None
    info.epochs_planned = int(planned) if planned is not None else None
    scored = [(_number(r.get("mean_iou")), _number(r.get("epoch"))) for r in rows]
    scored = [(iou, int(epoch)) for iou, epoch in scored if iou is not None and epoch]
    if scored:
        best = max(scored, key=lambda pair: (pair[0], -pair[1]))
        info.best_mean_iou, info.best_epoch = best
    else:
        info.best_mean_iou = _number(record.get("best_mean_iou"))
        best_epoch = _number(record.get("best_epoch"))
        info.best_epoch = int(best_epoch) if best_epoch is not None else None


def _fill_status(info: RunInfo, record: dict[str, Any], active: set[Path],
                 now: float | None) -> None:
    status = record.get("status")
    if status in ("finished", "stopped", "failed"):
        info.status = status
        return
    ending = _final_event(info.path / EVENTS_FILE)
    if ending is not None:
        info.status = ending.get("type")
        info.message = info.message or _text(ending.get("message"))
        return
    if _alive(info.path, record, active, now):
        info.status = "running"
        return
    info.status, info.interrupted = "failed", True
    info.message = info.message or "the training process ended without saying why"


def _final_event(path: Path) -> dict[str, Any] | None:
    """The last event of events.jsonl when it ends the run (read from the file's tail)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - 65536))
            tail = stream.read().splitlines()
    except OSError:
        return None
    for line in reversed(tail):
        try:
            event = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(event, dict):
            return event if event.get("type") in ("finished", "stopped", "failed") else None
    return None


def _alive(path: Path, record: dict[str, Any], active: set[Path], now: float | None) -> bool:
    if path.resolve() in active:
        return True
    pid = record.get("pid")
    if isinstance(pid, int) and not isinstance(pid, bool) \
            and record.get("host", socket.gethostname()) == socket.gethostname():
        return process_alive(pid)
    newest = max((mtime(path / name) for name in RUN_MARKERS), default=0.0)
    return (time.time() if now is None else now) - newest < STALE_SECONDS


def _sort_key(info: RunInfo) -> tuple[float, str]:
    stamp = info.started.timestamp() if info.started else 0.0
    return (stamp, info.name)
