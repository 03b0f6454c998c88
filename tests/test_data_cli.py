"""`main.py data PROJECT` (issue 9, case 10): the scan as JSON, exit 1 on problems the
project does not skip, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from app.cli import main
from app.paths import ROOT
from test_data_fixtures import label_pairs, numbered_discs, save, save_palette, voc_palette
from test_data_fixtures import noise_image, with_void_border

GRAPH = {"nodes": [{"id": "input", "type": "Input", "position": [0, 0],
                    "settings": {"channels": 3, "height": 32, "width": 32}},
                   {"id": "target", "type": "Target", "position": [200, 0],
                    "settings": {"classes": 3}}],
         "edges": [{"source": "input", "source_port": "out", "target": "target",
                    "target_port": "in"}]}


def _project(folder: Path, data: dict) -> Path:
    path = folder / "project.json"
    path.write_text(json.dumps({"format": 1, "name": "cli", "graph": GRAPH, "data": data,
                                "training": {}}), encoding="utf-8")
    return path


def _run(capsys, path: Path) -> tuple[int, dict, str]:
    code = main(["data", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out) if out.strip() else {}, err


def test_a_clean_data_set_prints_the_scan(tmp_path, capsys) -> None:
    label_pairs(tmp_path / "data", count=10)
    path = _project(tmp_path, {"source": "folders", "images": "data/images",
                               "masks": "data/masks", "seed": 3})
    code, report, err = _run(capsys, path)
    assert code == 0 and err == ""
    assert sum(report["pairs"].values()) == 10 and report["pairs"]["train"] == 7
    assert report["mask_kind"] == "labels" and "every value is below 32" in report["evidence"]
    assert [c["name"] for c in report["classes"]] == ["background", "class 1", "class 2"]
    assert sum(c["pixels"] for c in report["classes"]) == 10 * 32 * 32
    assert report["problems"] == [] and report["ignore"] is None


def test_problems_exit_1_until_skipped(tmp_path, capsys) -> None:
    label_pairs(tmp_path, count=4)
    save(tmp_path / "masks" / "002.png", np.zeros((20, 30), np.uint8))
    data = {"source": "folders", "images": "images", "masks": "masks"}
    code, report, err = _run(capsys, _project(tmp_path, data))
    message = "mask is 30x20 but its image images/002.png is 32x32"
    assert code == 1 and report["problems"] == [{"file": "masks/002.png", "message": message}]
    assert f"error: masks/002.png: {message}" in err
    code, report, err = _run(capsys, _project(tmp_path, {**data, "skip": ["images/002.png"]}))
    assert code == 0 and report["problems"] == [] and err == ""
    assert report["skipped"] == [{"file": "masks/002.png", "message": message}]
    assert sum(report["pairs"].values()) == 3


def test_a_target_that_does_not_fit_is_a_problem(tmp_path, capsys) -> None:
    for index, count in enumerate([3, 5, 2, 7]):
        ids = with_void_border(numbered_discs(count, seed=index, radius=8))
        save(tmp_path / "images" / f"{index}.png", noise_image(index, channels=3))
        save_palette(tmp_path / "masks" / f"{index}.png", ids, voc_palette())
    code, report, _ = _run(capsys, _project(tmp_path, {"source": "folders", "images": "images",
                                                        "masks": "masks"}))
    assert report["mask_kind"] == "instances" and "1..n" in report["evidence"]
    assert report["ignore"]["value"] == "value 255" and report["ignore"]["pixels"] > 0
    assert code == 1 and report["problems"][0]["file"] == "Target 'target'"
    assert "has 3 classes but the data has 2" in report["problems"][0]["message"]


def test_a_missing_project_or_folder(tmp_path, capsys) -> None:
    code, _, err = _run(capsys, tmp_path / "nope.json")
    assert code == 1 and "nope.json: file not found" in err
    code, report, err = _run(capsys, _project(tmp_path, {"source": "folders", "images": "a",
                                                          "masks": "b"}))
    assert code == 1 and {p["file"] for p in report["problems"]} == {"a", "b"}
    assert "error: a: images folder not found" in err


def test_main_py_data_runs_headless(tmp_path) -> None:
    label_pairs(tmp_path, count=3)
    path = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks"})
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "data", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sum(json.loads(done.stdout)["pairs"].values()) == 3
