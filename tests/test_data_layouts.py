"""Layouts: paired folders (with suffixes), train/val/test folders, CSV."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from app.data.pairing import pair_folders, stem_key
from app.data.scan import scan
from test_data_fixtures import label_pairs, save, save_stack, scene


def test_stems_pair_with_usual_suffixes(tmp_path: Path) -> None:
    names = [("cat.jpg", "cat.png"), ("dog.png", "dog_mask.png"), ("001_img.png", "001_masks.png"),
             ("Bird.tif", "bird-label.png"), ("sub/x.png", "sub/x_gt.png")]
    for image, mask in names:
        save(tmp_path / "images" / image, scene(0)[0])
        save(tmp_path / "masks" / mask, scene(0)[1])
    pairing = pair_folders(tmp_path / "images", tmp_path / "masks", tmp_path)
    assert not pairing.problems
    found = {(p.image.relative_to(tmp_path / "images").as_posix(),
              p.mask.relative_to(tmp_path / "masks").as_posix()) for p in pairing.pairs}
    assert found == set(names)
    assert stem_key(Path("a/001_img.png")) == stem_key(Path("a/001_masks.png")) == ("a", "001")


def test_images_and_masks_in_one_folder(tmp_path: Path) -> None:
    for i in range(3):
        save(tmp_path / "data" / f"{i}.jpg", scene(i)[0])
        save(tmp_path / "data" / f"{i}_mask.png", scene(i)[1])
    dataset = scan({"source": "folders", "images": "data", "masks": "data"}, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 3


def test_two_folders_with_fraction_split(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=20)
    data = {"source": "folders", "images": "images", "masks": "masks", "split": [0.6, 0.2, 0.2]}
    dataset = scan(data, tmp_path)
    counts = dataset.counts()
    assert (counts["train"]["pairs"], counts["val"]["pairs"], counts["test"]["pairs"]) == (12, 4, 4)
    again = scan(data, tmp_path)
    assert [p.split for p in again.pairs] == [p.split for p in dataset.pairs]
    reseeded = scan({**data, "seed": 5}, tmp_path)
    assert [p.split for p in reseeded.pairs] != [p.split for p in dataset.pairs]


def test_rare_class_reaches_every_split(tmp_path: Path) -> None:
    for i in range(30):
        mask = np.zeros((16, 16), np.uint8)
        mask[2:6, 2:6] = 1
        if i % 10 == 3:  # class 2 in only 3 of 30 pairs
            mask[8:12, 8:12] = 2
        save(tmp_path / "images" / f"{i:02d}.png", np.full((16, 16), i * 8, np.uint8))
        save(tmp_path / "masks" / f"{i:02d}.png", mask)
    dataset = scan({"source": "folders", "images": "images", "masks": "masks"}, tmp_path)
    assert all(dataset.pairs_with_class(split)[2] == 1 for split in ("train", "val", "test"))


def test_split_folders_keep_the_persons_split(tmp_path: Path) -> None:
    for split, count in (("train", 4), ("val", 2), ("test", 1)):
        label_pairs(tmp_path / split, count=count)
    dataset = scan({"source": "folders", "root": ".", "split": "folders"}, tmp_path)
    assert {s: c["pairs"] for s, c in dataset.counts().items()} == {"train": 4, "val": 2, "test": 1}
    assert dataset.pairs[0].key.startswith("test/images/") or dataset.pairs[0].split


def test_split_sub_folders_inside_images_and_masks(tmp_path: Path) -> None:
    for split, count in (("train", 3), ("validation", 1)):
        for i in range(count):
            image, mask = scene(i)
            save(tmp_path / "imgs" / split / f"{i}.png", image)
            save(tmp_path / "lbls" / split / f"{i}.png", mask)
    dataset = scan({"source": "folders", "images": "imgs", "masks": "lbls", "split": "folders"},
                   tmp_path)
    assert {s: c["pairs"] for s, c in dataset.counts().items()} == {"train": 3, "val": 1, "test": 0}
    assert any("no test/ sub-folder" in note for note in dataset.notes)


def test_split_folders_without_train(tmp_path: Path) -> None:
    label_pairs(tmp_path / "val", count=2)
    dataset = scan({"source": "folders", "root": ".", "split": "folders"}, tmp_path)
    assert [p.message for p in dataset.unreported] == [
        "no train/ sub-folder: a folder that keeps its own split needs train/ (and val/, test/)"]


def test_csv_layout_with_named_columns(tmp_path: Path) -> None:
    label_pairs(tmp_path / "d", count=5)
    rows = "\n".join(f"images/{i:03d}.png,masks/{i:03d}.png" for i in range(5))
    (tmp_path / "d" / "list.csv").write_text(f"picture,label\n{rows}\n", encoding="utf-8")
    data = {"source": "csv", "csv": "d/list.csv", "image_column": "picture", "mask_column": "label"}
    dataset = scan(data, tmp_path)
    assert not dataset.problems and len(dataset.pairs) == 5
    assert dataset.pairs[0].key == "d/images/000.png"


def test_multi_page_stacks_give_one_sample_a_page(tmp_path: Path) -> None:
    pages = [scene(i)[0][..., 0] for i in range(3)]
    masks = [scene(i)[1] for i in range(3)]
    save_stack(tmp_path / "images" / "s.tif", pages)
    save_stack(tmp_path / "masks" / "s.tif", masks)
    dataset = scan({"source": "folders", "images": "images", "masks": "masks",
                    "split": [1.0, 0.0, 0.0]}, tmp_path)
    assert not dataset.problems and dataset.counts()["train"] == {"pairs": 1, "pages": 3}
