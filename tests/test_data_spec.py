"""The data section: every key validated, unknown keys named, defaults filled in."""
from __future__ import annotations

import json

import pytest

from app.data.spec import DataSpecError, data_problems, default_data, parse_data
from app.paths import DEMO_PROJECT
from app.project import project_from_dict


def test_defaults_are_valid_and_parse() -> None:
    spec = parse_data(default_data())
    assert spec.source == "demo" and spec.name == "shapes" and spec.split == [0.7, 0.15, 0.15]
    assert spec.mask_kind == "auto" and spec.fit == "resize" and spec.skip == frozenset()
    assert spec.augment == {k: False for k in spec.augment}


def test_full_folders_section_parses() -> None:
    data = {"source": "folders", "images": "imgs", "masks": "labels", "split": "folders",
            "seed": 3, "fit": "tile", "skip": ["imgs/a.png"],
            "augment": {"flip": True, "elastic": True},
            "mask": {"kind": "instances", "instances": "boundary"},
            "classes": [{"name": "bg", "color": [0, 0, 0]}, {"name": "cell", "color": [9, 9, 9]},
                        {"name": "edge", "color": [1, 2, 3]}]}
    spec = parse_data(data)
    assert spec.split_folders and spec.fit == "tile" and spec.skip == {"imgs/a.png"}
    assert spec.augment["flip"] and spec.augment["elastic"] and not spec.augment["noise"]
    assert spec.instances == "boundary" and [c.name for c in spec.classes] == ["bg", "cell", "edge"]
    assert spec.classes[2].color == (1, 2, 3)


def test_root_makes_images_and_masks_optional() -> None:
    spec = parse_data({"source": "folders", "root": "data", "split": "folders"})
    assert (spec.images, spec.masks, spec.root) == ("images", "masks", "data")
    assert data_problems({"source": "folders"}) == ["data.images: expected a folder path",
                                                    "data.masks: expected a folder path"]


@pytest.mark.parametrize("data, needle", [
    ({"source": "folders", "images": "i", "masks": "m", "augmnet": {}}, "unknown key 'augmnet'"),
    ({"source": "demo", "name": "shapes", "augment": {"flips": True}}, "unknown key 'flips'"),
    ({"source": "demo", "name": "shapes", "augment": {"flip": 1}}, "data.augment.flip"),
    ({"source": "demo", "name": "shapes", "mask": {"knd": "binary"}}, "unknown key 'knd'"),
    ({"source": "demo", "name": "shapes", "mask": {"kind": "rgb"}}, "data.mask.kind"),
    ({"source": "demo", "name": "shapes", "mask": {"instances": "edges"}}, "data.mask.instances"),
    ({"source": "demo", "name": "shapes", "mask": {"colors": [[0, 0, 0]]}}, "data.mask.colors"),
    ({"source": "demo", "name": "shapes", "mask": {"colors": [[0, 0, 0], [0, 0, 0]]}},
     "appears twice"),
    ({"source": "demo", "name": "shapes", "mask": {"values": [0, 0]}}, "appears twice"),
    ({"source": "demo", "name": "shapes", "classes": [{"name": "a", "color": [0, 0, 0]}]},
     "data.classes"),
    ({"source": "demo", "name": "shapes", "classes": [{"name": "a", "color": [0, 0, 0]},
                                                      {"name": "b", "colour": [1, 1, 1]}]},
     "unknown key 'colour'"),
    ({"source": "demo", "name": "shapes", "classes": [{"name": "", "color": [0, 0, 0]},
                                                      {"name": "b", "color": [1, 1, 300]}]},
     "data.classes[0].name"),
    ({"source": "demo", "name": "shapes", "fit": "crop"}, "data.fit"),
    ({"source": "demo", "name": "shapes", "skip": "a.png"}, "data.skip"),
    ({"source": "csv", "csv": "a.csv", "image_column": ""}, "data.image_column"),
    ({"source": "csv", "csv": "a.csv", "split": "folders"}, "needs the folders source"),
    ({"source": "csv"}, "data.csv"),
    ({"source": "demo", "name": "cats"}, "data.name"),
    ({"source": "demo", "name": "shapes", "split": [0.5, 0.5, 0.5]}, "data.split"),
    ({"source": "demo", "name": "shapes", "seed": -1}, "data.seed"),
])
def test_each_bad_key_is_named(data: dict, needle: str) -> None:
    problems = data_problems(data)
    assert any(needle in p for p in problems), problems
    with pytest.raises(DataSpecError) as error:
        parse_data(data)
    assert needle in str(error.value)


def test_unknown_data_key_fails_the_project_file() -> None:
    project = json.loads(DEMO_PROJECT.read_text(encoding="utf-8"))
    project["data"]["tiling"] = True
    with pytest.raises(Exception) as error:
        project_from_dict(project, "demo.json")
    assert "unknown key 'tiling'" in str(error.value)


def test_demo_project_data_section_fits_the_nuclei_sample() -> None:
    project = project_from_dict(json.loads(DEMO_PROJECT.read_text(encoding="utf-8")))
    spec = parse_data(project.data)
    assert (spec.source, spec.name, spec.split) == ("demo", "nuclei", "folders")
    assert [c.name for c in spec.classes] == ["background", "nucleus", "micronucleus"]
    settings = {n.type: n.settings for n in project.graph.nodes}
    assert settings["Input"]["channels"] == 1 and settings["Target"]["classes"] == 3


def test_data_code_loads_no_qt() -> None:
    """What really gets loaded (import-linter checks the static imports)."""
    import subprocess
    import sys

    from app.paths import ROOT

    modules = ["augment", "cache", "dataset", "dataset_info", "demo_shapes", "images", "masks",
               "pairing", "preview", "problems", "sample_nuclei", "scan", "sources", "spec",
               "split"]
    code = ("import sys\n" + "".join(f"import app.data.{m}\n" for m in modules)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('PySide6', 'shiboken6', 'pyqtgraph')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_relocate_keeps_relative_paths_reaching_the_same_files(tmp_path) -> None:
    from app.data.relocate import relocate

    data = {"source": "folders", "images": "data/images", "masks": "/abs/masks", "seed": 1}
    moved = relocate(data, tmp_path / "a", tmp_path / "b" / "c")
    assert moved == {"source": "folders", "images": "../../a/data/images", "masks": "/abs/masks",
                     "seed": 1}
    assert data["images"] == "data/images"  # the original is untouched
    rooted = relocate({"source": "folders", "root": "set", "images": "imgs", "masks": "m"},
                      tmp_path / "a", tmp_path)
    assert (rooted["root"], rooted["images"]) == ("a/set", "imgs")
    csv = relocate({"source": "csv", "csv": "../pairs.csv"}, tmp_path / "a" / "b", tmp_path / "a")
    assert csv["csv"] == "pairs.csv"
