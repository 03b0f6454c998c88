"""``--format python``: a folder that predicts without U-Net Studio.

    model.py        the model as one torch.nn class (app/export/model_code.py)
    weights.pt      its state_dict (torch.load(weights_only=True) reads it)
    preprocess.py   image reading, sliding window / resize, class ids: the app's own
                    functions' source (app/export/preprocess.py)
    predict.py      python predict.py IMAGE... --out DIR (app/export/predict_script.py)
    settings.json   channels, window, fit, overlap, classes
    README.md       the above, for the person who receives the folder

The class in model.py is checked before the folder counts: it is built from the
written source in a fresh namespace, loads weights.pt strictly and must give the
compiled model's logits on the samples (max abs difference below the tolerance).
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Callable

import torch
from torch import fx

from components.graph import GraphDocument

from . import predict_script
from .errors import ExportError
from .model_code import CLASS_NAME, standalone_model
from .preprocess import preprocess_source

SETTINGS_MARK = "unet_studio_export"


def write_folder(folder: Path, model: fx.GraphModule, graph: GraphDocument, title: str,
                 settings: dict[str, Any]) -> Callable[[torch.Tensor], torch.Tensor]:
    """Write every file into ``folder``; returns the standalone class's forward (loaded
    from the written files) for the caller to verify against the compiled model."""
    code = standalone_model(model, graph, title)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(code.source, encoding="utf-8")
    torch.save(code.state_dict, folder / "weights.pt")
    (folder / "preprocess.py").write_text(preprocess_source(), encoding="utf-8")
    (folder / "predict.py").write_text(inspect.getsource(predict_script), encoding="utf-8")
    (folder / "settings.json").write_text(json.dumps({SETTINGS_MARK: 1, **settings}, indent=2),
                                          encoding="utf-8")
    (folder / "README.md").write_text(_readme(title, settings), encoding="utf-8")
    return load_written_model(folder)


def load_written_model(folder: Path) -> Callable[[torch.Tensor], torch.Tensor]:
    """The class of ``folder/model.py`` with ``weights.pt``, as predict.py loads them."""
    namespace: dict[str, Any] = {"__name__": "exported_model"}
    source = (folder / "model.py").read_text(encoding="utf-8")
    try:
        exec(compile(source, str(folder / "model.py"), "exec"), namespace)
        network = namespace[CLASS_NAME]()
        network.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
    except Exception as error:  # generated code that does not load is our bug: say so
        raise ExportError(f"{folder / 'model.py'}: the generated model does not load its "
                          f"weights ({type(error).__name__}: {error})") from None
    network.eval()

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return network(batch)
    return run


def is_previous_export(folder: Path) -> bool:
    """A folder an earlier ``--format python`` wrote (safe to replace)."""
    try:
        return SETTINGS_MARK in json.loads((folder / "settings.json").read_text("utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def _readme(title: str, settings: dict[str, Any]) -> str:
    height, width = settings["window"]
    how = ("tiled in overlapping windows of that size, blended with Gaussian weights "
           "(nnU-Net's sliding window)" if settings["fit"] == "tile" else
           "resized to that size and the prediction resized back")
    names = ", ".join(c["name"] for c in settings.get("classes", [])) or "see the project"
    return f"""# {title.splitlines()[0]}

Exported by U-Net Studio. Predict masks (needs torch, numpy and Pillow):

    python predict.py image1.png image2.tif --out masks/

Each image gives `masks/<stem>.png`: one class id per pixel (classes: {names}), at
the image's own size. Images are read as the app reads them (8-bit / 255, 16-bit
between the 1st and 99.8th percentile, gray or colour made {settings['channels']}
channel(s)) and {how}; the model window is {height}x{width}.

- `model.py`: the network as one torch.nn class (inference only); the Input node's
  normalization ({settings['normalization']}) is its first layer.
- `weights.pt`: `model.load_state_dict(torch.load("weights.pt", weights_only=True))`.
- `preprocess.py`: image reading, sliding window and class ids, generated from the
  app's own code.
- `settings.json`: channels, window, fit, overlap and classes.
"""
