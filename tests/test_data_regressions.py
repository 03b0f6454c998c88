"""Regressions from the data layer's review: each test is one defect that was found.

JPEG masks read as instances, decode failures in the loader without the file's
name, the loader's re-raised problems, Windows paths in a CSV, ...
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from app.data.dataset import SegmentationDataset, close_loader, make_loader
from app.data.lossy import merge_near
from app.data.masks import pack, unpack
from app.data.problems import DataProblemsError, Problem
from app.data.scan import scan
from test_data_fixtures import label_pairs, save, scene

FOLDERS = {"source": "folders", "images": "images", "masks": "masks"}
TABLE = np.array([(0, 0, 0), (255, 0, 0), (0, 0, 255), (0, 200, 0)], np.uint8)


def _labels(index: int, size: int = 64) -> np.ndarray:
    return scene(index, size, classes=4)[1]


def _jpeg_masks(folder: Path, gray: bool = False, count: int = 4) -> list[np.ndarray]:
    truths = []
    for index in range(count):
        labels = _labels(index)
        save(folder / "images" / f"{index}.png", scene(index, 64, classes=4)[0])
        mask = ((labels > 0) * 255).astype(np.uint8) if gray else TABLE[labels]
        save(folder / "masks" / f"{index}_mask.jpg", mask, quality=85)
        truths.append((labels > 0).astype(np.int64) if gray else labels.astype(np.int64))
    return truths


def test_jpeg_colour_masks_keep_their_colour_table(tmp_path: Path) -> None:
    """JPEG artefacts made hundreds of colours, taken for instance ids (one foreground)."""
    truths = _jpeg_masks(tmp_path)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert dataset.decoder.kind == "colors" and not dataset.problems
    found = np.array([unpack(code) for code in dataset.decoder.table])
    assert len(found) == len(TABLE) and dataset.decoder.table[0] == 0
    for colour in TABLE:  # red, blue, black exactly; green (0, 200, 0) within JPEG's error
        assert np.abs(found - colour).max(axis=1).min() <= 8
    assert any("JPEG" in note for note in dataset.notes)
    order = [int(np.abs(found - colour).max(axis=1).argmin()) for colour in TABLE]
    data = SegmentationDataset(dataset, "train", 3, (64, 64))
    for index, truth in enumerate(truths):
        mask = data[index][1].numpy()
        assert (mask == np.array(order)[truth]).mean() > 0.95  # blended edges may differ


def test_jpeg_gray_masks_are_binary(tmp_path: Path) -> None:
    truths = _jpeg_masks(tmp_path, gray=True)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert dataset.decoder.kind == "binary" and not dataset.problems
    data = SegmentationDataset(dataset, "train", 3, (64, 64))
    assert (data[0][1].numpy() == truths[0]).mean() > 0.97


def test_merging_keeps_a_small_flat_class_and_drops_edge_blends() -> None:
    counts = {0: 5000, pack((255, 0, 0)): 3000, pack((254, 1, 0)): 40, pack((0, 0, 60)): 90,
              pack((0, 200, 0)): 60}
    flat = {0: 4800, pack((255, 0, 0)): 2900, pack((0, 200, 0)): 40}
    merged = merge_near(counts, "color", candidates=flat)
    assert merged == {0: 5090, pack((255, 0, 0)): 3040, pack((0, 200, 0)): 60}


def test_png_masks_are_not_snapped(tmp_path: Path) -> None:
    """Only lossy files are snapped: a stray value in a PNG is still a problem."""
    label_pairs(tmp_path, count=3)
    mask = scene(1)[1].copy()
    mask[0, 0] = 9
    save(tmp_path / "masks" / "001.png", mask)
    dataset = scan({**FOLDERS, "classes": [{"name": n, "color": [0, 0, 0]} for n in "abc"]},
                   tmp_path)
    assert [p.file for p in dataset.problems] == ["masks/001.png"]


def test_loader_names_a_file_that_broke_after_the_scan(tmp_path: Path) -> None:
    """A raw UnidentifiedImageError (no file name) came out of the loader."""
    label_pairs(tmp_path, count=3)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    (tmp_path / "images" / "001.png").write_bytes(b"garbage")
    (tmp_path / "masks" / "002.png").unlink()
    data = SegmentationDataset(dataset, "train", 3, (32, 32))
    with pytest.raises(DataProblemsError) as caught:
        data[1]
    assert caught.value.problems[0].file == "images/001.png"
    assert "not an image file Pillow can read" in str(caught.value)
    with pytest.raises(DataProblemsError, match="masks/002.png: file not found"):
        data[2]


def test_problems_error_survives_the_worker_round_trip() -> None:
    """torch re-raises a worker's exception as type(text): the text must stay whole."""
    original = DataProblemsError([Problem("masks/a.png", "file not found", "images/a.png")])
    again = DataProblemsError(str(original))
    assert str(again) == str(original) and again.problems == []


def test_worker_process_reports_the_file(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    (tmp_path / "masks" / "001.png").write_bytes(b"garbage")
    loader = make_loader(dataset, "train", 3, (32, 32), 2, workers=1, shuffle=False,
                         cache_folder=tmp_path / "cache")
    try:
        with pytest.raises(DataProblemsError, match="masks/001.png: not an image file"):
            for _ in loader:
                pass
    finally:
        close_loader(loader)


def test_csv_with_windows_paths(tmp_path: Path) -> None:
    for index in range(2):
        image, mask = scene(index)
        save(tmp_path / "d" / "imgs" / f"{index}.png", image)
        save(tmp_path / "d" / "msks" / f"{index}.png", mask)
    (tmp_path / "d" / "pairs.csv").write_text(
        '\ufeffimage,mask\n"imgs\\0.png","msks\\0.png"\nimgs\\1.png,msks\\1.png\n',
        encoding="utf-8")
    dataset = scan({"source": "csv", "csv": "d/pairs.csv", "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert not dataset.problems and [p.key for p in dataset.pairs] == ["d/imgs/0.png",
                                                                       "d/imgs/1.png"]
    assert torch.is_tensor(SegmentationDataset(dataset, "train", 3, (32, 32))[0][0])


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_saved_with_semicolons_or_tabs(tmp_path: Path, delimiter: str) -> None:
    """A spreadsheet's semicolon "CSV" read as one column named 'image;mask'."""
    label_pairs(tmp_path, count=2)
    rows = ["image", "mask"], ["images/000.png", "masks/000.png"], ["images/001.png",
                                                                    "masks/001.png"]
    (tmp_path / "pairs.csv").write_text("\ufeff" + "".join(delimiter.join(r) + "\r\n"
                                                           for r in rows), encoding="utf-8")
    dataset = scan({"source": "csv", "csv": "pairs.csv"}, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 2


def test_float_image_with_nan_gives_finite_samples(tmp_path: Path) -> None:
    """No-data pixels (NaN, inf) in a float TIFF made the whole sample NaN."""
    pixels = np.random.default_rng(0).random((32, 32)).astype(np.float32) * 100
    pixels[:4] = np.nan
    pixels[5, 5] = np.inf
    save(tmp_path / "images" / "0.tif", pixels)
    save(tmp_path / "masks" / "0.png", scene(0)[1])
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    image = SegmentationDataset(dataset, "train", 1, (32, 32))[0][0]
    assert torch.isfinite(image).all() and image.max() == 1.0
    assert (image[0, :4] == 0).all() and image[0, 4:].std() > 0.1


def test_label_ids_that_skip_values_are_announced(tmp_path: Path) -> None:
    """Masks with ids 0, 1, 5 silently gave six classes, three of them never seen."""
    for index in range(4):
        mask = np.zeros((32, 32), np.uint8)
        mask[:10] = 1
        mask[20:] = 5 if index % 2 else 0
        save(tmp_path / "images" / f"{index}.png", scene(index)[0])
        save(tmp_path / "masks" / f"{index}.png", mask)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "labels" and dataset.num_classes == 6
    assert any(n.startswith("Mask values 2-4 appear in no mask") and "(0, 1, 5)" in n
               for n in dataset.notes)
    compact = scan({**FOLDERS, "mask": {"kind": "colors"}}, tmp_path)
    assert compact.num_classes == 3 and not compact.problems and not compact.notes


def test_tiling_a_small_image_pads_with_class_0(tmp_path: Path) -> None:
    """The raw mask was padded with 0 (black), no class of a white-background colour
    table: training stopped with 'values outside the class set: colour (0, 0, 0)'."""
    for index in range(2):
        mask = np.full((20, 20, 3), 255, np.uint8)
        mask[5:10, 5:10] = (255, 0, 0)
        mask[12:15, 3:8] = (0, 0, 255)
        save(tmp_path / "images" / f"{index}.png", scene(index, 20)[0])
        save(tmp_path / "masks" / f"{index}.png", mask)
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0], "fit": "tile"}, tmp_path)
    assert dataset.decoder.table[0] == pack((255, 255, 255)) and not dataset.problems
    image, labels = SegmentationDataset(dataset, "train", 3, (32, 32))[0]
    assert labels.shape == (32, 32) and set(labels.unique().tolist()) == {0, 1, 2}
    assert (labels[20:] == 0).all() and (labels[:, 20:] == 0).all() and (image[:, 20:] == 0).all()
    assert (labels[5:10, 5:10] == 2).all()  # colours after the background: by code, blue first
    assert (labels[12:15, 3:8] == 1).all()


def test_project_without_an_input_is_refused_by_name(tmp_path: Path) -> None:
    """project_loaders raised a bare StopIteration for a graph without an Input."""
    from app.data.dataset import project_loaders
    from app.project import Project
    from components.graph import GraphDocument

    label_pairs(tmp_path, count=3)
    graph = GraphDocument()
    graph.add_node("Target", settings={"classes": 3}, node_id="target")
    project = Project("p", graph, dict(FOLDERS), path=tmp_path / "p.json")
    with pytest.raises(DataProblemsError, match="the model: has no Input component"):
        project_loaders(project, workers=0)


def test_palettes_that_disagree_are_reported(tmp_path: Path) -> None:
    """Index 1 red in one mask and blue in the next was silently one class."""
    from test_data_fixtures import save_palette

    black, red, blue = (0, 0, 0), (255, 0, 0), (0, 0, 255)
    for index in range(3):
        save(tmp_path / "images" / f"{index}.png", scene(index)[0])
        palette = [black, red, blue] if index < 2 else [black, blue, red]
        save_palette(tmp_path / "masks" / f"{index}.png", scene(index)[1], palette)
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "palette"
    assert [str(p) for p in dataset.problems] == [
        "masks/2.png: palette index 1 is colour (0, 0, 255) here but (255, 0, 0) in masks/0.png: "
        "an index must mean one class in every mask (save the masks with one palette)"]
    assert [p.key for p in dataset.pairs] == ["images/0.png", "images/1.png"]


def test_mixed_0_1_and_0_255_masks_are_binary(tmp_path: Path) -> None:
    """Some masks 0/1, others 0/255: foreground was split into two classes."""
    for index in range(4):
        foreground = (scene(index)[1] > 0).astype(np.uint8)
        save(tmp_path / "images" / f"{index}.png", scene(index)[0])
        save(tmp_path / "masks" / f"{index}.png", foreground * (255 if index % 2 else 1))
    dataset = scan(FOLDERS, tmp_path)
    assert dataset.decoder.kind == "binary" and not dataset.problems
    both = np.zeros((32, 32), np.uint8)  # a mask holding 0, 1 and 255 together: three classes
    both[:8], both[-8:] = 1, 255
    save(tmp_path / "masks" / "0.png", both)
    assert scan(FOLDERS, tmp_path).decoder.kind == "colors"


def test_exif_rotated_photos_are_read_upright(tmp_path: Path) -> None:
    """A phone stores a portrait photo sideways with an EXIF orientation; the mask was
    drawn on the upright view, so the image must be turned before the size check."""
    from PIL import Image

    from app.data.images import probe, read_image
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    stored = np.zeros((20, 40, 3), np.uint8)  # 40 wide, 20 high as stored
    stored[:, :10] = 255                       # a white band on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6                           # "rotate 90 degrees clockwise to view"
    Image.fromarray(stored).save(tmp_path / "images" / "a.jpg", exif=exif, quality=95)
    mask = np.zeros((40, 20), np.uint8)        # drawn on the upright 20x40 view
    mask[:10] = 1
    Image.fromarray(mask).save(tmp_path / "masks" / "a.png")
    assert (probe(tmp_path / "images" / "a.jpg").width,
            probe(tmp_path / "images" / "a.jpg").height) == (20, 40)
    upright = read_image(tmp_path / "images" / "a.jpg")
    assert upright.shape[:2] == (40, 20)
    assert upright[:10].mean() > 0.9 and upright[20:].mean() < 0.1  # band now on top
    dataset = scan({**FOLDERS, "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert not dataset.problems
