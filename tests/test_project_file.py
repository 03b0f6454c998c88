"""Project files: save -> load is identity, writes are atomic, problems are named."""
import json
import os

import pytest

from app.paths import TEMPLATES
from app.project import Project, load_project, project_from_dict, save_project
from components.errors import ProjectFileError


@pytest.mark.parametrize("name", ["unet_component", "unet_from_scratch", "demo"])
def test_templates_round_trip(tmp_path, name):
    project = load_project(TEMPLATES / f"{name}.json")
    saved = save_project(project, tmp_path / "copy.json")
    assert load_project(saved).to_dict() == project.to_dict()
    assert json.loads(saved.read_text())["format"] == 1


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    save_project(Project("first"), path)
    before = path.read_text()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError):
        save_project(Project("second"), path)
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["p.json"]  # no temp file left behind


def test_wrong_format_version_and_shapes(tmp_path):
    with pytest.raises(ProjectFileError, match="this version of U-Net Studio reads format 1"):
        project_from_dict({"format": 2, "graph": {"nodes": [], "edges": []}})
    with pytest.raises(ProjectFileError, match="must hold a JSON object"):
        project_from_dict([1, 2])
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises(ProjectFileError, match="is a folder"):
        load_project(folder)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(ProjectFileError, match="not UTF-8"):
        load_project(latin)


def test_data_section_problems_are_named():
    with pytest.raises(ProjectFileError) as error:
        project_from_dict({"format": 1, "graph": {"nodes": [], "edges": []},
                           "data": {"source": "folders", "images": "imgs/", "masks": "",
                                    "split": [0.5, 0.5, 0.5], "zoom": 2}})
    text = str(error.value)
    assert "data: unknown key 'zoom'" in text
    assert "data.split" in text and "data.masks" in text
