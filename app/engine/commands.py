"""The headless commands ``train``, ``eval`` and ``predict`` (app/cli.py parses them).

``train`` shows a progress bar, or with ``--events`` speaks the event protocol on
stdout and listens for pause/resume/stop on stdin. Ctrl+C asks the loop to stop
after the current batch (a second Ctrl+C aborts at once); the run then has a
loadable last.pt and the command prints how to resume it and exits 130.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
from PIL import Image

from app.data.dataset import FullImageDataset
from app.data.images import is_image_name, read_image, to_channels
from app.data.masks import default_color
from app.project import Project, load_project
from components.errors import StudioError

from .callbacks import Control
from .checkpoint import compile_for_weights, load_weights, read_checkpoint, resolve_checkpoint
from .devices import runtime_for
from .eval_overlays import OverlayWriter
from .distributed import Launch, PeerFailed, launcher
from .events import CommandReader
from .inference import predict_probabilities
from .metrics import most_probable
from .progress import ProgressBar
from .run import RunResult, TrainOptions, checked_data, train
from .task import model_ends

EXIT_STOPPED = 130


class PredictError(StudioError):
    """Images that cannot be predicted; names the file."""


def cmd_train(args: argparse.Namespace) -> int:
    """Train a project (or resume a run); 0 finished, 130 stopped, 1 on a problem."""
    control = Control()
    launch = Launch.from_env()  # under torchrun, only rank 0 prints (and reads stdin)
    options = TrainOptions(epochs=args.epochs, out=args.out, device=args.device,
                           resume=args.resume, events=sys.stdout if args.events else None,
                           workers=args.workers)
    callbacks = [] if args.events or not launch.is_main else [ProgressBar()]
    if args.events and launch.is_main:
        CommandReader(_command_stream(), control,
                      lambda text: print(f"warning: {text}", file=sys.stderr),
                      stop_on_eof=args.stop_on_eof).start()
    quiet = args.events or not launch.is_main
    previous = signal.signal(signal.SIGINT, _interrupt_handler(control, quiet=quiet))
    try:
        result = train(load_project(args.project), options, callbacks, control)
    except StudioError as error:
        if not launch.is_main:
            return _rank_failed(launch, error)
        if args.events:  # no run directory yet: the window still hears why
            print(json.dumps({"v": 1, "seq": 0, "t": 0.0, "type": "failed",
                              "message": str(error)}), flush=True)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    code = _report_end(result, launch, args.project)
    if launch.distributed:
        _leave_without_teardown(code)
    return code


def _report_end(result: RunResult, launch: Launch, project: str) -> int:
    """Say how the run ended (rank 0) and the exit code."""
    outcome = result.outcome
    if result.run is None:  # a rank > 0: rank 0 says how it ended
        return EXIT_STOPPED if outcome.status == "stopped" else 0
    print(f"{outcome.status}: {outcome.message}; run directory {result.run.path}",
          file=sys.stderr)
    if outcome.status == "stopped":
        command = (f"{launcher(launch)} main.py train {shlex.quote(project)} --resume "
                   f"{shlex.quote(str(result.run.path))}")
        print(f"resume with: {command}", file=sys.stderr)
        return EXIT_STOPPED
    return 0


def _leave_without_teardown(code: int) -> None:
    """End a torchrun process that trained to the end, skipping the interpreter's
    teardown. Why: with torch 2.13 and gloo, destroying DistributedDataParallel's and
    gloo's objects at exit still aborts now and then ("terminate called without an
    active exception", exit -6, seen on a clean clone's test run after the barrier in
    Ranks.close) although every file is written and the group has been left; the
    abort turns a finished run into a failed torchrun. Everything was written
    atomically and closed before this; only the streams need flushing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _command_stream() -> IO[str]:
    """Standard input for the command reader, as a file object of its own.

    The reader thread blocks in a read while holding its file object's lock. Data
    loader workers are forked from this process, and a forked process closes
    ``sys.stdin`` first (multiprocessing does), which takes that lock: had the
    reader held sys.stdin's, every worker would wait for it forever."""
    try:
        return os.fdopen(os.dup(sys.stdin.fileno()), "r", encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError):  # no real file behind stdin (tests)
        return sys.stdin


def _rank_failed(launch: Launch, error: StudioError) -> int:
    """A rank > 0 names itself in its own failure; another rank's is rank 0's to tell."""
    if not isinstance(error, PeerFailed):
        print(f"error: rank {launch.rank} of {launch.world_size}: {error}", file=sys.stderr)
    return 1


def _interrupt_handler(control: Control, quiet: bool):
    def handler(signum: int, frame: Any) -> None:
        if control.stopping:
            raise KeyboardInterrupt  # the second Ctrl+C: abort now
        control.stop("interrupted (Ctrl+C)")
        if not quiet:
            print("\nstopping after this batch (Ctrl+C again to abort now)", file=sys.stderr)
    return handler


def cmd_eval(args: argparse.Namespace) -> int:
    """JSON metrics of a checkpoint on a split (whole images, as validation does)."""
    from app.engine.evaluate import evaluate

    project = load_project(args.project)
    path = resolve_checkpoint(args.checkpoint)
    model, runtime, checkpoint = _model(project, path, args.device)
    dataset = checked_data(project)
    images = FullImageDataset(dataset, args.split, input_settings(project)["channels"])
    if not len(images):
        raise PredictError(f"the {args.split} split of {project.path} has no images")
    names = [c.name for c in dataset.classes]
    overlays = OverlayWriter(args.overlays) if args.overlays else None
    with torch.no_grad(), runtime.autocast():
        evaluation = evaluate(model, images, len(names), names, input_window(project),
                              dataset.spec.fit, dataset.ignore_index, device=runtime.device,
                              tta=args.tta, progress=_progress if args.progress else None,
                              on_image=overlays)
    report = evaluation.to_json(args.split, str(path))
    if overlays is not None:
        report["images"] = overlays.annotate(report["images"])
    if args.baselines:
        report["baselines"] = _baselines(dataset, args.split,
                                         input_settings(project)["channels"], names,
                                         evaluation.metrics)
    print(json.dumps(report, indent=2))
    return 0


def _progress(done: int, total: int) -> None:
    """``eval --progress``: one ``progress DONE/TOTAL`` line per image on stderr."""
    print(f"progress {done}/{total}", file=sys.stderr, flush=True)


def _baselines(dataset, split: str, channels: int, names: list[str], model_metrics: Any
               ) -> dict[str, Any]:
    """The two trivial predictors on the same split (threshold chosen on train), and the
    Markdown table of all three, as docs/engine.md shows it."""
    from app.engine.baselines import compare_baselines, markdown_table

    found = compare_baselines(FullImageDataset(dataset, "train", channels),
                              FullImageDataset(dataset, split, channels), names,
                              dataset.ignore_index)
    return {"predictors": [{"name": b.name, "description": b.description,
                            "mean_iou": b.metrics.mean_iou, "iou": b.metrics.iou,
                            "pixel_accuracy": b.metrics.pixel_accuracy} for b in found],
            "table": markdown_table([("U-Net (this checkpoint)", model_metrics),
                                     *((b.name, b.metrics) for b in found)])}


def cmd_predict(args: argparse.Namespace) -> int:
    """Class-id PNGs and colour overlays at each image's own size."""
    project = load_project(args.project)
    model, runtime, checkpoint = _model(project, resolve_checkpoint(args.checkpoint),
                                        args.device)
    files = image_files(args.images)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    colors = class_colors(checkpoint)
    channels, window = input_settings(project)["channels"], input_window(project)
    fit = prediction_fit(project)
    for path in files:
        with runtime.autocast():
            pixels, classes = predict_file(model, path, channels, window, fit, runtime.device,
                                           overlap=args.overlap, tta=args.tta)
        Image.fromarray(classes).save(out / f"{path.stem}.png")
        Image.fromarray(overlay(pixels, classes, colors)).save(out / f"{path.stem}_overlay.png")
        print(f"{path} -> {out / (path.stem + '.png')} ({classes.shape[1]}x{classes.shape[0]})",
              file=sys.stderr)
    return 0


def predict_file(model: torch.nn.Module, path: Path, channels: int, window: tuple[int, int],
                 fit: str, device: torch.device, overlap: float = 0.5, tta: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(the image as (H, W, C) floats, its (H, W) uint8 class ids) at the image's own size;
    also the Test view's "Open image..." (app/run_predict.py)."""
    try:
        pixels = to_channels(read_image(path), channels)
    except Exception as error:  # any decoding failure names the file
        raise PredictError(f"{path}: cannot be read ({error})") from None
    return pixels, predict_classes(model, pixels, window, fit, overlap, tta, device)


def _model(project: Project, path: Path, device: str | None):
    checkpoint = read_checkpoint(path)
    runtime = runtime_for(project.training, device)
    model = compile_for_weights(project.graph)
    load_weights(model, checkpoint["model"], path)
    model.to(runtime.device).eval()
    return model, runtime, checkpoint


def input_settings(project: Project) -> dict[str, Any]:
    node, _ = model_ends(project.graph)
    if node is None:
        raise PredictError(f"{project.path}: the graph needs exactly one Input node")
    return node.settings


def input_window(project: Project) -> tuple[int, int]:
    settings = input_settings(project)
    return settings["height"], settings["width"]


def prediction_fit(project: Project) -> str:
    """How ``predict`` fits an image to the model's window: tile or resize."""
    return project.data.get("fit", "resize")


def image_files(arguments: list[str]) -> list[Path]:
    """IMAGE... or one FOLDER of images; every name must exist, stems must differ."""
    files: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_image_name(p))
            if not found:
                raise PredictError(f"{path}: the folder holds no images")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise PredictError(f"{path}: file not found")
    stems: dict[str, Path] = {}
    for path in files:
        if path.stem in stems:
            raise PredictError(f"{stems[path.stem]} and {path} would both be written as "
                               f"{path.stem}.png; predict them into different --out folders")
        stems[path.stem] = path
    return files


def predict_classes(model: torch.nn.Module, pixels: np.ndarray, window: tuple[int, int],
                    fit: str, overlap: float = 0.5, tta: bool = False,
                    device: torch.device | str | None = None) -> np.ndarray:
    """(H, W) uint8 class ids of one image's (H, W, C) pixels in [0, 1], at its own size.
    The exported standalone predict.py runs this very function (app/export/preprocess)."""
    image = torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1).contiguous()
    probabilities = predict_probabilities(model, image, window, fit=fit, overlap=overlap,
                                          tta=tta, device=device)
    return class_ids(probabilities.float().cpu())


def class_ids(probabilities: torch.Tensor) -> np.ndarray:
    """(K, H, W) probabilities (K >= 2, also for one-channel models) -> (H, W) uint8 ids."""
    return most_probable(probabilities, dim=0).to(torch.uint8).numpy()


def class_colors(checkpoint: dict[str, Any]) -> list[tuple[int, int, int]]:
    classes = checkpoint.get("classes") or []
    colors = [tuple(c["color"]) for c in classes]
    return colors + [default_color(i) for i in range(len(colors), 256)]


def overlay(pixels: np.ndarray, classes: np.ndarray, colors: list[tuple[int, int, int]],
            alpha: float = 0.5) -> np.ndarray:
    """The image (gray or colour) with every non-background class tinted in its colour."""
    base = pixels if pixels.shape[-1] == 3 else np.repeat(pixels, 3, axis=-1)
    base = (np.clip(base, 0.0, 1.0) * 255.0).astype(np.float32)
    palette = np.asarray(colors[:256], np.float32)
    tint = palette[classes]
    mixed = np.where((classes > 0)[..., None], (1 - alpha) * base + alpha * tint, base)
    return mixed.round().astype(np.uint8)


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    """The options of train, eval and predict (DESIGN.md's command line)."""
    device = "auto, cpu, cuda, cuda:N or mps (default: the project's training.device)"
    if name == "train":
        parser.add_argument("--epochs", type=_positive, help="epochs in all (a resumed run "
                            "trains until it has this many)")
        parser.add_argument("--out", type=Path, help="run directory (default: "
                            "runs/<date>_<time>/ beside the project)")
        parser.add_argument("--resume", type=Path, metavar="RUN_DIR",
                            help="continue a stopped run where it stopped")
        parser.add_argument("--events", action="store_true", help="JSON event lines on "
                            "stdout; pause/resume/stop lines on stdin")
        parser.add_argument("--workers", type=int, help="data loader processes (default: "
                            "training.workers)")
        parser.add_argument("--stop-on-eof", action="store_true", help="with --events: stop "
                            "(with a last.pt) when standard input closes, i.e. when the "
                            "window that started the run is gone")
    else:
        parser.add_argument("--checkpoint", required=True, metavar="CKPT",
                            help="a checkpoint file, or a run directory (its best.pt)")
        parser.add_argument("--tta", action="store_true", help="average with flipped copies")
    if name == "eval":
        parser.add_argument("--split", choices=("train", "val", "test"), default="val")
        parser.add_argument("--baselines", action="store_true", help="add the all-background "
                            "and global-threshold predictors on the same split")
        parser.add_argument("--progress", action="store_true", help="a 'progress DONE/TOTAL' "
                            "line on stderr after each image")
        parser.add_argument("--overlays", type=Path, metavar="DIR", help="write each image, "
                            "its truth and its prediction as PNGs into DIR, named in 'images'")
    if name == "predict":
        parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files or one "
                            "folder of images")
        parser.add_argument("--out", required=True, help="folder for the masks and overlays")
        parser.add_argument("--overlap", type=float, default=0.5,
                            help="overlap of sliding windows (0 to 0.9)")
    parser.add_argument("--device", help=device)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
