"""The synthetic demo data: deterministic, several classes, not separable by colour."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.demo_shapes import class_infos, ensure_dataset, render_scene


def test_scenes_are_a_pure_function_of_their_inputs() -> None:
    first, again = render_scene(3, (48, 40)), render_scene(3, (48, 40))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], render_scene(4, (48, 40))[0])
    assert not np.array_equal(first[0], render_scene(3, (48, 40), seed=1)[0])
    assert first[0].shape == (48, 40, 3) and first[1].shape == (48, 40)


@pytest.mark.parametrize("classes", [2, 4, 6])
def test_every_class_appears(classes: int) -> None:
    found = set()
    for index in range(20):
        found |= set(np.unique(render_scene(index, (48, 48), classes)[1]).tolist())
    assert found == set(range(classes))
    assert [c.name for c in class_infos(classes)][0] == "background"


def test_colour_alone_does_not_tell_the_classes_apart() -> None:
    """Nearest-mean-colour per pixel is little better than chance (0.25)."""
    scenes = [render_scene(i, (64, 64), 4) for i in range(40)]
    pixels = np.concatenate([s[0].reshape(-1, 3) for s in scenes]).astype(np.float32)
    labels = np.concatenate([s[1].ravel() for s in scenes])
    means = np.stack([pixels[labels == c].mean(axis=0) for c in range(4)])
    guess = np.argmin(((pixels[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    recall = [float((guess[labels == c] == c).mean()) for c in range(4)]
    assert np.mean(recall) < 0.45, recall


def test_demo_folder_is_written_once(tmp_path: Path) -> None:
    folder = ensure_dataset(tmp_path / "shapes", count=3, size=(16, 16), classes=3)
    assert len(list((folder / "images").iterdir())) == 3
    stamp = (folder / "shapes.json").stat().st_mtime_ns
    ensure_dataset(tmp_path / "shapes", count=3, size=(16, 16), classes=3)
    assert (folder / "shapes.json").stat().st_mtime_ns == stamp
    ensure_dataset(tmp_path / "shapes", count=4, size=(16, 16), classes=3)
    assert len(list((folder / "images").iterdir())) == 4
