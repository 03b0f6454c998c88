"""Each mask kind, detected and decoded; classes detected, shown and overridable."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.masks import MaskDecoder, instance_classes, pack, summarize
from app.data.scan import scan
from test_data_fixtures import instance_mask, rgba_instances, save, save_palette, scene

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def _write(folder: Path, masks: list[np.ndarray], name: str = "{:02d}.png") -> Path:
    for i, mask in enumerate(masks):
        save(folder / "images" / name.format(i), scene(i, mask.shape[0])[0])
        save(folder / "masks" / name.format(i), mask)
    return folder


def _scan(folder: Path, **extra):
    data = {"source": "folders", "images": "images", "masks": "masks", **extra}
    return scan(data, folder)


def _labels(i: int, size: int = 32, classes: int = 3) -> np.ndarray:
    return scene(i, size, classes)[1]


@pytest.mark.parametrize("high", [255, 1])
def test_binary_masks(tmp_path: Path, high: int) -> None:
    masks = [(_labels(i) > 0).astype(np.uint8) * high for i in range(4)]
    dataset = _scan(_write(tmp_path, masks))
    assert dataset.decoder.kind == "binary" and dataset.num_classes == 2
    assert [c.name for c in dataset.classes] == ["background", "foreground"]
    assert not dataset.problems
    total = sum(int((m > 0).sum()) for m in masks)
    assert dataset.class_pixels()[1] == total


def test_label_masks_8_bit(tmp_path: Path) -> None:
    dataset = _scan(_write(tmp_path, [_labels(i, classes=4) for i in range(6)]))
    assert dataset.decoder.kind == "labels" and dataset.num_classes == 4
    assert [c.name for c in dataset.classes] == ["background", "class 1", "class 2", "class 3"]


def test_label_masks_16_bit(tmp_path: Path) -> None:
    masks = [_labels(i, classes=4).astype(np.uint16) for i in range(4)]
    dataset = _scan(_write(tmp_path, masks))
    assert dataset.decoder.kind == "labels" and dataset.num_classes == 4 and not dataset.problems


def test_palette_masks_take_the_palette_colours(tmp_path: Path) -> None:
    for i in range(4):
        save(tmp_path / "images" / f"{i}.png", scene(i)[0])
        save_palette(tmp_path / "masks" / f"{i}.png", _labels(i), [(0, 0, 0), RED, GREEN])
    dataset = _scan(tmp_path)
    assert dataset.decoder.kind == "palette" and dataset.num_classes == 3
    assert [c.color for c in dataset.classes] == [(0, 0, 0), RED, GREEN]


def _colour_mask(i: int) -> np.ndarray:
    table = np.array([(0, 0, 0), RED, BLUE], np.uint8)
    return table[_labels(i)]


def test_rgb_colour_table_is_detected(tmp_path: Path) -> None:
    dataset = _scan(_write(tmp_path, [_colour_mask(i) for i in range(4)]))
    assert dataset.decoder.kind == "colors" and dataset.num_classes == 3
    assert dataset.decoder.table[0] == 0
    assert set(dataset.decoder.table) == {0, pack(RED), pack(BLUE)}
    assert {c.color for c in dataset.classes} == {(0, 0, 0), RED, BLUE}
    assert dataset.detected_mask()["kind"] == "colors"


def test_colour_table_can_be_edited(tmp_path: Path) -> None:
    """The person's table decides the class order; a colour it lacks is a problem."""
    folder = _write(tmp_path, [_colour_mask(i) for i in range(4)])
    table = [[0, 0, 0], [0, 0, 255], [255, 0, 0]]
    dataset = _scan(folder, mask={"kind": "colors", "colors": table})
    assert dataset.decoder.table == (0, pack(BLUE), pack(RED)) and not dataset.problems
    raw = _colour_mask(0)
    classes, bad = dataset.decoder.classes_of(raw)
    assert not bad and np.array_equal(classes == 1, (raw == BLUE).all(-1))
    partial = _scan(folder, mask={"kind": "colors", "colors": [[0, 0, 0], [255, 0, 0]]})
    assert any("outside the class set: colour (0, 0, 255)" in p.message for p in partial.problems)


def test_instance_ids_to_foreground_and_boundary(tmp_path: Path) -> None:
    ids = instance_mask()
    foreground = instance_classes(ids, "foreground")
    assert foreground.max() == 1 and foreground.sum() == (ids > 0).sum()
    classes = instance_classes(ids, "boundary")
    assert classes[8, 11] == 2 and classes[8, 12] == 2  # touching squares stay apart
    assert classes[8, 8] == 1 and classes[24, 24] == 1 and classes[0, 0] == 0
    many = np.zeros((64, 64), np.uint16)
    for k in range(60):  # 60 small objects: far more ids than any class table
        many[(k // 8) * 8:(k // 8) * 8 + 6, (k % 8) * 8:(k % 8) * 8 + 6] = k + 1
    folder = _write(tmp_path, [np.roll(many, i, axis=1) for i in range(3)])
    dataset = _scan(folder)
    assert dataset.decoder.kind == "instances" and dataset.num_classes == 2
    boundary = _scan(folder, mask={"kind": "instances", "instances": "boundary"})
    assert boundary.num_classes == 3
    assert [c.name for c in boundary.classes] == ["background", "interior", "boundary"]
    assert all(n > 0 for n in boundary.class_pixels())


def test_rgba_instance_masks(tmp_path: Path) -> None:
    folder = _write(tmp_path, [rgba_instances(instance_mask()) for _ in range(2)])
    dataset = _scan(folder, mask={"kind": "instances", "instances": "boundary"})
    assert dataset.decoder.encoding == "color" and not dataset.problems
    classes, _ = dataset.decoder.classes_of(rgba_instances(instance_mask()))
    assert np.array_equal(classes, instance_classes(instance_mask(), "boundary"))


def test_class_names_and_colours_can_be_overridden(tmp_path: Path) -> None:
    classes = [{"name": "sky", "color": [1, 2, 3]}, {"name": "cat", "color": [4, 5, 6]},
               {"name": "dog", "color": [7, 8, 9]}]
    dataset = _scan(_write(tmp_path, [_labels(i) for i in range(4)]), classes=classes)
    assert [(c.name, c.color) for c in dataset.classes] == [("sky", (1, 2, 3)), ("cat", (4, 5, 6)),
                                                           ("dog", (7, 8, 9))]


def test_values_outside_the_class_set(tmp_path: Path) -> None:
    masks = [_labels(i) for i in range(4)]
    masks[2] = masks[2].copy()
    masks[2][0, :3] = 7
    classes = [{"name": n, "color": [i, i, i]} for i, n in enumerate(["a", "b", "c"])]
    dataset = _scan(_write(tmp_path, masks), classes=classes)
    problems = [p for p in dataset.problems if "outside the class set" in p.message]
    assert len(problems) == 1 and problems[0].file == "masks/02.png"
    assert "7 (the classes are 0..2)" in problems[0].message
    assert len(dataset.pairs) == 3


def test_binary_mask_with_a_stray_value(tmp_path: Path) -> None:
    masks = [(_labels(i) > 0).astype(np.uint8) * 255 for i in range(3)]
    masks[1][0, 0] = 17
    dataset = _scan(_write(tmp_path, masks), mask={"kind": "binary"})
    assert [str(p) for p in dataset.problems] == [
        "masks/01.png: mask values outside the class set: 17 "
        "(the classes are 0 and 255 (or 0 and 1))"]


def test_classes_list_that_does_not_fit_the_kind(tmp_path: Path) -> None:
    masks = [(_labels(i) > 0).astype(np.uint8) * 255 for i in range(3)]
    classes = [{"name": n, "color": [0, 0, 0]} for n in "abc"]
    dataset = _scan(_write(tmp_path, masks), classes=classes, mask={"kind": "binary"})
    assert any("names 3 classes but the binary masks have 2" in p.message for p in dataset.problems)
    assert dataset.unreported


def test_mixed_encodings_are_reported(tmp_path: Path) -> None:
    masks = [_labels(i) for i in range(3)] + [_colour_mask(3)]
    dataset = _scan(_write(tmp_path, masks))
    assert [p.file for p in dataset.problems] == ["masks/03.png"]
    assert "colour image but most masks are gray/label images" in dataset.problems[0].message


def test_summary_keeps_counts_small() -> None:
    summary = summarize(instance_mask().astype(np.int64), palette=False, instances=True)
    assert summary.counts is not None and summary.distinct == 4
    assert summary.instance_counts["boundary"][2] > 0
    decoder = MaskDecoder("labels", 3)
    hist, bad = decoder.class_counts(summary)
    assert bad == [5, 9, 300] and hist[0] == summary.counts[0]
