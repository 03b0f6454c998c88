"""The Test view's "Open image...": a run's model as a function image file -> class ids
(Qt-free).

It runs in the window's process, on the Test view's worker thread, on the CPU:
one image takes well under a second for the models people build here, while a
``main.py predict`` child would spend seconds importing torch and compiling the
graph for every image; torch releases the GIL in its kernels, so the window stays
responsive. The CPU keeps the GPU (and its start-up cost) to the training child.
The model is loaded on the first image and kept for the next ones.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from app.engine.checkpoint import load_model
from app.engine.commands import predict_file
from app.engine.task import model_ends
from app.project import Project, load_project
from app.run_setup import run_project_file

DEVICE = torch.device("cpu")


class CheckpointPredictor:
    """``predictor(path) -> (h, w) uint8 class ids`` with a run's checkpoint."""

    def __init__(self, run_dir: Path, checkpoint: str = "best.pt") -> None:
        self.run_dir, self.checkpoint = Path(run_dir), checkpoint
        self._lock = threading.Lock()
        self._loaded: tuple[torch.nn.Module, Project] | None = None

    def _load(self) -> tuple[torch.nn.Module, Project]:
        with self._lock:
            if self._loaded is None:
                project = load_project(run_project_file(self.run_dir))
                model = load_model(project, self.run_dir / self.checkpoint, DEVICE)
                self._loaded = (model, project)
            return self._loaded

    def __call__(self, path: Path) -> np.ndarray:
        model, project = self._load()
        settings = model_ends(project.graph)[0].settings  # load_model compiled it: it is there
        _, classes = predict_file(model, Path(path), settings["channels"],
                                  (settings["height"], settings["width"]),
                                  project.data.get("fit", "resize"), DEVICE)
        return classes
