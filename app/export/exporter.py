"""One export: a checkpoint of a project to a verified file or folder.

Formats (``main.py export --format``):

- ``torchscript``: a torch.export ExportedProgram (``.pt2``, torch.export.save).
  torch.jit.script and trace are deprecated in torch 2.13 (they warn on every use);
  the ExportedProgram is their successor: ``torch.export.load(path).module()`` runs
  it in Python without this app, and AOTInductor compiles it for C++.
- ``onnx``: the same program translated to ONNX, run in onnxruntime.
- ``python``: a standalone folder with predict.py (see standalone.py).

Every format is checked on samples of the project's data against the torch model
before it is put in place (written beside its destination, renamed there when the
check passed): a file that fails the check never replaces a good one.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import torch
from torch import fx

from app.engine.checkpoint import load_weights, read_checkpoint, resolve_checkpoint
from app.engine.commands import input_settings, prediction_fit
from components.compiler import compile_graph

from .errors import ExportError
from .program import INPUT_NAME, OUTPUT_NAME, DynamicSize, export_program
from .samples import verification_samples
from .stable_norm import stable_batch_norms
from .verify import check_inputs, compare, summary

if TYPE_CHECKING:
    from app.project import Project

FORMATS = ("torchscript", "onnx", "python")
SUFFIXES = {"torchscript": ".pt2", "onnx": ".onnx"}
LOADING = {
    "torchscript": "program = torch.export.load(path); logits = program.module()(images)",
    "onnx": "onnxruntime.InferenceSession(path).run(['logits'], {'image': images})",
    "python": "python predict.py IMAGE... --out DIR",
}


def export_checkpoint(project: "Project", checkpoint: str | Path, fmt: str, out: str | Path,
                      progress: Callable[[str], None] = lambda text: None) -> dict[str, Any]:
    """Export ``checkpoint`` (a file or a run directory) of ``project``; the report."""
    _check_format(fmt)
    path = resolve_checkpoint(checkpoint)
    state = read_checkpoint(path)
    model = compile_graph(project.graph)
    load_weights(model, state["model"], path)
    return export_model(project, model.eval(), fmt, out, state.get("classes") or [],
                        str(path), progress)


def export_model(project: "Project", model: fx.GraphModule, fmt: str, out: str | Path,
                 classes: list[dict[str, Any]] | None = None, checkpoint: str = "",
                 progress: Callable[[str], None] = lambda text: None) -> dict[str, Any]:
    """Export a compiled model (weights loaded) and verify it; the report (JSON-ready)."""
    _check_format(fmt)
    started = time.perf_counter()
    model.eval()
    settings = input_settings(project)
    window = (settings["height"], settings["width"])
    destination = _destination(Path(out), fmt, project)
    progress("reading samples of the project's data")
    samples = verification_samples(project, settings["channels"], window,
                                   prediction_fit(project))
    example = samples.windows[:2] if len(samples.windows) >= 2 else samples.windows.repeat(2, 1,
                                                                                           1, 1)
    staged = destination.with_name(f".partial-{destination.name}")  # keeps the suffix
    _remove(staged)
    try:
        if fmt == "python":
            dynamic = DynamicSize(window, None, "the standalone code tiles or resizes every "
                                  "image to the Input's size, as predict does")
            progress("writing the standalone folder")
            run = _write_python(project, model, staged, settings, classes or [], checkpoint)
            what = "standalone model.py"
        else:
            progress("tracing the model with torch.export")
            # ONNX gets its batch norms written out (stable_norm.py); checked against
            # the model as it is
            traced = stable_batch_norms(model) if fmt == "onnx" else model
            program, dynamic = export_program(traced, example, project.graph,
                                              "ONNX" if fmt == "onnx" else "torch.export")
            progress(f"writing and checking the {fmt} file")
            run, what = _write_file(fmt, program, dynamic, model, example, project, staged)
        checks = compare(model, run, check_inputs(samples, dynamic), what)
        _put_in_place(staged, destination)
    finally:
        _remove(staged)
    return {"format": fmt, "path": str(destination), "checkpoint": checkpoint,
            "input": {"name": INPUT_NAME, "shape": ["batch", settings["channels"],
                                                    *window],
                      "values": "float32 in [0, 1]; the Input node's normalization "
                                f"({settings['normalization']}) is inside the model"},
            "output": {"name": OUTPUT_NAME, "meaning": "logits per class (N, K, H, W)"},
            "dynamic": dynamic.to_json(), "verified": summary(checks, samples),
            "load": LOADING[fmt], "seconds": round(time.perf_counter() - started, 2)}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"--format: got {fmt!r}, expected one of {', '.join(FORMATS)}")
    if fmt == "onnx":
        from .onnx_format import require_onnx

        require_onnx()  # before any work: say which package is missing


def _destination(out: Path, fmt: str, project: "Project") -> Path:
    """The file or folder to write; an existing folder takes a file named after the project."""
    if fmt == "python":
        from .standalone import is_previous_export

        if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                                  and not is_previous_export(out))):
            raise ExportError(f"{out}: exists and is not an empty folder or an earlier "
                              "export; give --out a new folder")
        return out
    if out.is_dir():
        stem = (project.path.stem if project.path else "model")
        return out / f"{stem}{SUFFIXES[fmt]}"
    if not out.parent.is_dir():
        raise ExportError(f"{out}: the folder {out.parent} does not exist")
    if fmt == "torchscript" and out.suffix != ".pt2":
        raise ExportError(f"{out}: a torch.export program is a .pt2 file (torch.export.load "
                          f"reads no other name); give --out {out.with_suffix('.pt2')}")
    return out


def _write_file(fmt: str, program: Any, dynamic: DynamicSize, model: fx.GraphModule,
                example: torch.Tensor, project: "Project", staged: Path
                ) -> tuple[Callable[[torch.Tensor], Any], str]:
    if fmt == "onnx":
        from .onnx_format import onnx_runner, write_onnx

        write_onnx(program, dynamic, model, example, project.graph, staged)
        return onnx_runner(staged), "ONNX"
    torch.export.save(program, staged)
    loaded = torch.export.load(staged).module()

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return loaded(batch)
    return run, "torch.export (.pt2)"


def _write_python(project: "Project", model: fx.GraphModule, staged: Path,
                  settings: dict[str, Any], classes: list[dict[str, Any]], checkpoint: str
                  ) -> Callable[[torch.Tensor], torch.Tensor]:
    from .standalone import write_folder

    title = f"{project.name} ({project.path or 'unsaved project'})\ncheckpoint {checkpoint}"
    return write_folder(staged, model, project.graph, title, {
        "channels": settings["channels"], "window": [settings["height"], settings["width"]],
        "fit": prediction_fit(project), "overlap": 0.5,
        "normalization": settings["normalization"], "classes": classes,
        "project": project.name, "checkpoint": checkpoint})


def _put_in_place(staged: Path, destination: Path) -> None:
    if staged.is_dir() and destination.exists():
        shutil.rmtree(destination)  # an empty folder or an earlier export (checked above)
    os.replace(staged, destination)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
