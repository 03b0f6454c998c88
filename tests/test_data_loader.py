"""Dataset, cache and DataLoader: resizing, tiling, shared cache, worker processes, augmentation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from app.data import dataset as dataset_module
from app.data.augment import Augmenter
from app.data.cache import SampleCache
from app.data.dataset import SegmentationDataset, close_loader, make_cache, make_loader
from app.data.preview import augmented, thumbnails
from app.data.scan import scan
from app.data.spec import AUGMENTATIONS
from test_data_fixtures import label_pairs, save

FOLDERS = {"source": "folders", "images": "images", "masks": "masks", "split": [1.0, 0.0, 0.0]}


def test_samples_are_resized_floats_and_class_ids(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=3, size=40)
    data = SegmentationDataset(scan(FOLDERS, tmp_path), "train", 3, (24, 16))
    image, mask = data[0]
    assert image.shape == (3, 24, 16) and image.dtype == torch.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert mask.shape == (24, 16) and mask.dtype == torch.int64
    assert set(mask.unique().tolist()) <= {0, 1, 2}
    gray = SegmentationDataset(scan(FOLDERS, tmp_path), "train", 1, (24, 16))
    assert gray[0][0].shape == (1, 24, 16)


def test_tiles_cover_large_images(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 255, (50, 70), np.uint8)
    mask = (image > 128).astype(np.uint8)
    save(tmp_path / "images" / "big.png", image)
    save(tmp_path / "masks" / "big.png", mask)
    dataset = scan({**FOLDERS, "fit": "tile"}, tmp_path)
    data = SegmentationDataset(dataset, "train", 1, (32, 32))
    assert len(data) == 2 * 3  # rows start at 0, 18; columns at 0, 19, 38
    tile_image, tile_mask = data[4]  # second row, middle column
    assert torch.allclose(tile_image[0], torch.from_numpy(image[18:50, 19:51] / 255.0).float(),
                          atol=1 / 255)
    assert torch.equal(tile_mask, torch.from_numpy(mask[18:50, 19:51]).long())


def test_sixteen_bit_images_are_cached_as_float16(tmp_path: Path) -> None:
    ramp = np.linspace(0, 4000, 32 * 32).reshape(32, 32).astype(np.uint16)
    save(tmp_path / "images" / "a.png", ramp)
    save(tmp_path / "masks" / "a.png", (ramp > 2000).astype(np.uint8))
    data = SegmentationDataset(scan(FOLDERS, tmp_path), "train", 1, (32, 32))
    assert data.image_dtype == torch.float16
    cache = make_cache(data, memory_cap=1 << 20, folder=tmp_path / "cache")
    first = data[0][0]
    assert cache.filled() == 1 and torch.allclose(data[0][0], first)


def test_cache_keeps_to_its_memory_cap_and_spills_to_disk(tmp_path: Path) -> None:
    record = 3 * 8 * 8 + 8 * 8
    cache = SampleCache(10, (3, 8, 8), torch.uint8, memory_cap=4 * record + 10 + 5,
                        folder=tmp_path)  # 10 'filled' bytes count against the cap
    assert cache.in_memory == 4 and cache.on_disk == 6
    assert cache.memory_bytes == 4 * record + 10 and cache.disk_bytes == 6 * record
    for index in (1, 7):
        image = torch.full((3, 8, 8), index, dtype=torch.uint8)
        cache.put(index, image, torch.full((8, 8), index + 1, dtype=torch.uint8))
    assert cache.get(0) is None and cache.filled() == 2
    assert cache.get(7)[0].unique().tolist() == [7] and cache.get(7)[1].unique().tolist() == [8]
    assert cache.get(1)[1].unique().tolist() == [2]
    folder = cache.folder
    assert folder is not None and folder.is_dir()
    cache.close()
    assert not folder.exists()


def test_second_epoch_does_not_decode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    label_pairs(tmp_path, count=6, size=16)
    loader = make_loader(scan(FOLDERS, tmp_path), "train", 3, (16, 16), batch_size=4, workers=0,
                         memory_cap=2 * (3 * 256 + 256) + 6, cache_folder=tmp_path / "cache")
    first = [batch for batch in loader]
    calls = []
    real = dataset_module.read_image
    monkeypatch.setattr(dataset_module, "read_image", lambda *a: calls.append(a) or real(*a))
    second = [batch for batch in loader]
    assert not calls and loader.dataset.cache.on_disk == 4  # memory and disk records both used
    assert sum(len(b[0]) for b in first) == sum(len(b[0]) for b in second) == 6


def test_worker_processes_fill_one_shared_cache(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=8, size=16)
    loader = make_loader(scan(FOLDERS, tmp_path), "train", 3, (16, 16), batch_size=2, workers=2,
                         cache_folder=tmp_path / "cache")
    try:
        seen = sum(len(images) for images, _ in loader)
        assert seen == 8 and loader.dataset.cache.filled() == 8  # visible in the main process
    finally:
        close_loader(loader)


def _blocks(count: int, size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    masks = torch.zeros(count, size, size, dtype=torch.long)
    masks[:, 10:30, 12:50] = 1
    masks[:, 36:60, 4:28] = 2
    return (masks.float() / 2)[:, None], masks


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_each_augmentation_moves_image_and_mask_together(name: str) -> None:
    images, masks = _blocks(6)
    torch.manual_seed(1)
    out_images, out_masks = Augmenter({name: True}, (64, 64))(images, masks)
    assert out_images.shape == images.shape and out_masks.shape == masks.shape
    assert out_masks.dtype == torch.long and set(out_masks.unique().tolist()) <= {0, 1, 2}
    if name in ("intensity", "noise"):
        assert torch.equal(out_masks, masks)
    else:  # the image was drawn from its mask, so they must still agree (edges aside)
        agree = (out_images[:, 0] * 2).round().long() == out_masks
        assert agree.float().mean() > 0.97


def test_augmentation_is_repeatable_with_a_seed() -> None:
    images, masks = _blocks(4)
    options = {name: True for name in AUGMENTATIONS}
    torch.manual_seed(3)
    first = Augmenter(options, (64, 64))(images, masks)
    torch.manual_seed(3)
    second = Augmenter(options, (64, 64))(images, masks)
    assert torch.equal(first[1], second[1]) and torch.allclose(first[0], second[0])


def test_previews_for_the_wizard(tmp_path: Path) -> None:
    label_pairs(tmp_path, count=5, size=40)
    dataset = scan({**FOLDERS, "split": [0.6, 0.2, 0.2]}, tmp_path)
    pictures = thumbnails(dataset, count=4, box=20)
    rgb = pictures[0].rgb([c.color for c in dataset.classes])
    assert len(pictures) == 4 and rgb.shape == (20, 20, 3) and rgb.dtype == np.uint8
    assert {p.split for p in pictures} == {"train", "val", "test"}
    versions = augmented(dataset, {"flip": True, "elastic": True}, 3, (32, 32), count=3)
    rgb = versions[0].rgb([c.color for c in dataset.classes])
    assert len(versions) == 3 and rgb.shape == (32, 32, 3) and rgb.dtype == np.uint8


def test_project_loaders_for_training(tmp_path: Path) -> None:
    from app.data.dataset import project_loaders
    from app.data.problems import DataProblemsError
    from app.project import Project
    from components.graph import GraphDocument

    label_pairs(tmp_path, count=10, size=24)
    graph = GraphDocument()
    graph.add_node("Input", settings={"channels": 1, "height": 16, "width": 16}, node_id="input")
    graph.add_node("Target", settings={"classes": 3}, node_id="target")
    data = {"source": "folders", "images": "images", "masks": "masks", "augment": {"flip": True}}
    project = Project("p", graph, data, path=tmp_path / "p.json")
    loaders = project_loaders(project, batch_size=4, workers=0, memory_cap=1 << 20)
    try:
        assert set(loaders) == {"train", "val", "test"}
        images, masks = next(iter(loaders["train"]))
        assert images.shape == (4, 1, 16, 16) and masks.shape == (4, 16, 16)
        assert sum(len(loader.dataset) for loader in loaders.values()) == 10
    finally:
        for loader in loaders.values():
            close_loader(loader)
    (tmp_path / "masks" / "004.png").write_bytes(b"bad")
    with pytest.raises(DataProblemsError, match="masks/004.png"):
        project_loaders(project, workers=0)
