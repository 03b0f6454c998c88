"""What a new model starts from: a bundled template, an empty project, or the model
recommended for a data set (Qt-free).

The recommended model needs data first: the hub's window lets the person choose it
in the Data Wizard, plans with app.recommend and builds the project here, so the
planning and the file written can be tested without a window.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.paths import DEMO_PROJECT, TEMPLATES
from app.project import Project, load_project
from app.recommend import Recommendation
from components.serialize import graph_from_dict

RECOMMENDED = "recommended"
EMPTY = "empty"


@dataclass(frozen=True)
class Template:
    """One entry of the hub's New menu."""

    key: str
    title: str
    description: str
    file: Path | None = None   # a bundled project file; None for empty and recommended


CHOICES = (
    Template("unet_component", "U-Net component",
             "Input → UNet → Target: one node holds the whole U-Net, its depth and filters "
             "set in the Properties", TEMPLATES / "unet_component.json"),
    Template("unet_from_scratch", "U-Net from scratch",
             "The same network built from Convolution, Pooling, Upsample and Merge nodes, "
             "to change it layer by layer", TEMPLATES / "unet_from_scratch.json"),
    Template(EMPTY, "Empty project", "An empty canvas: drag components from the palette"),
    Template(RECOMMENDED, "Recommended from data…",
             "Choose images and masks in the Data Wizard; the model, its input size and its "
             "training are planned from them (nnU-Net's rules, docs/recommend.md)"),
    Template("demo", "Nuclei demo", "The demo: a U-Net for the bundled fluorescence "
             "microscopy sample (nucleus and micronucleus)", DEMO_PROJECT),
)


def template(key: str) -> Template:
    return next(t for t in CHOICES if t.key == key)


def template_project(choice: Template) -> Project:
    """A fresh project from a template; it keeps the template's path so that its data
    paths can be rewritten for the model's folder (the recommended one starts from the
    U-Net component and is replaced by ``recommended_project``)."""
    if choice.file is not None:
        return load_project(choice.file)
    if choice.key == RECOMMENDED:
        return load_project(template("unet_component").file)
    return Project()


def recommended_project(base: Project, rec: Recommendation) -> Project:
    """``base`` (its data section chosen in the Data Wizard) with the recommended graph,
    its data keys (``fit``) and its training settings."""
    return Project(name=base.name, graph=graph_from_dict(rec.graph, "recommendation"),
                   data={**base.data, **rec.data},
                   training=base.training.replace(**rec.training), path=base.path)
