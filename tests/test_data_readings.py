"""Issue 9: masks as people really have them are read right, or reported with the
file and the way out; never silently different. One test (or more) per case, with
fixtures written into tmp_path, asserting the classes and pixel counts that come out."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.data.dataset import FullImageDataset
from app.data.scan import check_ready, scan
from app.data.spec import IGNORE_INDEX
from test_data_fixtures import (label_pairs, noise_image, numbered_discs, save, save_palette,
                                save_stack, scene, voc_palette, with_void_border)

FOLDERS = {"source": "folders", "images": "images", "masks": "masks"}


def _messages(dataset) -> dict[str, str]:
    return {p.file: p.message for p in dataset.problems}


def _names(dataset) -> list[str]:
    return [c.name for c in dataset.classes]


# --- case 1: symbolic links ---------------------------------------------------------------
def test_a_file_symlink_loop_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=3)
    os.symlink("loop.png", tmp_path / "images" / "loop.png")
    save(tmp_path / "masks" / "loop.png", scene(0)[1])
    os.symlink("mloop.png", tmp_path / "masks" / "001.png.tmp")  # not an image name: a note
    (tmp_path / "masks" / "002.png").unlink()
    os.symlink("002.png", tmp_path / "masks" / "002.png")
    dataset = scan(FOLDERS, tmp_path)
    messages = _messages(dataset)
    assert messages["images/loop.png"].startswith("symbolic link loop: the link leads")
    assert messages["masks/002.png"].startswith("symbolic link loop")
    assert [p.key for p in dataset.pairs] == ["images/000.png", "images/001.png"]
    expected = np.bincount(np.concatenate([scene(i)[1].ravel() for i in (0, 1)]), minlength=3)
    assert dataset.class_pixels() == expected.tolist()


def test_a_looping_images_folder_and_csv_cell_are_named(tmp_path: Path) -> None:
    os.symlink("imgs", tmp_path / "imgs")
    (tmp_path / "masks").mkdir()
    dataset = scan({**FOLDERS, "images": "imgs"}, tmp_path)
    assert _messages(dataset)["imgs"].startswith("images folder is a symbolic link loop")
    label_pairs(tmp_path / "c", count=2)
    os.symlink("x.png", tmp_path / "c" / "images" / "x.png")
    (tmp_path / "c" / "pairs.csv").write_text("image,mask\nimages/000.png,masks/000.png\n"
                                              "images/x.png,masks/001.png\n", encoding="utf-8")
    dataset = scan({"source": "csv", "csv": "c/pairs.csv"}, tmp_path)
    assert _messages(dataset)["c/images/x.png"].startswith("symbolic link loop")
    assert len(dataset.pairs) == 1


def test_symlinked_sub_folders_are_followed_once(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    label_pairs(tmp_path / "elsewhere", count=3, image_name="b{:03d}.png", mask_name="b{:03d}.png")
    os.symlink(tmp_path / "elsewhere" / "images", tmp_path / "images" / "batch2")
    os.symlink(tmp_path / "elsewhere" / "masks", tmp_path / "masks" / "batch2")
    os.symlink(".", tmp_path / "images" / "batch2" / "again")  # itself: a loop
    dataset = scan(FOLDERS, tmp_path)
    assert not dataset.problems
    assert sorted(p.key for p in dataset.pairs) == [
        "images/000.png", "images/001.png", "images/batch2/b000.png", "images/batch2/b001.png",
        "images/batch2/b002.png"]
    assert any("batch2/again: a link to a folder already read" in n for n in dataset.notes)
    assert sum(dataset.class_pixels()) == 5 * 32 * 32


# --- case 2: instance masks with few objects ------------------------------------------------
def _instance_set(folder: Path, counts: list[int]) -> int:
    objects = 0
    for index, count in enumerate(counts):
        ids = numbered_discs(count, seed=index)
        objects += int((ids > 0).sum())
        save(folder / "images" / f"{index}.png", noise_image(index))
        save(folder / "masks" / f"{index}.png", ids)
    return objects


def test_instance_masks_with_16_to_31_cells_are_instances(tmp_path: Path) -> None:
    objects = _instance_set(tmp_path, [16, 21, 27, 31])
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "instances" and _names(dataset) == ["background", "object"]
    assert dataset.class_pixels() == [4 * 96 * 96 - objects, objects]
    assert "number them 1..n (n from 16 to 31)" in dataset.evidence
    assert "95 of 95 values are one connected blob each" in dataset.evidence
    assert not dataset.problems and not any("weak" in n for n in dataset.notes)


def test_label_masks_with_21_classes_stay_labels(tmp_path: Path) -> None:
    """The same value count as above, but classes: shared values, several regions each."""
    rng = np.random.default_rng(0)
    for index in range(4):
        mask = np.zeros((64, 64), np.uint8)
        for value in rng.choice(np.arange(1, 21), 8, replace=False):
            for _ in range(2):  # each class drawn twice, apart
                top, left = rng.integers(0, 56, 2)
                mask[top:top + 6, left:left + 6] = value
        mask[0:4, 0:4], mask[60:, 60:] = 20, 20
        save(tmp_path / "images" / f"{index}.png", noise_image(index, 64))
        save(tmp_path / "masks" / f"{index}.png", mask)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "labels" and dataset.num_classes == 21
    assert "several separate regions" in dataset.evidence


def test_voc_object_masks_are_instances_with_the_border_ignored(tmp_path: Path) -> None:
    """VOC SegmentationObject: palette PNGs numbering objects 1..n, 255 a void border."""
    objects = border = 0
    for index, count in enumerate([3, 5, 2, 7]):
        ids = with_void_border(numbered_discs(count, seed=10 + index, radius=8))
        objects += int(((ids > 0) & (ids < 255)).sum())
        border += int((ids == 255).sum())
        save(tmp_path / "images" / f"{index}.jpg", noise_image(index, channels=3))
        save_palette(tmp_path / "masks" / f"{index}.png", ids, voc_palette())
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "instances" and dataset.ignore_index == IGNORE_INDEX
    assert dataset.class_pixels() == [4 * 96 * 96 - objects - border, objects]
    assert dataset.ignored_pixels() == border
    assert any(n.startswith("Pixels of value 255 are ignored") for n in dataset.notes)


def test_weak_evidence_is_said_and_the_person_can_switch(tmp_path: Path) -> None:
    ids = numbered_discs(3, seed=4)
    save(tmp_path / "images" / "a.png", noise_image(0))
    save(tmp_path / "masks" / "a.png", ids)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "labels" and dataset.num_classes == 4
    weak = [n for n in dataset.notes if "the evidence is weak" in n]
    assert len(weak) == 1 and "choose the mask kind 'instances'" in weak[0]
    assert "number them 1..n" in weak[0]
    switched = scan({**FOLDERS, "mask": {"kind": "instances"}}, tmp_path)
    assert switched.decoder.kind == "instances"
    assert switched.class_pixels() == [int((ids == 0).sum()), int((ids > 0).sum())]
    assert not any("weak" in n for n in switched.notes)


# --- case 3: JPEG bytes in a .png -------------------------------------------------------------
def _jpeg_bytes(array: np.ndarray, quality: int = 75) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _disc(size: int = 64, radius: int = 18) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    return ((y - size // 2) ** 2 + (x - size // 2) ** 2 <= radius ** 2).astype(np.uint8) * 255


def test_jpeg_bytes_in_a_png_mask_are_read_as_jpeg(tmp_path: Path) -> None:
    disc = _disc()
    for index in range(3):
        save(tmp_path / "images" / f"{index}.png", noise_image(index, 64))
        (tmp_path / "masks" / f"{index}.png").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "masks" / f"{index}.png").write_bytes(_jpeg_bytes(disc))
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "binary"
    truth = 3 * int((disc > 0).sum())
    background, foreground = dataset.class_pixels()
    assert abs(foreground - truth) <= 0.02 * truth and background + foreground == 3 * 64 * 64
    assert any("3 masks are JPEG data" in n for n in dataset.notes)


def test_colour_jpeg_bytes_in_a_png_keep_three_classes(tmp_path: Path) -> None:
    mask = np.zeros((64, 64, 3), np.uint8)
    mask[8:30, 8:56] = (255, 0, 0)
    mask[36:58, 8:56] = (0, 0, 255)
    for index in range(2):
        save(tmp_path / "images" / f"{index}.png", noise_image(index, 64))
        (tmp_path / "masks").mkdir(exist_ok=True)
        (tmp_path / "masks" / f"{index}.png").write_bytes(_jpeg_bytes(mask, 90))
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "colors" and dataset.num_classes == 3
    pixels = dataset.class_pixels()
    assert [abs(p - t) <= 60 for p, t in zip(pixels, [2 * 1984, 2 * 1056, 2 * 1056])] == [True] * 3


# --- case 4: the shape drawn in the alpha channel ------------------------------------------
@pytest.mark.parametrize("mode,gray", [("LA", 255), ("LA", 0), ("RGBA", 255), ("RGBA", 0)])
def test_alpha_shapes_read_alike_in_gray_and_colour(tmp_path: Path, mode: str, gray: int) -> None:
    disc = _disc()
    channels = 1 if mode == "LA" else 3
    color = np.full((64, 64, channels), gray, np.uint8)
    save(tmp_path / "masks" / "a.png", np.dstack([color, disc]))
    save(tmp_path / "images" / "a.png", noise_image(0, 64))
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "binary" and not dataset.problems
    assert dataset.class_pixels() == [64 * 64 - int((disc > 0).sum()), int((disc > 0).sum())]


def test_gray_alpha_instance_ids_keep_their_values(tmp_path: Path) -> None:
    ids = numbered_discs(12, seed=2)
    save(tmp_path / "masks" / "a.png", np.dstack([ids, np.where(ids > 0, 255, 0).astype(np.uint8)]))
    save(tmp_path / "images" / "a.png", noise_image(0))
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "instances"
    assert dataset.class_pixels() == [int((ids == 0).sum()), int((ids > 0).sum())]


# --- case 5: anti-aliased binary masks ----------------------------------------------------------
def _antialiased_disc(size: int = 64, radius: float = 18.5) -> np.ndarray:
    big = Image.new("L", (size * 4, size * 4), 0)
    centre = size * 2
    ImageDraw.Draw(big).ellipse([centre - radius * 4, centre - radius * 4,
                                 centre + radius * 4, centre + radius * 4], fill=255)
    return np.asarray(big.resize((size, size), Image.Resampling.BOX))


def test_antialiased_binary_masks_are_snapped(tmp_path: Path) -> None:
    masks = [_antialiased_disc(radius=r) for r in (14.5, 18.5, 22.5)]
    for index, mask in enumerate(masks):
        save(tmp_path / "images" / f"{index}.png", noise_image(index, 64))
        save(tmp_path / "masks" / f"{index}.png", mask)
    assert len(np.unique(masks[1])) == 17  # 15 in-between values on the edge
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "binary" and not dataset.problems
    truth = sum(int((m >= 128).sum()) for m in masks)
    assert dataset.class_pixels() == [3 * 64 * 64 - truth, truth]
    assert any("3 masks have blended (anti-aliased) edges" in n for n in dataset.notes)
    labels = FullImageDataset(dataset, "train", 1)
    for item in labels:
        assert set(item.mask.unique().tolist()) == {0, 1}


def test_a_thin_class_between_two_others_is_not_taken_for_blending(tmp_path: Path) -> None:
    mask = np.zeros((64, 64), np.uint8)
    mask[:, 32:] = 2
    mask[:, 31] = 1  # one-pixel line class between 0 and 2
    save(tmp_path / "images" / "a.png", noise_image(0, 64))
    save(tmp_path / "masks" / "a.png", mask)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "labels" and dataset.class_pixels() == [31 * 64, 64, 32 * 64]


# --- case 6: class ids keep the order of the values -----------------------------------------
def test_values_0_1_2_255_keep_their_order(tmp_path: Path) -> None:
    mask = np.zeros((64, 64), np.uint8)
    mask[:40] = 255          # the largest region
    mask[40:50, :10] = 1     # the smallest
    mask[50:, :] = 2
    save(tmp_path / "images" / "a.png", noise_image(0, 64))
    save(tmp_path / "masks" / "a.png", mask)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "colors" and dataset.decoder.table == (0, 1, 2, 255)
    assert dataset.class_pixels() == [10 * 54, 100, 14 * 64, 40 * 64]
    assert dataset.ignore_index is None
    assert [c.color for c in dataset.classes][1] == (1, 1, 1)
    item = FullImageDataset(dataset, "train", 1)[0]
    assert item.mask[45, 5] == 1 and item.mask[60, 0] == 2 and item.mask[0, 0] == 3


# --- case 7: the ignore value ---------------------------------------------------------------------
def _voc_class_masks(folder: Path) -> tuple[list[int], int]:
    """VOC SegmentationClass style: palette PNGs, person (15) and bottle (5), void border."""
    pixels, border = [0] * 16, 0
    for index in range(3):
        ids = np.zeros((96, 96), np.uint8)
        ids[10:50, 10:40] = 15
        ids[60:90, 50:70 + 5 * index] = 5
        voc = with_void_border(ids, width=2)
        border += int((voc == 255).sum())
        for value in (0, 5, 15):
            pixels[value] += int((voc == value).sum())
        save(folder / "images" / f"{index}.jpg", noise_image(index, channels=3))
        save_palette(folder / "masks" / f"{index}.png", voc, voc_palette())
    return pixels, border


def test_voc_void_border_is_ignored(tmp_path: Path) -> None:
    pixels, border = _voc_class_masks(tmp_path)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "palette" and dataset.num_classes == 16
    assert dataset.ignore_index == IGNORE_INDEX and dataset.ignored_pixels() == border
    assert dataset.class_pixels() == pixels
    assert dataset.classes[15].color == (192, 128, 128)
    assert dataset.detected_mask() == {"kind": "palette", "ignore": 255}
    items = list(FullImageDataset(dataset, "train", 3)) + list(FullImageDataset(dataset, "val", 3))
    items += list(FullImageDataset(dataset, "test", 3))
    assert sum(int((i.mask == IGNORE_INDEX).sum()) for i in items) == border
    assert all(i.mask.dtype.is_floating_point is False and i.image.shape == (3, 96, 96)
               for i in items)


def test_ignore_none_makes_255_a_class(tmp_path: Path) -> None:
    _voc_class_masks(tmp_path)
    dataset = scan({**FOLDERS, "mask": {"kind": "auto", "ignore": "none"}}, tmp_path)
    assert dataset.ignore_index is None and dataset.num_classes == 256


def test_thin_foreground_of_a_binary_mask_is_not_ignored(tmp_path: Path) -> None:
    mask = np.zeros((64, 64), np.uint8)
    mask[::8, :] = 255  # vessel-like thin lines: the foreground
    save(tmp_path / "images" / "a.png", noise_image(0, 64))
    save(tmp_path / "masks" / "a.png", mask)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "binary" and dataset.ignore_index is None
    assert dataset.class_pixels() == [56 * 64, 8 * 64]


def test_an_ignore_value_set_by_the_person(tmp_path: Path) -> None:
    mask = np.zeros((32, 32), np.uint8)
    mask[:10] = 1
    mask[10:20] = 7  # "unsure" in this person's masks
    save(tmp_path / "images" / "a.png", noise_image(0, 32))
    save(tmp_path / "masks" / "a.png", mask)
    dataset = scan({**FOLDERS, "mask": {"kind": "binary", "ignore": 7}}, tmp_path)
    assert dataset.ignore_index == IGNORE_INDEX and dataset.ignored_pixels() == 320
    assert dataset.class_pixels() == [12 * 32, 320] and not dataset.problems


# --- case 8: every page of a stack --------------------------------------------------------------
def test_every_page_size_of_a_stack_is_compared(tmp_path: Path) -> None:
    pages = [noise_image(i, 32) for i in range(3)]
    save_stack(tmp_path / "images" / "s.tif", pages[:2] + [noise_image(3, 40)])
    save_stack(tmp_path / "masks" / "s.tif", [scene(i)[1] for i in range(3)])
    dataset = scan(FOLDERS, tmp_path)
    assert _messages(dataset) == {
        "masks/s.tif": "mask page 3 is 32x32 but page 3 of its image images/s.tif is 40x40 "
                       "(of 3 pages)",
        "images + masks": "the only pair cannot be used: nothing is left to train on"}


def test_stack_pages_of_different_sizes_are_read_at_their_size(tmp_path: Path) -> None:
    masks = [scene(0, 32)[1], scene(1, 48)[1]]
    save_stack(tmp_path / "images" / "s.tif", [noise_image(0, 32), noise_image(1, 48)])
    save_stack(tmp_path / "masks" / "s.tif", masks)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert not dataset.problems
    items = list(FullImageDataset(dataset, "train", 1))
    assert [i.name for i in items] == ["images/s.tif#1", "images/s.tif#2"]
    assert [tuple(i.mask.shape) for i in items] == [(32, 32), (48, 48)]
    assert items[1].mask.numpy().tolist() == masks[1].tolist()


# --- case 9: files that are not images; a blank CSV row --------------------------------------
def test_readme_and_labels_json_are_notes_not_problems(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=3)
    (tmp_path / "images" / "README.md").write_text("about", encoding="utf-8")
    (tmp_path / "masks" / "labels.json").write_text("{}", encoding="utf-8")
    dataset = scan(FOLDERS, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 3
    assert ("images: 1 file is not an image (.png, .jpg, .jpeg, .tif, .tiff, .bmp) and left "
            "out: images/README.md") in dataset.notes
    assert any(n.startswith("masks: 1 file is not an image") for n in dataset.notes)


def test_a_trailing_comma_line_in_a_csv_is_left_out(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    (tmp_path / "pairs.csv").write_text("image,mask\nimages/000.png,masks/000.png\n"
                                        "images/001.png,masks/001.png\n,\n", encoding="utf-8")
    dataset = scan({"source": "csv", "csv": "pairs.csv"}, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 2
    assert "pairs.csv: line 4 holds only commas (no file names): left out" in dataset.notes


def test_training_is_not_blocked_by_a_readme(tmp_path: Path) -> None:
    from app.project import Project
    from components.graph import GraphDocument

    label_pairs(tmp_path, count=4)
    (tmp_path / "masks" / "README.txt").write_text("x", encoding="utf-8")
    graph = GraphDocument()
    graph.add_node("Input", settings={"channels": 3, "height": 32, "width": 32}, node_id="input")
    graph.add_node("Target", settings={"classes": 3}, node_id="target")
    project = Project("p", graph, dict(FOLDERS), path=tmp_path / "p.json")
    assert len(check_ready(project).pairs) == 4
