"""The train, eval and predict commands as a person runs them."""
from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

from app.cli import main
from app.engine.checkpoint import read_checkpoint
from engine_helpers import write_project

ROOT = Path(__file__).resolve().parents[1]
MAIN = str(ROOT / "main.py")


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_eval_predict(tmp_path, capsys):
    project = write_project(tmp_path)
    code, out, err = _run(capsys, "train", project, "--epochs", 1, "--out", tmp_path / "run")
    assert code == 0, err
    assert out.startswith("epoch 1/1  train_loss ") and "mean_iou" in out
    assert "finished: trained 1 epoch; run directory" in err
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "finished"
    row = json.loads((tmp_path / "run" / "metrics.jsonl").read_text())
    code, out, err = _run(capsys, "eval", project, "--checkpoint", tmp_path / "run",
                          "--split", "val", "--baselines")
    assert code == 0, err
    report = json.loads(out)
    assert report["split"] == "val" and report["checkpoint"].endswith("best.pt")
    assert abs(report["mean_iou"] - row["mean_iou"]) < 1e-9  # validation == eval of best.pt
    assert [c["name"] for c in report["classes"]] == ["background", "disc", "square"]
    names = [b["name"] for b in report["baselines"]["predictors"]]
    assert names == ["all background", "global threshold"]
    assert report["baselines"]["table"].splitlines()[2].startswith("| U-Net (this checkpoint) |")
    image = tmp_path / "big.png"
    Image.fromarray(np.full((48, 40), 200, np.uint8)).save(image)
    code, out, err = _run(capsys, "predict", project, "--checkpoint", tmp_path / "run" / "last.pt",
                          image, "--out", tmp_path / "masks")
    assert code == 0, err
    with Image.open(tmp_path / "masks" / "big.png") as mask:
        assert (mask.size, mask.mode) == ((40, 48), "L")
    with Image.open(tmp_path / "masks" / "big_overlay.png") as overlay:
        assert (overlay.size, overlay.mode) == ((40, 48), "RGB")


def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys):
    project = write_project(tmp_path)
    cases = [(("train", project, "--resume", tmp_path), "is not a run directory"),
             (("eval", project, "--checkpoint", tmp_path / "none.pt"), "none.pt: file not found"),
             (("predict", project, "--checkpoint", project, tmp_path / "x.png", "--out",
               tmp_path), "tiny.json: is not a checkpoint"),
             (("train", project, "--device", "gpu"), "--device: got 'gpu'")]
    for args, message in cases:
        code, out, err = _run(capsys, *args)
        assert code == 1 and message in err and "Traceback" not in err, err


def _reader(process):
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    return lines


def _until(lines, kind, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = json.loads(lines.get(timeout=1))
        except queue.Empty:
            continue
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event within {timeout} s")


def test_events_mode_pauses_resumes_and_stops_from_stdin(tmp_path):
    project = write_project(tmp_path, epochs=200)
    with subprocess.Popen([sys.executable, MAIN, "train", str(project),
                           "--events", "--out", str(tmp_path / "run")], cwd=ROOT,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as process:
        try:
            lines = _reader(process)
            started = _until(lines, "started")
            assert started["samples"] == {"train": 6, "val": 2} and started["device"] == "cpu"
            _until(lines, "batch")
            for command, answer in (("pause", "paused"), ("resume", "resumed"),
                                    ("stop", "stopped")):
                process.stdin.write(command + "\n")
                process.stdin.flush()
                event = _until(lines, answer)
            assert "--resume" in event["resume"]
            assert process.wait(timeout=60) == 130
        finally:
            process.kill()  # a failed assertion must not leave a 200-epoch run behind
    written = [json.loads(line) for line in
               (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in written] == list(range(1, len(written) + 1))
    assert {"started", "batch", "paused", "resumed", "stopped"} <= {e["type"] for e in written}


def test_ctrl_c_stops_after_the_batch_and_the_run_resumes(tmp_path, capsys):
    project = write_project(tmp_path, epochs=500)
    run = tmp_path / "run"
    with subprocess.Popen([sys.executable, MAIN, "train", str(project),
                           "--out", str(run)], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (run / "last.pt").exists():
                time.sleep(0.2)  # the first epoch has ended
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "stopping after this batch" in err
    assert f"resume with: python main.py train {project} --resume {run}" in err
    assert json.loads((run / "run.json").read_text())["status"] == "stopped"
    stopped = read_checkpoint(run / "last.pt")
    code, out, err = _run(capsys, "train", project, "--resume", run, "--epochs",
                          stopped["epoch"] + 1)
    assert code == 0, err
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == list(range(1, stopped["epoch"] + 2))


def test_events_mode_reports_a_run_refused_before_it_starts(tmp_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n"))
    project = write_project(tmp_path, batch_size=64)
    code, out, err = _run(capsys, "train", project, "--events")
    assert code == 1 and "training.batch_size: 64 is larger" in err
    event = json.loads(out)
    assert event["type"] == "failed" and "training.batch_size: 64" in event["message"]
