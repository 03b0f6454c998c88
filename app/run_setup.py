"""What the window's child processes are given (Qt-free): the run directory, the project
snapshot in it, and the command lines of ``main.py train`` and ``main.py eval``.

The window trains a snapshot: the project as it was when Train was pressed is
written into the new run directory as project.json (its data paths rewritten to
reach the same files from there), and the child trains that file. The person can
go on editing the canvas; the run is what was pressed.

A run is resumed and evaluated with the project it was trained with: for a run the
window started that is its own project.json; for a run started on the command line
it is the project file that run.json names (the CLI resumes it the same way), when
that file still exists.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

from app.data.relocate import relocate
from app.engine.rundir import PROJECT_FILE, RUN_FILE, RunDirectory
from app.paths import ROOT
from app.project import Project, write_json_atomic

MAIN = ROOT / "main.py"
EVAL_FOLDER = "eval_{split}"


def user_runs_base() -> Path:
    """Where the runs of a project that was never saved go (it has no folder of its own)."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "unet-studio" / "unsaved"


def runs_base(project: Project, unsaved_base: Path | None = None) -> Path:
    """The folder whose runs/ holds this project's runs: beside the project file, or for
    an unsaved project a folder named after it under ``unsaved_base``."""
    if project.path is not None:
        return project.folder
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", project.name).strip("._") or "project"
    return Path(unsaved_base or user_runs_base()) / name


def prepare_run(project: Project, unsaved_base: Path | None = None) -> tuple[Path, Path]:
    """A new run directory holding the project's snapshot; (run directory, snapshot file)."""
    run = RunDirectory.create(runs_base(project, unsaved_base))
    snapshot = project.to_dict()
    snapshot["data"] = relocate(project.data, project.folder, run.path)
    target = run.path / PROJECT_FILE
    write_json_atomic(target, snapshot)
    return run.path, target


def discard_unstarted(run_dir: Path) -> bool:
    """Remove a run directory the child never started in (only the snapshot there)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir() or (run_dir / RUN_FILE).exists():
        return False
    if any(p.name != PROJECT_FILE for p in run_dir.iterdir()):
        return False
    shutil.rmtree(run_dir, ignore_errors=True)
    return True


def run_project_file(run_dir: Path) -> Path:
    """The project file a run was trained with (see the module docstring)."""
    run_dir = Path(run_dir)
    try:
        named = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8")).get("project")
    except (OSError, ValueError, AttributeError):
        named = None
    if isinstance(named, str) and named and Path(named).is_file():
        return Path(named)
    return run_dir / PROJECT_FILE


def class_colors(run_dir: Path) -> list[tuple[int, int, int]] | None:
    """The class colours of the project a run trained, in class-id order (None: unknown)."""
    try:
        data = json.loads(run_project_file(run_dir).read_text(encoding="utf-8"))["data"]
        return [tuple(int(v) for v in c["color"][:3]) for c in data["classes"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def python_command(*arguments: Any) -> list[str]:
    """``python main.py ARGUMENTS`` with this interpreter."""
    return [sys.executable, str(MAIN), *(str(a) for a in arguments)]


def train_command(snapshot: Path, run_dir: Path) -> list[str]:
    return python_command("train", snapshot, "--events", "--stop-on-eof", "--out", run_dir)


def resume_command(run_dir: Path) -> list[str]:
    return python_command("train", run_project_file(run_dir), "--events", "--stop-on-eof",
                          "--resume", run_dir)


def eval_command(run_dir: Path, checkpoint: str, split: str = "test") -> list[str]:
    run_dir = Path(run_dir)
    return python_command("eval", run_project_file(run_dir), "--checkpoint",
                          run_dir / checkpoint, "--split", split, "--progress",
                          "--overlays", overlays_folder(run_dir, split))


def overlays_folder(run_dir: Path, split: str = "test") -> Path:
    return Path(run_dir) / EVAL_FOLDER.format(split=split)


def split_command(command: Sequence[str]) -> tuple[str, list[str]]:
    """(program, arguments), as QProcess.start takes them."""
    return command[0], list(command[1:])
