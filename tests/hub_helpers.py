"""Workspaces for the hub tests and its screenshot: models made from the bundled
templates, run directories as the engine writes them (run.json, metrics.jsonl,
project.json), and a project file that cannot be read."""
from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any

from app.paths import DEMO_PROJECT, TEMPLATES
from stats_helpers import epoch_row


def template_json(name: str = "unet_component") -> dict[str, Any]:
    path = DEMO_PROJECT if name == "demo" else TEMPLATES / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def write_model(workspace: Path, name: str, template: str = "unet_component",
                age_s: float = 0.0, **changes: Any) -> Path:
    """<workspace>/<name>/<name>.json from a template, its name set, ``changes`` applied
    to its training section, the file made ``age_s`` seconds old."""
    data = template_json(template)
    data["name"] = name
    data["training"].update(changes)
    path = workspace / name / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if age_s:
        stamp = time.time() - age_s
        os.utime(path, (stamp, stamp))
    return path


def write_run(project_file: Path, name: str, epochs: int = 4, planned: int = 6,
              status: str = "finished", project: dict[str, Any] | None = None,
              scale: float = 1.0, started: str = "2026-11-24T10:15:00") -> Path:
    """A run directory under runs/ beside ``project_file``: the project snapshot (the
    file's JSON, or ``project``), ``epochs`` metrics rows scaled by ``scale``."""
    run = project_file.parent / "runs" / name
    run.mkdir(parents=True)
    snapshot = project if project is not None else json.loads(project_file.read_text())
    (run / "project.json").write_text(json.dumps(snapshot), encoding="utf-8")
    (run / "run.json").write_text(json.dumps({"status": status, "started": started,
                                              "device": "cpu", "epochs_planned": planned}))
    rate = snapshot.get("training", {}).get("learning_rate", 1e-3)
    rows = []
    for epoch in range(1, epochs + 1):
        row = epoch_row(epoch, planned)
        row["mean_iou"] *= scale
        row["train_mean_iou"] = min(1.0, row["train_mean_iou"] * scale)
        row["train_loss"] /= scale ** 3
        row["val_loss"] /= scale ** 3
        row["pixel_accuracy"] = min(1.0, row["pixel_accuracy"] * scale ** 0.1)
        row["learning_rate"] = rate * 0.8 ** (epoch - 1)
        rows.append(json.dumps(row))
    (run / "metrics.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return run


def changed(data: dict[str, Any], learning_rate: float | None = None,
            extra_node: str | None = None) -> dict[str, Any]:
    """A copy of a project's JSON with another learning rate and/or one more node,
    wired from the Input."""
    data = copy.deepcopy(data)
    if learning_rate is not None:
        data["training"]["learning_rate"] = learning_rate
    if extra_node:
        data["graph"]["nodes"].append({"id": extra_node, "type": "Convolution",
                                       "position": [280.0, 220.0], "settings": {"filters": 8}})
        data["graph"]["edges"].append({"source": "input", "source_port": "out",
                                       "target": extra_node, "target_port": "in"})
    return data


def populated_workspace(workspace: Path) -> Path:
    """Four models (one from scratch, one with three runs of which one failed), and a
    project file with a JSON error."""
    workspace.mkdir(parents=True, exist_ok=True)
    cells = write_model(workspace, "Cells", age_s=3600)
    write_run(cells, "2026-11-24_10-15-00", epochs=6, scale=0.9)
    write_run(cells, "2026-11-25_09-00-00", epochs=6, scale=1.0,
              project=changed(json.loads(cells.read_text()), learning_rate=0.003),
              started="2026-11-25T09:00:00")
    write_run(cells, "2026-11-26_14-30-00", epochs=2, status="failed",
              started="2026-11-26T14:30:00")
    nuclei = write_model(workspace, "Nuclei demo", template="demo", age_s=600)
    evaluated = write_run(nuclei, "2026-11-27_08-00-00", epochs=6, scale=1.05,
                          started="2026-11-27T08:00:00")
    (evaluated / "eval_test.json").write_text(json.dumps({"split": "test", "mean_iou": 0.726}),
                                              encoding="utf-8")
    write_model(workspace, "Scratch U-Net", template="unet_from_scratch", age_s=7200)
    write_model(workspace, "Bacteria", age_s=86400)
    broken = workspace / "Broken" / "Broken.json"
    broken.parent.mkdir()
    broken.write_text('{"format": 1, "name": "Broken", "graph": {"nodes": [}', encoding="utf-8")
    return workspace
