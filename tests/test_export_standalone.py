"""``export --format python``: a folder whose predict.py, run where U-Net Studio cannot be
imported, writes the masks ``main.py predict`` writes, pixel for pixel."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from app.cli import main
from app.data.images import read_image, to_channels
from app.engine.run import TrainOptions, train
from app.export.errors import ExportError
from app.export.exporter import export_checkpoint
from app.export.preprocess import preprocess_source, undefined_names
from app.project import load_project
from export_helpers import tiny_project, write_random_checkpoint

SITE_PACKAGES = str(Path(torch.__file__).resolve().parents[1])  # torch, numpy, Pillow


def _shapes(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A noisy background with bright discs and dim squares, as the training data has."""
    image = rng.normal(40, 10, (height, width))
    y, x = np.mgrid[:height, :width]
    for _ in range(max(1, height * width // 500)):
        cy, cx = rng.integers(0, height), rng.integers(0, width)
        image[(y - cy) ** 2 + (x - cx) ** 2 < 25] = 220
        top, left = rng.integers(0, max(1, height - 6)), rng.integers(0, max(1, width - 6))
        image[top:top + 6, left:left + 6] = 120
    return np.clip(image, 0, 255)


def _images(folder: Path) -> list[Path]:
    """One image of every kind: 8-bit gray, RGB, 16-bit, JPEG; smaller and larger than
    the 32x32 window, square and not."""
    folder.mkdir()
    rng = np.random.default_rng(5)
    rgb = lambda h, w: np.repeat(_shapes(rng, h, w)[..., None], 3, -1).astype(np.uint8)
    kinds = {
        "gray8.png": _shapes(rng, 32, 32).astype(np.uint8),
        "rgb_large.png": rgb(50, 77),
        "deep16_small.tif": (_shapes(rng, 20, 27) * 12 + 100).astype(np.uint16),
        "gray8_tall.png": _shapes(rng, 101, 40).astype(np.uint8),
        "rgb_small.jpg": rgb(24, 30),
    }
    for name, pixels in kinds.items():
        Image.fromarray(pixels).save(folder / name)
    return [folder / name for name in kinds]


def _trained(project: Path, out: Path) -> Path:
    """best.pt of a short real run (a trained model draws real boundaries)."""
    train(load_project(project), TrainOptions(epochs=4, out=out, workers=0,
                                              notify=lambda text: None))
    return out / "best.pt"


def _fresh_predict(folder: Path, images: list[Path], out: Path) -> subprocess.CompletedProcess:
    """Run predict.py from a copy of the export with only torch/numpy/Pillow importable:
    no site processing (so the editable install of this repo is not active) and the
    repository on no path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = SITE_PACKAGES
    command = [sys.executable, "-S", "predict.py", *map(str, images), "--out", str(out)]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("channels,fit,normalization", [(1, "tile", "per_image"),
                                                        (3, "resize", "imagenet")])
def test_standalone_predict_equals_main_predict(tmp_path, capsys, channels, fit,
                                                normalization):
    project = tiny_project(tmp_path, channels, fit, normalization=normalization)
    checkpoint = _trained(project, tmp_path / "run")
    images = _images(tmp_path / "images")
    assert main(["export", str(project), "--checkpoint", str(checkpoint), "--format",
                 "python", "--out", str(tmp_path / "export")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verified"]["max_abs_diff"] < 1e-6
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == [
        "README.md", "model.py", "predict.py", "preprocess.py", "settings.json", "weights.pt"]
    fresh = tmp_path / "elsewhere" / "exported"
    shutil.copytree(tmp_path / "export", fresh)
    probe = subprocess.run([sys.executable, "-S", "-c", "import app"], cwd=fresh,
                           env={"PYTHONPATH": SITE_PACKAGES}, capture_output=True, text=True)
    assert "No module named 'app'" in probe.stderr  # the repo really is out of reach
    result = _fresh_predict(fresh, images, tmp_path / "standalone")
    assert result.returncode == 0, result.stderr
    assert main(["predict", str(project), "--checkpoint", str(checkpoint), *map(str, images),
                 "--out", str(tmp_path / "app")]) == 0
    for image in images:
        ours = np.asarray(Image.open(tmp_path / "standalone" / f"{image.stem}.png"))
        apps = np.asarray(Image.open(tmp_path / "app" / f"{image.stem}.png"))
        assert ours.shape == apps.shape == np.asarray(Image.open(image)).shape[:2]
        assert np.array_equal(ours, apps), image.name
        assert len(np.unique(apps)) > 1, image.name  # a real mask with boundaries


def test_generated_preprocessing_reads_every_kind_of_image_as_the_app_does(tmp_path):
    (tmp_path / "preprocess.py").write_text(preprocess_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("exported_preprocess",
                                                  tmp_path / "preprocess.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for image in _images(tmp_path / "images"):
        for channels in (1, 3):
            ours = module.to_channels(module.read_image(image), channels)
            apps = to_channels(read_image(image), channels)
            assert ours.dtype == apps.dtype  # float64 for 16-bit (percentile scaling)
            assert np.array_equal(ours, apps), (image.name, channels)


def test_a_helper_missing_from_the_generated_code_is_found():
    assert undefined_names("import math\nX = 1\n\ndef f(a):\n    return math.pi + X + a "
                           "+ helper(a)\n") == ["helper"]
    assert undefined_names(preprocess_source()) == []


def test_the_model_code_reads_like_torch_nn(tmp_path):
    project = tiny_project(tmp_path, 1, "tile")
    checkpoint = write_random_checkpoint(project, tmp_path / "model.pt")
    export_checkpoint(load_project(project), checkpoint, "python", tmp_path / "out")
    code = (tmp_path / "out" / "model.py").read_text()
    assert "from components" not in code and "from app" not in code
    assert "# node 'unet' (UNet)" in code
    assert ("self.unet_encoder_stages_0_0 = nn.Conv2d(in_channels=1, out_channels=8, "
            "kernel_size=(3, 3), padding=(1, 1), bias=False)") in code
    assert "nn.Identity" not in code  # pass-through layers are left out of the code
    settings = json.loads((tmp_path / "out" / "settings.json").read_text())
    assert (settings["window"], settings["fit"], settings["overlap"]) == ([32, 32], "tile", 0.5)
    assert [c["name"] for c in settings["classes"]] == ["background", "disc", "square"]


def test_the_model_code_sums_image_statistics_in_float64_except_on_mps(tmp_path):
    from types import SimpleNamespace

    project = tiny_project(tmp_path, 1, "tile")  # per-image normalization
    checkpoint = write_random_checkpoint(project, tmp_path / "model.pt")
    export_checkpoint(load_project(project), checkpoint, "python", tmp_path / "out")
    code = (tmp_path / "out" / "model.py").read_text()
    assert "self.statistics_dtype(image)" in code and "components_layers" not in code
    spec = importlib.util.spec_from_file_location("standalone_model",
                                                  tmp_path / "out" / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    choose = module.SegmentationModel.statistics_dtype  # the generated file's own copy
    assert choose(torch.zeros(1)) == torch.float64
    assert choose(SimpleNamespace(device=SimpleNamespace(type="mps"))) == torch.float32


def test_an_export_folder_is_never_written_over_a_folder_of_other_files(tmp_path):
    project = tiny_project(tmp_path, 1, "tile")
    checkpoint = write_random_checkpoint(project, tmp_path / "model.pt")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="taken: exists and is not an empty folder or an "
                                          "earlier export"):
        export_checkpoint(load_project(project), checkpoint, "python", tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
    export_checkpoint(load_project(project), checkpoint, "python", tmp_path / "again")
    export_checkpoint(load_project(project), checkpoint, "python", tmp_path / "again")  # ok
    assert not list(tmp_path.glob(".partial-*"))
