"""The nuclei sample converter, on synthetic RGBA instance masks and a tiny fake wheel."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.data import sample_nuclei
from app.data.sample_nuclei import (ConversionError, convert_wheel, count_objects, install,
                                    labels_from_instances)
from app.data.scan import scan
from app.data.sources import nuclei_installed
from test_data_fixtures import instance_mask, rgba_instances


def _micronuclei(size: int = 32) -> np.ndarray:
    ids = np.zeros((size, size), np.uint16)
    ids[1:3, 28:30] = 1
    ids[10:12, 10:12] = 2  # overlaps a nucleus: the micronucleus wins there
    return ids


def test_rgba_instance_masks_become_three_classes() -> None:
    nucleus, micro = rgba_instances(instance_mask()), rgba_instances(_micronuclei())
    labels = labels_from_instances(nucleus, micro)
    assert labels.dtype == np.uint8 and set(np.unique(labels)) == {0, 1, 2}
    assert labels[1, 28] == 2 and labels[10, 10] == 2 and labels[5, 5] == 1 and labels[0, 0] == 0
    assert (labels == 1).sum() == (instance_mask() > 0).sum() - 4
    assert count_objects(nucleus) == 3 and count_objects(micro) == 2


def test_masks_of_different_sizes_are_refused() -> None:
    with pytest.raises(ConversionError, match="32x32 but the micronucleus mask is 16x16"):
        labels_from_instances(rgba_instances(instance_mask()), rgba_instances(_micronuclei(16)))


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def fake_wheel(path: Path) -> Path:
    """The wheel's real layout, in miniature: three splits, 16-bit and 8-bit images."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mnfinder-1.2.3.dist-info/licenses/LICENSE.py", "Copyright 2023 X\nMIT")
        archive.writestr("mnfinder/test-data/image-info.csv", "image,dataset\n")
        for split, subset, stem, deep in (("training-data", "2022_RPE1", "1", False),
                                          ("training-data", "2023 misc", "a b", True),
                                          ("validation-data", "2022_RPE1", "2", False),
                                          ("test-data", "2022_U2OS", "4", True)):
            folder = f"mnfinder/{split}/{subset}"
            image = (np.arange(32 * 32).reshape(32, 32) * (50 if deep else 0.2)).astype(
                np.uint16 if deep else np.uint8)
            archive.writestr(f"{folder}/images/{stem}.png", _png(image))
            archive.writestr(f"{folder}/images/{stem}.tif", b"ignored")
            nucleus = _png(rgba_instances(instance_mask()))
            archive.writestr(f"{folder}/nucleus_masks/{stem}.png", nucleus)
            archive.writestr(f"{folder}/mn_masks/{stem}.png", _png(rgba_instances(_micronuclei())))
    return path


def test_convert_a_wheel_into_the_folders_layout(tmp_path: Path) -> None:
    dest = tmp_path / "nuclei"
    summary = convert_wheel(fake_wheel(tmp_path / "m.whl"), dest, say=lambda line: None)
    images = {s: c["images"] for s, c in summary["splits"].items()}
    assert images == {"train": 2, "val": 1, "test": 1}
    assert summary["splits"]["train"]["objects"] == [0, 6, 4]
    assert sorted(p.name for p in (dest / "train" / "images").iterdir()) == [
        "2022_RPE1_1.png", "2023_misc_a_b.png"]
    with Image.open(dest / "test" / "images" / "2022_U2OS_4.png") as image:
        assert image.mode.startswith("I")  # 16-bit images are copied as shipped
    with Image.open(dest / "val" / "masks" / "2022_RPE1_2.png") as mask:
        assert mask.mode == "P" and set(np.unique(np.asarray(mask))) == {0, 1, 2}
    licence = (dest / "LICENSE").read_text()
    assert "MIT" in licence and "mnfinder 1.2.3" in licence
    assert "| train | 2 |" in (dest / "README.md").read_text()
    data = {"source": "folders", "root": str(dest), "split": "folders"}
    dataset = scan(data, tmp_path)
    assert not dataset.problems and dataset.decoder.kind == "palette" and dataset.num_classes == 3


def test_install_is_idempotent_and_survives_being_offline(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    monkeypatch.setattr(sample_nuclei, "download", lambda cache: (None, "no network"))
    dest = tmp_path / "nuclei"
    assert install(dest=dest, cache=tmp_path / "dl", say=lines.append) == 0
    assert all(words in lines[-1] for words in ("no network", "synthetic shapes", "make data"))
    assert not dest.exists()
    assert install(dest=dest, wheel=fake_wheel(tmp_path / "m.whl"), say=lines.append) == 0
    assert lines[-1].startswith("Installed the nuclei sample (4 images")
    marker = (dest / "sample.json").stat().st_mtime_ns
    assert install(dest=dest, say=lines.append) == 0
    assert "already installed" in lines[-1] and (dest / "sample.json").stat().st_mtime_ns == marker


def test_a_broken_wheel_is_reported_not_raised(tmp_path: Path) -> None:
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"not a zip")
    lines: list[str] = []
    assert install(dest=tmp_path / "n", wheel=broken, say=lines.append) == 0
    assert "Could not convert" in lines[-1] and not (tmp_path / "n").exists()


@pytest.mark.skipif(not nuclei_installed(), reason="the nuclei sample is not installed (make data)")
def test_nuclei_demo_without_split_folders_is_split_by_fractions(tmp_path: Path) -> None:
    """{"source": "demo", "name": "nuclei"} without "split": "folders" said 'images folder
    not found': the sample lies in train/ val/ test/ whatever the split."""
    dataset = scan({"source": "demo", "name": "nuclei", "split": [0.8, 0.1, 0.1]}, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 49
    assert dataset.class_pixels() == [26_615_266, 2_170_407, 76_791]
    assert dataset.counts()["train"]["pairs"] > 30
