"""Bad input: each case gives a message naming the file; training refuses unreported ones."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from app.data import images, pairing, sources
from app.data.problems import DataProblemsError, ScanCancelled
from app.data.scan import check_ready, problem_keys, scan
from app.project import Project
from components.graph import GraphDocument
from test_data_fixtures import huge_png, label_pairs, save, save_stack, scene

FOLDERS = {"source": "folders", "images": "images", "masks": "masks"}


def _messages(dataset) -> dict[str, str]:
    return {p.file: p.message for p in dataset.problems}


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    dataset = scan(FOLDERS, tmp_path)
    assert [str(p) for p in dataset.problems] == [
        "images: no image files in this folder (looked for .png, .jpg, .jpeg, .tif, .tiff, .bmp)"]
    assert not dataset.problems[0].skippable


def test_folder_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "masks").mkdir()
    dataset = scan({**FOLDERS, "images": "nowhere"}, tmp_path)
    assert _messages(dataset) == {"nowhere": "images folder not found"}


def test_both_folders_missing_are_both_reported(tmp_path: Path) -> None:
    """Only the images folder was named when both were missing (issue 14, item 3)."""
    dataset = scan({**FOLDERS, "images": "nowhere", "masks": "nomasks"}, tmp_path)
    assert _messages(dataset) == {"nowhere": "images folder not found",
                                  "nomasks": "masks folder not found"}


def test_orphans_on_both_sides(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=3)
    save(tmp_path / "images" / "lonely.png", scene(5)[0])
    save(tmp_path / "masks" / "stray_mask.png", scene(6)[1])
    dataset = scan(FOLDERS, tmp_path)
    messages = _messages(dataset)
    assert messages["images/lonely.png"].startswith("image without a mask")
    assert messages["masks/stray_mask.png"].startswith("mask without an image")
    assert len(dataset.pairs) == 3 and all(p.skippable for p in dataset.problems)


def test_corrupt_truncated_and_non_image_files(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=4)
    truncated = tmp_path / "images" / "001.png"
    truncated.write_bytes(truncated.read_bytes()[:200])
    (tmp_path / "masks" / "002.png").write_text("not a picture", encoding="utf-8")
    (tmp_path / "images" / "readme.txt").write_text("notes", encoding="utf-8")
    dataset = scan(FOLDERS, tmp_path)
    messages = _messages(dataset)
    assert "truncated" in messages["images/001.png"] or "corrupt" in messages["images/001.png"]
    assert messages["masks/002.png"].startswith("not an image file Pillow can read")
    assert "images/readme.txt" not in messages  # a note, not a problem (issue 9, case 9)
    assert any("readme.txt" in note for note in dataset.notes)
    assert [p.key for p in dataset.pairs] == ["images/000.png", "images/003.png"]


def test_mask_size_differs_from_image(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    save(tmp_path / "masks" / "001.png", np.zeros((20, 30), np.uint8))
    dataset = scan(FOLDERS, tmp_path)
    assert _messages(dataset) == {"masks/001.png": "mask is 30x20 but its image images/001.png "
                                                   "is 32x32"}


def test_page_count_differs(tmp_path: Path) -> None:
    save_stack(tmp_path / "images" / "s.tif", [scene(i)[0][..., 0] for i in range(3)])
    save_stack(tmp_path / "masks" / "s.tif", [scene(i)[1] for i in range(2)])
    dataset = scan(FOLDERS, tmp_path)
    assert "mask has 2 pages but its image images/s.tif has 3" in str(dataset.problems)


def test_huge_and_tiny_images(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    huge_png(tmp_path / "images" / "huge.png", 20000, 20000)
    save(tmp_path / "masks" / "huge.png", np.zeros((8, 8), np.uint8))
    save(tmp_path / "images" / "dot.png", np.zeros((1, 1, 3), np.uint8))
    save(tmp_path / "masks" / "dot.png", np.zeros((1, 1), np.uint8))
    messages = _messages(scan(FOLDERS, tmp_path))
    assert "too large to decode safely (400,000,000 pixels" in messages["images/huge.png"]
    assert messages["images/dot.png"] == "image is only 1x1 pixels; the smallest usable size is 8x8"


def test_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated (tests may run as root, who can read a chmod 000 file)."""
    label_pairs(tmp_path, count=2)
    locked = tmp_path / "images" / "001.png"
    real_open = images.Image.open

    def guarded(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(images.Image, "open", guarded)
    assert _messages(scan(FOLDERS, tmp_path)) == {
        "images/001.png": "permission denied: the file cannot be read"}


def test_unreadable_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    label_pairs(tmp_path, count=1)
    monkeypatch.setattr(pairing.os, "access", lambda path, mode: Path(path).name != "masks")
    dataset = scan(FOLDERS, tmp_path)
    assert _messages(dataset) == {"masks": "permission denied: the masks folder cannot be read"}


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading")
def test_really_unreadable_file(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    locked = tmp_path / "masks" / "000.png"
    locked.chmod(0)
    try:
        assert "permission denied" in _messages(scan(FOLDERS, tmp_path))["masks/000.png"]
    finally:
        locked.chmod(0o644)


def _csv(tmp_path: Path, text: str) -> dict:
    label_pairs(tmp_path, count=3)
    (tmp_path / "pairs.csv").write_text(text, encoding="utf-8")
    return {"source": "csv", "csv": "pairs.csv"}


def test_csv_without_the_named_columns(tmp_path: Path) -> None:
    data = _csv(tmp_path, "img,msk\nimages/000.png,masks/000.png\n")
    assert _messages(scan(data, tmp_path)) == {
        "pairs.csv": "no column named 'image' or 'mask' (columns: img, msk)"}


def test_csv_with_empty_cell_and_missing_file(tmp_path: Path) -> None:
    data = _csv(tmp_path, "image,mask\nimages/000.png,masks/000.png\nimages/001.png,\n"
                          "images/002.png,masks/nope.png\n")
    dataset = scan(data, tmp_path)
    assert _messages(dataset) == {"pairs.csv, line 3": "empty 'mask' cell",
                                  "masks/nope.png": "file not found"}
    assert len(dataset.pairs) == 1


def test_csv_that_does_not_exist(tmp_path: Path) -> None:
    assert _messages(scan({"source": "csv", "csv": "gone.csv"}, tmp_path)) == {
        "gone.csv": "CSV file not found"}


def test_all_pairs_bad_leaves_nothing(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=2)
    for name in ("000.png", "001.png"):
        (tmp_path / "masks" / name).write_bytes(b"junk")
    dataset = scan(FOLDERS, tmp_path)
    assert any("none of the 2 pairs can be used" in p.message for p in dataset.unreported)


def _project(tmp_path: Path, data: dict, classes: int = 3) -> Project:
    graph = GraphDocument()
    graph.add_node("Input", settings={"channels": 3, "height": 32, "width": 32}, node_id="input")
    graph.add_node("Target", settings={"classes": classes}, node_id="target")
    return Project("t", graph, data, path=tmp_path / "p.json")


def test_training_refuses_unreported_problems_until_skipped(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=4)
    save(tmp_path / "masks" / "003.png", np.zeros((10, 10), np.uint8))
    project = _project(tmp_path, dict(FOLDERS))
    with pytest.raises(DataProblemsError) as error:
        check_ready(project)
    assert "masks/003.png: mask is 10x10" in str(error.value)
    project.data["skip"] = problem_keys(scan(project.data, tmp_path).problems)
    assert project.data["skip"] == ["images/003.png"]
    dataset = check_ready(project)
    assert len(dataset.pairs) == 3 and dataset.skipped == ["images/003.png"]


def test_training_refuses_a_target_that_does_not_fit(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=3)
    expected = "Target 'target': has 2 classes but the data has 3"
    with pytest.raises(DataProblemsError, match=expected):
        check_ready(_project(tmp_path, dict(FOLDERS), classes=2))


def test_scan_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=70, size=16)
    seen: list[tuple[int, int, str]] = []
    scan(FOLDERS, tmp_path, progress=lambda *args: seen.append(args))
    reads = [(d, t) for d, t, m in seen if m == "Reading images and masks"]
    assert reads[-1] == (70, 70) and [d for d, _ in reads] == sorted(d for d, _ in reads)
    cancel = threading.Event()

    def stop_after_first_chunk(done: int, total: int, message: str) -> None:
        if done:
            cancel.set()

    with pytest.raises(ScanCancelled):
        scan(FOLDERS, tmp_path, progress=stop_after_first_chunk, cancel=cancel)


def test_missing_nuclei_sample_falls_back_to_shapes(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "SAMPLE_DATA", tmp_path / "nothing-here")
    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(sources, "SHAPES_COUNT", 12)
    classes = [{"name": n, "color": [i, i, i]} for i, n in
               enumerate(["background", "nucleus", "micronucleus"])]
    data = {"source": "demo", "name": "nuclei", "split": "folders", "classes": classes,
            "mask": {"kind": "palette"}}
    dataset = scan(data, tmp_path)
    assert "nuclei sample is not installed" in dataset.notes[0] and "make data" in dataset.notes[0]
    assert dataset.num_classes == 3 and not dataset.problems and len(dataset.pairs) == 12
    assert [c.name for c in dataset.classes] == ["background", "disc", "square"]
