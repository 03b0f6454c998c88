"""Checkpoints: written atomically, read without running code, matched to a graph.

A checkpoint is a dict of tensors and plain values (see CHECKPOINT_KEYS) saved
with torch.save and read with ``torch.load(weights_only=True)``: a file that
holds pickled code or objects is refused before anything in it runs. Loading a
checkpoint into a project's model names the nodes whose weights do not fit.
"""
from __future__ import annotations

import pickle
import random
import re
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import torch
from torch import nn

from components.compiler import compile_graph
from components.errors import StudioError
from components.pretrained import pretrained_weights_disabled

from .files import atomic_open

if TYPE_CHECKING:
    from app.project import Project
    from components.graph import GraphDocument

FORMAT = 1
CHECKPOINT_KEYS = ("format", "model", "optimizer", "scheduler", "scaler", "epoch", "step",
                   "rng", "best_mean_iou", "graph")
"""Keys every checkpoint has; the engine adds ``batch`` (batches done in an unfinished
epoch), ``partial``, ``epochs`` (the planned total), ``training``, ``classes`` and
``callbacks`` (their state_dict)."""


class CheckpointError(StudioError):
    """A checkpoint that cannot be read, written or used; names the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


def resolve_checkpoint(path: str | Path) -> Path:
    """The checkpoint file meant by ``path``: a run directory means its best.pt."""
    path = Path(path)
    if path.is_dir():
        best = path / "best.pt"
        if not best.is_file():
            raise CheckpointError(path, "this folder has no best.pt (is it a run directory "
                                  "whose first epoch finished?)")
        return best
    if not path.exists():
        raise CheckpointError(path, "file not found")
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint dict, or CheckpointError: missing, truncated, not a checkpoint, or
    holding pickled code (refused: torch.load with weights_only=True runs none of it)."""
    path = resolve_checkpoint(path)
    if not zipfile.is_zipfile(path):
        raise CheckpointError(path, _not_a_zip(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about odd pickle protocols
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        found = re.search(r"GLOBAL ([\w.]+)", str(error))
        what = f" ({found.group(1)})" if found else ""
        raise CheckpointError(path, f"holds pickled Python code or objects{what}, not just "
                              "weights; refused without running any of it (only load "
                              "checkpoints written by U-Net Studio)") from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(path, f"is truncated or damaged ({_first_line(error)})") from None
    if not isinstance(state, dict) or "model" not in state or state.get("format") != FORMAT:
        raise CheckpointError(path, "is a PyTorch file but not a U-Net Studio checkpoint "
                              "(no 'format': 1 and 'model' entries)")
    return state


def write_checkpoint(path: Path, state: Mapping[str, Any]) -> None:
    """Save atomically; on failure the previous file stays as it was."""
    try:
        with atomic_open(path, "wb") as stream:
            torch.save(dict(state), stream)
    except (OSError, RuntimeError) as error:
        raise CheckpointError(path, f"could not be written ({_first_line(error)}); the "
                              f"previous {Path(path).name} is intact") from error


def load_model(project: "Project", checkpoint_path: str | Path,
               device: str | torch.device = "cpu") -> nn.Module:
    """The project's model with the checkpoint's weights, in eval mode, on ``device``."""
    path = resolve_checkpoint(checkpoint_path)
    state = read_checkpoint(path)
    model = compile_for_weights(project.graph)
    load_weights(model, state["model"], path)
    return model.to(device).eval()


def compile_for_weights(graph: "GraphDocument") -> nn.Module:
    """The graph's model built to receive a checkpoint's weights: pretrained encoder
    weights are not downloaded or read, since the checkpoint replaces them."""
    with pretrained_weights_disabled():
        return compile_graph(graph)


def load_weights(model: nn.Module, weights: Mapping[str, torch.Tensor], path: Path) -> None:
    """Copy weights into ``model``; CheckpointError naming every node that does not fit."""
    problems = weight_mismatches(model, weights)
    if problems:
        raise CheckpointError(path, "was trained on another graph: " + "; ".join(problems))
    model.load_state_dict(weights)


def weight_mismatches(model: nn.Module, weights: Mapping[str, torch.Tensor]) -> list[str]:
    """One phrase per node whose weights differ in name or shape, by node id."""
    own = model.state_dict()
    nodes = {v: k for k, v in getattr(model, "meta", {}).get("node_modules", {}).items()}

    def node(key: str) -> str:
        module = key.split(".", 1)[0]
        return nodes.get(module, module)

    shapes: dict[str, list[str]] = {}
    for key in (k for k in own if k in weights):  # in the model's order
        a, b = tuple(weights[key].shape), tuple(own[key].shape)
        if a != b:
            shapes.setdefault(node(key), []).append(
                f"{key}: checkpoint {'x'.join(map(str, a)) or 'scalar'}, "
                f"model {'x'.join(map(str, b)) or 'scalar'}")
    missing = sorted({node(k) for k in own.keys() - weights.keys()})
    extra = sorted({node(k) for k in weights.keys() - own.keys()})
    problems = [f"the weights of node '{n}' do not fit ({', '.join(d[:2])}"
                f"{', ...' if len(d) > 2 else ''})" for n, d in sorted(shapes.items())]
    if missing:
        problems.append(f"no weights for node{'s' if len(missing) > 1 else ''} "
                        + ", ".join(f"'{n}'" for n in missing))
    if extra:
        problems.append("weights for node" + ("s " if len(extra) > 1 else " ")
                        + ", ".join(f"'{n}'" for n in extra) + " that this graph lacks")
    return problems


def rng_state() -> dict[str, Any]:
    """Every random generator the run draws from, in weights_only-loadable types."""
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, gauss],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
    }
    return state


def restore_rng(state: Mapping[str, Any]) -> None:
    """Put every generator back where ``rng_state`` found it."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _not_a_zip(path: Path) -> str:
    """Why a file that is no zip archive is refused (checkpoints are zip files)."""
    size = path.stat().st_size
    if size == 0:
        return "is empty, not a checkpoint"
    with open(path, "rb") as stream:
        head = stream.read(4)
    if head.startswith(b"PK"):
        return "is truncated or damaged (it starts like a checkpoint but its end is missing)"
    return f"is not a checkpoint ({size} bytes of something else, not a PyTorch zip file)"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
