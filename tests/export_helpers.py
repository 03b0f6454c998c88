"""Projects and checkpoints for the export tests (written into tmp_path).

A checkpoint here is the compiled model with seeded random weights, batch-norm
statistics (so weights.pt and the statistics both matter) and a sharpened head:
enough for comparing exported files with torch (the standalone test trains instead,
since only a trained model draws the boundaries where masks could differ).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from app.engine.checkpoint import FORMAT, write_checkpoint
from app.project import load_project
from components.compiler import compile_graph
from engine_helpers import CLASSES, project_dict, write_data

ROOT = Path(__file__).resolve().parents[1]


def demo_project(folder: Path, size: int = 64) -> Path:
    """The demo template's graph (depth 4, 16 filters, per-image normalization), with an
    Input of ``size`` and the engine tests' tiny data instead of the nuclei sample."""
    template = json.loads((ROOT / "resources/templates/demo.json").read_text("utf-8"))
    for node in template["graph"]["nodes"]:
        if node["type"] == "Input":
            node["settings"].update(height=size, width=size)
    tiny = project_dict(size=size)
    template["data"], template["training"] = tiny["data"], tiny["training"]
    return _write(folder, "demo.json", template, size)


def backbone_project(folder: Path, backbone: str = "resnet18", size: int = 64) -> Path:
    """An RGB UNet on a backbone (small decoder), ImageNet normalization."""
    project = project_dict(size=size)
    nodes = project["graph"]["nodes"]
    nodes[0]["settings"].update(channels=3, normalization="imagenet")
    nodes[1]["settings"] = {"backbone": backbone, "decoder_channels": [32, 16, 16, 8, 8]}
    return _write(folder, f"{backbone}.json", project, size)


def tiny_project(folder: Path, channels: int = 1, fit: str = "tile", size: int = 32,
                 normalization: str = "per_image") -> Path:
    """The engine tests' Input -> UNet (depth 2, 8 filters) -> Target project."""
    project = project_dict(size=size)
    project["graph"]["nodes"][0]["settings"].update(channels=channels,
                                                    normalization=normalization)
    project["data"]["fit"] = fit
    return _write(folder, f"tiny_{channels}_{fit}.json", project, size)


def _write(folder: Path, name: str, project: dict[str, Any], size: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "data").exists():
        write_data(folder / "data", count=4, size=size)
    path = folder / name
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def write_random_checkpoint(project_path: Path, checkpoint: Path, seed: int = 0) -> Path:
    """A loadable checkpoint of the project's model with seeded random statistics."""
    torch.manual_seed(seed)
    model = compile_graph(load_project(project_path).graph)
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.copy_(torch.randn(module.num_features, generator=generator)
                                      * 0.1)
            module.running_var.copy_(torch.rand(module.num_features, generator=generator)
                                     + 0.5)
    heads = [m for m in model.modules() if isinstance(m, nn.Conv2d)][-1:]
    for head in heads:  # sharper logits: masks with several classes, not one everywhere
        head.weight.data.mul_(30.0)
    write_checkpoint(checkpoint, {"format": FORMAT, "model": model.state_dict(),
                                  "classes": CLASSES, "epoch": 1})
    return checkpoint
