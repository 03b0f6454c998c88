"""One training run of a project, new or resumed: check everything, assemble, fit.

Everything a person can get wrong is checked before a run directory is made
(data problems, device, batch size, a resume folder or checkpoint that does not
fit), so a refused run leaves nothing behind. The CLI's ``train`` and the
window's child process both call ``train``; the callbacks they pass (progress
bar, their own listeners) ride along with the built-in ones.
"""
from __future__ import annotations

import json
import math
import random
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import torch

from app.data.dataset import FullImageDataset
from app.data.problems import DataProblemsError
from components.compiler import compile_graph
from components.errors import StudioError

from .callbacks import Callback, Control, Outcome
from .checkpoint import compile_for_weights, load_weights, read_checkpoint, restore_rng
from .data import training_data
from .devices import Runtime, runtime_for
from .events import EventStream, EventWriter
from .insight import LayerStatistics, SystemMonitor
from .live_preview import LivePreview
from .loop import Trainer, TrainingParts
from .optim import Schedule, make_optimizer
from .recording import Checkpointer, EarlyStopping, MetricsLogger, RunRecord, command_line
from .rundir import PROJECT_FILE, RunDirectory
from .task import Task, task_of
from .unfreeze import EncoderUnfreezing, unfreeze_plan

if TYPE_CHECKING:
    from app.data.dataset_info import DataSet
    from app.project import Project


class TrainingSetupError(StudioError):
    """A run that cannot start (data, batch size, epochs); the message says what to change."""


@dataclass
class TrainOptions:
    """What the command line (or the window) adds to the project's training section."""

    epochs: int | None = None           # the run's total; a resumed run keeps its own plan
    out: Path | None = None
    device: str | None = None
    resume: Path | None = None
    events: IO[str] | None = None       # where event lines go besides events.jsonl
    workers: int | None = None          # overrides training.workers (tests use 0)
    command: list[str] = field(default_factory=command_line)
    notify: Callable[[str], None] = lambda text: print(f"note: {text}", file=sys.stderr)


@dataclass
class RunResult:
    run: RunDirectory
    outcome: Outcome
    trainer: Trainer


def train(project: "Project", options: TrainOptions | None = None,
          callbacks: Sequence[Callback] = (), control: Control | None = None) -> RunResult:
    """Train (or resume) a run of ``project``; errors a person can fix are StudioErrors."""
    options = options or TrainOptions()
    resumed, checkpoint = _resume_point(options)
    config = project.training
    epochs = _planned_epochs(options, checkpoint, config.epochs)
    runtime = runtime_for(config, options.device)
    if options.workers is not None:
        runtime = Runtime(runtime.device, runtime.precision, runtime.channels_last,
                          runtime.compile, options.workers, runtime.notes)
    for note in runtime.notes + (_changes(project, resumed) if resumed else []):
        options.notify(note)
    dataset = checked_data(project)
    task = task_of(project, dataset)
    seed_everything(config.seed)
    model = compile_for_weights(project.graph) if checkpoint is not None else \
        compile_graph(project.graph)  # a resumed run's weights replace any pretrained ones
    if checkpoint is not None and resumed is not None:
        load_weights(model, checkpoint["model"], resumed.last)  # names nodes that differ
    parts = _assemble(project, dataset, task, model, runtime, epochs)
    run = resumed or RunDirectory.create(project.folder, options.out)
    if resumed is None:
        run.write_json(PROJECT_FILE, project.to_dict())
    writer = EventWriter(run.events, options.events)
    started = {"run": str(run.path), **runtime.to_json(), "classes": task.class_names,
               "samples": {"train": parts.data.samples, "val": parts.val_images}}
    resume = (f"python main.py train {shlex.quote(str(project.path or 'PROJECT'))} "
              f"--resume {shlex.quote(str(run.path))}")
    builtin: list[Callback] = [MetricsLogger(run), Checkpointer(run)]
    if config.early_stopping != "off":
        builtin.append(EarlyStopping(config.early_stopping))
    if unfreeze_plan(project.graph):
        builtin.append(EncoderUnfreezing(unfreeze_plan(project.graph), options.notify))
    record = RunRecord(run, options.command, {"project": str(project.path),
                                              **runtime.to_json()}, resumed is not None)
    stream = EventStream(writer, started, lambda outcome: {
        "checkpoint": run.last.name if run.last.exists() else None,
        **({"resume": resume} if outcome.status == "stopped" else {})})
    insight: list[Callback] = [LayerStatistics(writer.emit), SystemMonitor(writer.emit)]
    if options.events is not None:  # someone watches: previews of fixed val samples
        insight.append(LivePreview(writer.emit, run.path,
                                   FullImageDataset(dataset, "val", task.channels),
                                   task.window, task.fit))
    trainer = Trainer(parts, [*builtin, *callbacks, record, stream, *insight], control)
    if checkpoint is not None:
        trainer.restore(checkpoint)
        restore_rng(checkpoint["rng"])  # last: nothing above may draw from them after this
    try:
        outcome = trainer.fit()
    finally:
        parts.data.close()
        writer.close()
    return RunResult(run, outcome, trainer)


def _resume_point(options: TrainOptions) -> tuple[RunDirectory | None, dict[str, Any] | None]:
    if options.resume is None:
        return None, None
    if options.out is not None:
        raise TrainingSetupError("--out and --resume: a resumed run stays in its own folder; "
                                 "give one of them")
    run = RunDirectory.open(options.resume)
    return run, read_checkpoint(run.last)


def _planned_epochs(options: TrainOptions, checkpoint: dict[str, Any] | None,
                    configured: int) -> int:
    if checkpoint is None:
        return options.epochs or configured
    done = checkpoint["epoch"]
    epochs = options.epochs or checkpoint.get("epochs", configured)
    if epochs <= done:
        raise TrainingSetupError(f"--epochs {epochs}: the run already has {done} epochs; give "
                                 f"--epochs {done + 1} or more to extend it")
    return epochs


def _changes(project: "Project", run: RunDirectory) -> list[str]:
    """What differs between the project and the one the run started with."""
    from app.project import project_from_dict

    try:
        started = project_from_dict(json.loads((run.path / PROJECT_FILE).read_text("utf-8")))
    except (StudioError, OSError, ValueError):
        return [f"{run.path / PROJECT_FILE} cannot be read; resuming with {project.path}"]
    changed = started.training.differences(project.training)
    if not changed:
        return []
    return [f"training.{', training.'.join(changed)} changed since the run started; the "
            "resumed epochs use the project's new values"]


def checked_data(project: "Project") -> "DataSet":
    """The project's scanned data, or an error listing its unreported problems."""
    from app.data.scan import check_ready

    try:
        return check_ready(project)
    except DataProblemsError as error:
        raise TrainingSetupError(f"{error}\nFix them, or skip the bad pairs: the data wizard's "
                                 "'Skip the N bad pairs' (Data > Data Wizard...), or list their "
                                 "names under data.skip in the project file") from None


def seed_everything(seed: int) -> None:
    """Weights, data order and augmentation all start from the run's seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _assemble(project: "Project", dataset: "DataSet", task: Task, model: torch.nn.Module,
              runtime: Runtime, epochs: int) -> TrainingParts:
    from app.engine.evaluate import evaluate
    from app.engine.losses import make_loss

    config = project.training
    cuda = runtime.device.type == "cuda"
    data = training_data(dataset, task, config.batch_size, runtime.workers, config.seed, cuda)
    if config.batch_size > data.samples:
        data.close()
        raise TrainingSetupError(f"training.batch_size: {config.batch_size} is larger than the "
                                 f"training split ({data.samples} samples); set it to "
                                 f"{data.samples} or less")
    val = FullImageDataset(dataset, "val", task.channels)
    if not len(val):
        data.close()
        raise TrainingSetupError("data: the val split has no images, and every epoch is "
                                 "validated on it (best.pt is chosen by it); give data.split "
                                 "a val share or add a val/ folder")
    model.to(runtime.device, memory_format=runtime.memory_format)
    forward = torch.compile(model) if runtime.compile else model
    loss = make_loss(task.target, task.num_classes, task.ignore_index, task.class_pixels)
    optimizer = make_optimizer(model.parameters(), config)
    steps = math.ceil(data.batches / config.accumulate)
    schedule = Schedule(optimizer, config, epochs, steps)

    def validate(network: torch.nn.Module, progress: Callable[[int, int], None]) -> Any:
        return evaluate(network, val, task.num_classes, task.class_names, task.window,
                        task.fit, task.ignore_index, device=runtime.device, loss=loss,
                        progress=progress)

    extra = {"graph": project.to_dict()["graph"], "training": config.to_dict(),
             "classes": task.classes_json()}
    return TrainingParts(model, forward, loss.to(runtime.device), optimizer, schedule,
                         runtime.grad_scaler(), runtime, data, validate, len(val), epochs,
                         config.accumulate,
                         None if config.grad_clip == "off" else config.grad_clip, extra)
