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
from .distributed import (Launch, RankShare, Ranks, convert_batch_norm, device_setting,
                          launcher)
from .events import EventStream, EventWriter
from .insight import LayerStatistics, SystemMonitor
from .live_preview import LivePreview
from .loop import Trainer, TrainingParts
from .metrics import ConfusionMatrix
from .optim import Schedule, make_optimizer
from .recording import (Checkpointer, EarlyStopping, MetricsLogger, RankRandomState, RunRecord,
                        command_line)
from .rundir import LAST, PROJECT_FILE, RunDirectory
from .task import Task, task_of
from .unfreeze import EncoderUnfreezing, unfreeze_plan

if TYPE_CHECKING:
    from app.data.dataset_info import DataSet
    from app.project import Project


RANK_SEED_STRIDE = 1_000_003  # rank r > 0 draws from seed + r * stride after the weights


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
    run: RunDirectory | None            # None on the ranks > 0 of a torchrun run
    outcome: Outcome
    trainer: Trainer


def train(project: "Project", options: TrainOptions | None = None,
          callbacks: Sequence[Callback] = (), control: Control | None = None) -> RunResult:
    """Train (or resume) a run of ``project``; errors a person can fix are StudioErrors.

    Under torchrun this is one of the run's processes (app/engine/distributed.py):
    only rank 0 writes the run directory and calls ``callbacks``."""
    options = options or TrainOptions()
    launch = Launch.from_env()
    config = project.training
    runtime = runtime_for(config, device_setting(launch, config.device, options.device))
    if options.workers is not None:
        runtime = Runtime(runtime.device, runtime.precision, runtime.channels_last,
                          runtime.compile, options.workers, runtime.notes)
    ranks = Ranks.start(launch, runtime.device)
    control = control or Control()
    ranks.stop_on_terminate(control.stop)
    try:
        result = _train(project, options, callbacks, control, runtime, ranks)
    except BaseException as error:
        ranks.report_failure(error)  # the other ranks' messages say which rank and why
        raise
    ranks.close()
    return result


def _train(project: "Project", options: TrainOptions, callbacks: Sequence[Callback],
           control: Control | None, runtime: Runtime, ranks: Ranks) -> RunResult:
    config, main = project.training, ranks.is_main
    resumed, checkpoint = _resume_point(options) if main else (None, None)
    checkpoint = ranks.share(checkpoint)  # rank 0 read it; the others may be elsewhere
    _check_processes(checkpoint, ranks, options)
    epochs = _planned_epochs(options, checkpoint, config.epochs)
    notes = runtime.notes + (_changes(project, resumed) if resumed else [])
    for note in notes if main else []:
        options.notify(note)
    dataset = checked_data(project)
    task = task_of(project, dataset)
    seed_everything(config.seed)
    model = compile_for_weights(project.graph) if checkpoint is not None else \
        compile_graph(project.graph)  # a resumed run's weights replace any pretrained ones
    if checkpoint is not None:
        load_weights(model, checkpoint["model"], Path(options.resume or ".") / LAST)
    if ranks.rank:  # same weights on every rank above; its own augmentation and dropout
        seed_everything(config.seed + RANK_SEED_STRIDE * ranks.rank)
    parts = _assemble(project, dataset, task, model, runtime, epochs, ranks)
    rank_state = RankRandomState(ranks)
    own: list[Callback] = [rank_state]
    if config.early_stopping != "off":  # every rank: they must end after the same epoch
        own.append(EarlyStopping(config.early_stopping))
    if unfreeze_plan(project.graph):  # every rank: the replicas must stay alike
        own.append(EncoderUnfreezing(unfreeze_plan(project.graph), options.notify))
    run, writer = None, None
    if main:
        run = resumed or RunDirectory.create(project.folder, options.out)
        if resumed is None:
            run.write_json(PROJECT_FILE, project.to_dict())
        writer = EventWriter(run.events, options.events)
        insight: list[Callback] = [LayerStatistics(writer.emit), SystemMonitor(writer.emit)]
        if options.events is not None:  # someone watches: previews of fixed val samples
            insight.append(LivePreview(writer.emit, run.path,
                                       FullImageDataset(dataset, "val", task.channels),
                                       task.window, task.fit))
        own = [rank_state, MetricsLogger(run), Checkpointer(run), *own[1:], *callbacks,
               *_reporters(project, options, runtime, ranks, parts, run, writer,
                           task.class_names), *insight]
    trainer = Trainer(parts, own, control)
    if checkpoint is not None:
        trainer.restore(checkpoint)
        # last: nothing above may draw from them after this; each rank its own
        restore_rng(rank_state.own() or checkpoint["rng"])
    try:
        outcome = trainer.fit()
    finally:
        parts.data.close()
        if writer is not None:
            writer.close()
    return RunResult(run, outcome, trainer)


def _reporters(project: "Project", options: TrainOptions, runtime: Runtime, ranks: Ranks,
               parts: TrainingParts, run: RunDirectory, writer: EventWriter,
               classes: list[str]) -> list[Callback]:
    """run.json and the event stream (rank 0's)."""
    machine = {**runtime.to_json(), **ranks.to_json()}
    started = {"run": str(run.path), **machine, "classes": classes,
               "samples": {"train": parts.data.samples, "val": parts.val_images}}
    resume = (f"{launcher(ranks.launch)} main.py train "
              f"{shlex.quote(str(project.path or 'PROJECT'))} "
              f"--resume {shlex.quote(str(run.path))}")
    record = RunRecord(run, options.command, {"project": str(project.path), **machine},
                       options.resume is not None)
    stream = EventStream(writer, started, lambda outcome: {
        "checkpoint": run.last.name if run.last.exists() else None,
        **({"resume": resume} if outcome.status == "stopped" else {})})
    return [record, stream]


def _check_processes(checkpoint: dict[str, Any] | None, ranks: Ranks,
                     options: TrainOptions) -> None:
    """A run resumes on as many processes as it trained on: each epoch's order is
    sharded by process, so another number would see other samples."""
    if checkpoint is None:
        return
    trained = int(checkpoint.get("world_size", 1))
    if trained == ranks.world:
        return
    how = (f"torchrun --nproc_per_node {trained} main.py train PROJECT --resume "
           f"{options.resume}" if trained > 1 else
           f"python main.py train PROJECT --resume {options.resume} (without torchrun)")
    raise TrainingSetupError(f"--resume: the run trained on {_processes(trained)}, this is "
                             f"{_processes(ranks.world)}; resume it on {trained}: {how}")


def _processes(count: int) -> str:
    return "1 process" if count == 1 else f"{count} processes"


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
              runtime: Runtime, epochs: int, ranks: Ranks) -> TrainingParts:
    from app.engine.evaluate import evaluate
    from app.engine.losses import make_loss

    config = project.training
    cuda = runtime.device.type == "cuda"
    data = training_data(dataset, task, config.batch_size, runtime.workers, config.seed, cuda,
                         ranks.rank, ranks.world)
    if config.batch_size > data.shard:
        data.close()
        share = (f"the training split ({data.samples} samples)" if not ranks.distributed else
                 f"each process's share of the training split ({data.shard} of "
                 f"{data.samples} samples on each of {ranks.world} processes)")
        raise TrainingSetupError(f"training.batch_size: {config.batch_size} is larger than "
                                 f"{share}; set it to {data.shard} or less")
    val = FullImageDataset(dataset, "val", task.channels)
    if not len(val):
        data.close()
        raise TrainingSetupError("data: the val split has no images, and every epoch is "
                                 "validated on it (best.pt is chosen by it); give data.split "
                                 "a val share or add a val/ folder")
    model = convert_batch_norm(model, ranks, runtime.device)
    model.to(runtime.device, memory_format=runtime.memory_format)
    network = ranks.wrap(model, runtime.device)  # DistributedDataParallel under torchrun
    forward = torch.compile(network) if runtime.compile else network
    loss = make_loss(task.target, task.num_classes, task.ignore_index, task.class_pixels)
    optimizer = make_optimizer(model.parameters(), config)
    steps = math.ceil(data.batches / config.accumulate)
    schedule = Schedule(optimizer, config, epochs, steps)

    share = RankShare(val, ranks.rank, ranks.world)

    def validate(network: torch.nn.Module, progress: Callable[[int, int], None]) -> Any:
        local = evaluate(network, share, task.num_classes, task.class_names, task.window,
                         task.fit, task.ignore_index, device=runtime.device, loss=loss,
                         progress=progress)
        return ranks.reduce_evaluation(local, task.class_names)

    extra = {"graph": project.to_dict()["graph"], "training": config.to_dict(),
             "classes": task.classes_json(), "world_size": ranks.world}
    return TrainingParts(model, forward, loss.to(runtime.device), optimizer, schedule,
                         runtime.grad_scaler(), runtime, data, validate, len(val), epochs,
                         config.accumulate,
                         None if config.grad_clip == "off" else config.grad_clip, extra,
                         ranks, ConfusionMatrix(task.num_classes, task.ignore_index,
                                                runtime.device), list(task.class_names))
