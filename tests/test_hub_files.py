"""The hub's file operations (app/hub/files.py): new, duplicate, rename, delete and
restore, import; name clashes and files in the way."""
from __future__ import annotations

import json
import os

import pytest

from app.hub import files
from app.hub import workspace as ws
from app.hub.templates import CHOICES, template, template_project
from app.project import load_project
from hub_helpers import write_model, write_run


def entry_of(workspace, name):
    return next(m for m in ws.read_workspace(workspace).models if m.name == name)


def folder_data(images="data/images", masks="data/masks"):
    return {"source": "folders", "images": images, "masks": masks, "split": [0.7, 0.15, 0.15],
            "seed": 0}


@pytest.mark.parametrize("choice", [c for c in CHOICES if c.key != "recommended"],
                         ids=lambda c: c.key)
def test_every_template_makes_a_model_in_a_folder_of_its_own(tmp_path, choice):
    path = files.create_model(tmp_path, "My model", template_project(choice))
    assert path == tmp_path / "My model" / "My model.json"
    project = load_project(path)
    assert project.name == "My model"
    expected = {"unet_component": 3, "unet_from_scratch": 33, "empty": 0, "demo": 3}
    assert len(project.graph.nodes) == expected[choice.key]


def test_names_that_clash_in_any_case_are_refused_and_unique_names_count_up(tmp_path):
    write_model(tmp_path, "Cells")
    with pytest.raises(files.HubError, match="A model named 'cells' is already in"):
        files.create_model(tmp_path, "cells", template_project(template("empty")))
    assert files.unique_name(tmp_path, "Cells") == "Cells 2"
    write_model(tmp_path, "Cells 2")
    assert files.unique_name(tmp_path, "cells") == "cells 3"
    with pytest.raises(files.HubError, match="A model needs a name"):
        files.create_model(tmp_path, "   ", template_project(template("empty")))


def test_a_name_becomes_a_file_name_every_system_takes(tmp_path):
    assert files.file_stem('a/b: "c"?') == "a_b_ _c__"
    assert files.file_stem("..hidden") == "hidden"
    assert files.file_stem("CON") == "CON_"
    path = files.create_model(tmp_path, "v2: cells/nuclei", template_project(template("empty")))
    assert path.name == "v2_ cells_nuclei.json"
    assert load_project(path).name == "v2: cells/nuclei"  # the name itself is kept


def test_duplicate_copies_the_file_not_the_runs_and_keeps_the_data_reachable(tmp_path):
    path = write_model(tmp_path, "Cells")
    data = json.loads(path.read_text())
    data["data"] = folder_data()
    data["graph"]["nodes"][1]["settings"]["depth"] = 12  # to be fixed: copied as it is
    path.write_text(json.dumps(data))
    write_run(path, "run-1")
    copy = files.duplicate_model(tmp_path, entry_of(tmp_path, "Cells"))
    assert copy == tmp_path / "Cells copy" / "Cells copy.json"
    copied = json.loads(copy.read_text())
    assert copied["name"] == "Cells copy"
    assert copied["data"]["images"] == "../Cells/data/images"
    assert copied["graph"]["nodes"][1]["settings"]["depth"] == 12
    assert not (copy.parent / "runs").exists()
    again = files.duplicate_model(tmp_path, entry_of(tmp_path, "Cells"))
    assert again.parent.name == "Cells copy 2"


def test_an_unreadable_model_is_not_duplicated(tmp_path):
    (tmp_path / "Bad").mkdir()
    (tmp_path / "Bad" / "Bad.json").write_text("{oops")
    with pytest.raises(files.HubError, match="Bad.json cannot be duplicated: line 1"):
        files.duplicate_model(tmp_path, entry_of(tmp_path, "Bad"))


def test_rename_moves_folder_file_and_runs_and_sets_the_name(tmp_path):
    path = write_model(tmp_path, "Cells")
    write_run(path, "run-1")
    new = files.rename_model(tmp_path, entry_of(tmp_path, "Cells"), "Nuclei")
    assert new == tmp_path / "Nuclei" / "Nuclei.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Nuclei"]
    assert load_project(new).name == "Nuclei"
    assert [r.name for r in entry_of(tmp_path, "Nuclei").runs] == ["run-1"]
    write_model(tmp_path, "Cells")
    with pytest.raises(files.HubError, match="A model named 'Cells' is already in"):
        files.rename_model(tmp_path, entry_of(tmp_path, "Nuclei"), "Cells")
    case_only = files.rename_model(tmp_path, entry_of(tmp_path, "Nuclei"), "NUCLEI")
    assert case_only.name == "NUCLEI.json" and load_project(case_only).name == "NUCLEI"


def test_renaming_a_model_of_a_shared_folder_gives_it_its_own_with_its_runs(tmp_path):
    first = write_model(tmp_path, "A")
    data = json.loads(first.read_text())
    data.update(name="B", data=folder_data())
    second = tmp_path / "A" / "B.json"
    second.write_text(json.dumps(data))
    write_run(first, "run-a")
    write_run(second, "run-b")
    new = files.rename_model(tmp_path, entry_of(tmp_path, "B"), "Bee")
    assert new == tmp_path / "Bee" / "Bee.json"
    assert json.loads(new.read_text())["data"]["images"] == "../A/data/images"
    models = {m.name: m for m in ws.read_workspace(tmp_path).models}
    assert [r.name for r in models["Bee"].runs] == ["run-b"] and models["Bee"].own_folder
    assert [r.name for r in models["A"].runs] == ["run-a"]


def test_delete_moves_the_model_to_the_trash_and_restore_brings_it_back(tmp_path):
    path = write_model(tmp_path, "Cells")
    write_run(path, "run-1")
    trashed = files.delete_model(tmp_path, entry_of(tmp_path, "Cells"))
    assert not path.exists() and ws.read_workspace(tmp_path).models == []
    (inside,) = (tmp_path / ".trash").iterdir()
    assert (inside / "Cells" / "Cells.json").is_file()
    assert (inside / "Cells" / "runs" / "run-1" / "metrics.jsonl").is_file()
    assert files.restore(trashed) == path
    assert [r.name for r in entry_of(tmp_path, "Cells").runs] == ["run-1"]


def test_restore_is_refused_when_something_took_the_place(tmp_path):
    write_model(tmp_path, "Cells")
    trashed = files.delete_model(tmp_path, entry_of(tmp_path, "Cells"))
    write_model(tmp_path, "Cells")
    with pytest.raises(files.HubError, match="Cannot restore 'Cells': .* exists again"):
        files.restore(trashed)


def test_import_copies_the_file_in_with_its_data_paths_rewritten(tmp_path):
    elsewhere = tmp_path / "projects" / "deep"
    elsewhere.mkdir(parents=True)
    data = json.loads(write_model(tmp_path / "x", "Mine").read_text())
    data["data"] = folder_data("../images", "/abs/masks")
    source = elsewhere / "mine.json"
    source.write_text(json.dumps(data))
    workspace = tmp_path / "ws"
    workspace.mkdir()
    path = files.import_project(workspace, source)
    assert path == workspace / "Mine" / "Mine.json"
    imported = json.loads(path.read_text())
    assert imported["data"]["images"] == "../../projects/images"
    assert imported["data"]["masks"] == "/abs/masks"  # absolute paths stay as written
    target = (path.parent / imported["data"]["images"]).resolve()
    assert target == (elsewhere / "../images").resolve()
    assert source.is_file()  # a copy: the original stays
    assert files.import_project(workspace, source).parent.name == "Mine 2"


def test_import_refuses_a_file_that_cannot_be_read_naming_it(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 1, "graph": {"nodes": [], "edges": []}, "colour": 1}')
    with pytest.raises(files.HubError, match=r"bad.json cannot be imported: unknown top-level "
                                             r"key 'colour'"):
        files.import_project(tmp_path, bad)
    with pytest.raises(files.HubError, match="missing.json cannot be imported"):
        files.import_project(tmp_path, tmp_path / "missing.json")


def test_a_folder_in_the_way_or_a_failing_disk_is_a_hub_error(tmp_path, monkeypatch):
    (tmp_path / "Cells.json").mkdir()  # a folder with the file's name: the name is taken
    with pytest.raises(files.HubError, match="A model named 'Cells' is already in"):
        files.create_model(tmp_path, "Cells", template_project(template("empty")))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    write_model(tmp_path, "Nuclei")
    with pytest.raises(files.HubError, match="Cannot move .*Nuclei.* Permission denied"):
        files.rename_model(tmp_path, entry_of(tmp_path, "Nuclei"), "Other")
    assert entry_of(tmp_path, "Nuclei").path.is_file()  # nothing half done


def test_a_move_that_fails_half_way_takes_the_first_back(tmp_path, monkeypatch):
    path = write_model(tmp_path, "Cells")
    real_rename, calls = os.rename, []

    def second_fails(source, target):
        calls.append(target)
        if len(calls) == 2:  # the folder moved, now its file: the disk says no
            raise OSError(28, "No space left on device")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", second_fails)
    with pytest.raises(files.HubError, match="No space left on device"):
        files.rename_model(tmp_path, entry_of(tmp_path, "Cells"), "Nuclei")
    assert path.is_file() and not (tmp_path / "Nuclei").exists()
    assert json.loads(path.read_text())["name"] == "Cells"
