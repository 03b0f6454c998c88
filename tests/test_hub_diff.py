"""What differs between runs' projects (app/hub/diff.py): only what differs."""
from __future__ import annotations

import json

from app.hub.diff import (UNKNOWN, project_differences, read_snapshot, run_differences,
                          run_labels)
from hub_helpers import changed, template_json, write_model, write_run


def rows(differences):
    return [(d.label, d.texts()) for d in differences]


def test_identical_projects_have_no_differences():
    base = template_json()
    assert project_differences([base, json.loads(json.dumps(base))]) == []


def test_a_learning_rate_and_an_extra_node_are_exactly_what_is_listed():
    base = template_json()
    other = changed(base, learning_rate=0.01, extra_node="extra")
    assert rows(project_differences([base, other])) == [
        ("node extra", ["—", "Convolution"]),
        ("training · learning_rate", ["0.001", "0.01"])]  # the extra node's wire comes with it


def test_node_settings_by_node_id_wires_and_data_keys():
    base = template_json("demo")
    other = json.loads(json.dumps(base))
    other["graph"]["nodes"][1]["settings"]["depth"] = 3
    other["graph"]["nodes"][0]["position"] = [999.0, 999.0]  # layout is not a difference
    other["data"]["augment"]["elastic"] = False
    other["data"]["seed"] = 4
    assert rows(project_differences([base, other])) == [
        ("unet · depth", ["4", "3"]), ("data · seed", ["0", "4"]),
        ("data · augment.elastic", ["true", "false"])]


def test_a_setting_left_out_counts_as_its_default_and_unused_settings_are_left_out():
    base = template_json()
    explicit = json.loads(json.dumps(base))
    explicit["training"]["momentum"] = 0.5  # only sgd and rmsprop use it: both runs use adam
    explicit["graph"]["nodes"][1]["settings"]["dropout"] = 0.0  # the default, written out
    explicit["data"]["fit"] = "resize"  # the data layer's default
    assert "fit" not in base["data"] and project_differences([base, explicit]) == []
    explicit["training"]["optimizer"] = "sgd"  # now momentum matters in one run
    assert rows(project_differences([base, explicit])) == [
        ("training · optimizer", ["adam", "sgd"]), ("training · momentum", ["0.9", "0.5"])]


def test_three_projects_a_rewired_node_and_a_node_of_another_type():
    base = template_json("unet_from_scratch")
    rewired = json.loads(json.dumps(base))
    edge = next(e for e in rewired["graph"]["edges"] if e["target"] == "head")
    edge["source"] = "dec1_conv1"
    retyped = json.loads(json.dumps(base))
    node = next(n for n in retyped["graph"]["nodes"] if n["id"] == "head")
    node.update(type="Pooling", settings={})
    found = rows(project_differences([base, rewired, retyped]))
    assert ("node head", ["Convolution", "Convolution", "Pooling"]) in found
    wires = [r for r in found if r[0].startswith("wire")]
    assert wires == [("wire dec1_conv2.out → head.in", ["✓", "—", "✓"]),
                     ("wire dec1_conv1.out → head.in", ["—", "✓", "—"])]
    assert not any(r[0].startswith("head ·") for r in found)  # another type: not compared


def test_a_run_without_a_snapshot_is_unknown_not_different(tmp_path):
    path = write_model(tmp_path, "Cells")
    one = write_run(path, "one")
    two = write_run(path, "two", project=changed(json.loads(path.read_text()),
                                                 learning_rate=0.02))
    three = write_run(path, "three")
    (three / "project.json").unlink()
    snapshots = [read_snapshot(p) for p in (one, two, three)]
    assert snapshots[2].problem == "three: project.json is missing, so its settings are not " \
                                   "compared"
    (difference,) = run_differences(snapshots)
    assert difference.values == (0.001, 0.02, UNKNOWN)
    assert difference.texts() == ["0.001", "0.02", "?"]
    (three / "project.json").write_text("{damaged")
    assert "project.json cannot be read" in read_snapshot(three).problem


def test_sample_counts_of_the_started_event_are_a_data_difference(tmp_path):
    path = write_model(tmp_path, "Cells")
    first, second = write_run(path, "a"), write_run(path, "b")
    for run, train in ((first, 30), (second, 34)):
        started = {"v": 1, "seq": 0, "t": 0, "type": "started",
                   "samples": {"train": train, "val": 3}}
        (run / "events.jsonl").write_text(json.dumps(started) + "\n")
    assert rows(run_differences([read_snapshot(first), read_snapshot(second)])) == [
        ("data · train samples", ["30", "34"])]


def test_run_labels_name_the_model_when_runs_come_from_several(tmp_path):
    cells, nuclei = write_model(tmp_path, "Cells"), write_model(tmp_path, "Nuclei")
    same = [read_snapshot(write_run(cells, n)) for n in ("r1", "r2")]
    assert run_labels(same) == ["r1", "r2"]
    mixed = [same[0], read_snapshot(write_run(nuclei, "r1"))]
    assert run_labels(mixed) == ["Cells · r1", "Nuclei · r1"]
