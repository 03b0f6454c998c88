"""What the About box says: the version, and what this version does.

Kept apart from the window so the words are easy to find and to keep true: every
promise here is something a person can do in this version (the README says the
same), and a test checks each command named here exists.
"""
from __future__ import annotations

import tomllib
from importlib import metadata

from app.paths import ROOT

APP_NAME = "U-Net Studio"

ABOUT = (
    "Design image-segmentation networks on a node-graph canvas: every node shows the "
    "shape of its output and what is wrong with it. The Properties dock edits the "
    "selected nodes' settings (every change one undo step) and shows, live, what each "
    "node makes of a sample of the data; the Code tab shows the model's PyTorch code; "
    "the Training dock edits the training settings. The Data Wizard sets up the images "
    "and masks a model will learn from, Model &gt; Recommend proposes a U-Net for them, "
    "and Edit &gt; Expand to Components turns a UNet node into the nodes it is made of. "
    "The Model hub (File &gt; Model Hub, and the start page) keeps the models of a "
    "workspace folder with their training runs: new ones from a template or recommended "
    "for your data, duplicate, rename, delete with undo, import, and a comparison of runs "
    "that overlays their curves and lists what differs between their projects. "
    "Train (F5) trains the model in a separate process while you go on editing: the "
    "Statistics tab draws its loss and IoU curves and its prediction over the ground truth, "
    "the Runs tab lists every run and resumes a stopped one, and the Test tab measures a "
    "run on the test split and predicts images of your own. File &gt; Export Model… writes "
    "a trained model as ONNX, a torch.export program or a standalone Python folder, each "
    "checked against torch before it is kept.<br>"
    "On the command line, <tt>main.py info</tt>, <tt>main.py code</tt> and "
    "<tt>main.py data</tt> print the model's shapes, its PyTorch code and what the data "
    "scan found; <tt>main.py train</tt> trains the model (and resumes a stopped run), "
    "<tt>main.py eval</tt> measures a checkpoint on the test split and "
    "<tt>main.py predict</tt> writes masks for new images and <tt>main.py export</tt> "
    "exports a checkpoint; under <tt>torchrun</tt>, <tt>main.py train</tt> trains on "
    "several processes. <tt>main.py --help</tt> lists every command.")
"""What this version does, and nothing it does not (the README says the same)."""


def app_version() -> str:
    """The installed package's version (pyproject.toml's, for a checkout run in place)."""
    try:
        return metadata.version("unet-studio")
    except metadata.PackageNotFoundError:
        with (ROOT / "pyproject.toml").open("rb") as stream:
            return tomllib.load(stream)["project"]["version"]


def about_text() -> str:
    return (f"<b>{APP_NAME}</b> {app_version()}<br><br>{ABOUT}<br><br>MIT licence.")
