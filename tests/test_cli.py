"""`main.py info` and `main.py code`: JSON on good projects; on broken ones every
problem with its node id or place in the file, exit 1, never a traceback."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.paths import ROOT, TEMPLATES
from components.serialize import graph_to_dict
from helpers import chain, write_project


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def graph(*specs, ids=None):
    return graph_to_dict(chain(*specs, ids=ids))


def test_info_reports_shapes_and_parameters(capsys):
    code, out, _ = run_cli(capsys, "info", str(TEMPLATES / "unet_component.json"))
    report = json.loads(out)
    assert code == 0 and report["errors"] == []
    by_id = {n["id"]: n for n in report["nodes"]}
    assert by_id["unet"]["output_shape"] == [2, 256, 256]
    assert by_id["unet"]["parameters"] == report["total_parameters"] == 31_037_698


def test_code_prints_the_model_source(capsys):
    code, out, _ = run_cli(capsys, "code", str(TEMPLATES / "unet_from_scratch.json"))
    assert code == 0
    assert "def forward(self, image):" in out and "head = self.head(dec1_conv2)" in out


def broken_projects(tmp: Path) -> dict[str, tuple[Path, list[str]]]:
    """name -> (project file, fragments the error output must contain)."""
    cases = {}
    no_target = write_project(tmp / "no_target.json", graph(("Input", {}), ("Convolution", {})))
    cases["no_target"] = (no_target, ["the graph has no Target node"])
    mismatch = chain(("Input", {"height": 16, "width": 16}), ("Convolution", {"filters": 4}),
                     ("Merge", {"mode": "add"}), ("Target", {}), ids=["input", "c4", "m", "t"])
    mismatch.add_node("Convolution", settings={"filters": 8}, node_id="c8")
    mismatch.connect("input", "out", "c8", "in")
    mismatch.connect("c8", "out", "m", "in2")
    cases["merge_mismatch"] = (write_project(tmp / "merge.json", graph_to_dict(mismatch)),
                               ["m: in1 is 4x16x16 but in2 is 8x16x16"])
    cyclic = graph(("Input", {}), ("Merge", {}), ("Convolution", {"filters": 2}), ("Target", {}),
                   ids=["input", "merge", "conv", "target"])
    cyclic["edges"].append({"source": "conv", "source_port": "out",
                            "target": "merge", "target_port": "in2"})
    cases["cycle"] = (write_project(tmp / "cycle.json", cyclic),
                      ["graph.edges[3] (conv.out -> merge.in2): the wire would make a cycle"])
    unknown = graph(("Input", {}), ("Convolution", {}), ("Target", {}), ids=["input", "c", "t"])
    unknown["nodes"][1]["settings"]["filtres"] = 8
    cases["unknown_setting"] = (write_project(tmp / "unknown.json", unknown),
                                ["graph.nodes[1] (node 'c'): Convolution setting 'filtres': "
                                 "unknown setting"])
    malformed = tmp / "malformed.json"
    malformed.write_text('{"format": 1,\n "name": "x",\n "graph": {"nodes": [}\n}')
    cases["malformed"] = (malformed, ["malformed.json: line 3, column 22: invalid JSON (Expecting value)"])
    cases["missing"] = (tmp / "nowhere.json", ["nowhere.json: file not found"])
    bad_top = write_project(tmp / "top.json", graph(("Input", {})), colour="red")
    cases["unknown_key"] = (bad_top, ["unknown top-level key 'colour'"])
    bad_training = write_project(tmp / "training.json", graph(("Input", {})),
                                 training={"epochs": 0, "optimiser": "adam"})
    cases["training"] = (bad_training, ["training.epochs: got 0",
                                        "training: unknown key 'optimiser'"])
    return cases


CASES = ["no_target", "merge_mismatch", "cycle", "unknown_setting", "malformed", "missing",
         "unknown_key", "training"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["info", "code"])
def test_broken_projects_name_the_problem_and_exit_1(tmp_path, capsys, case, command):
    path, fragments = broken_projects(tmp_path)[case]
    code, out, err = run_cli(capsys, command, str(path))
    assert code == 1
    for fragment in fragments:
        assert fragment in err, err


def test_info_still_prints_json_for_graph_problems(tmp_path, capsys):
    path, _ = broken_projects(tmp_path)["merge_mismatch"]
    code, out, _ = run_cli(capsys, "info", str(path))
    report = json.loads(out)
    assert code == 1
    assert report["errors"] == [{"node": "m", "message":
                                 "in1 is 4x16x16 but in2 is 8x16x16; add needs identical shapes"}]
    assert {n["id"]: n["output_shape"] for n in report["nodes"]}["c8"] == [8, 16, 16]


def test_usage_errors(capsys):
    assert main(["info"]) == 2
    assert "the following arguments are required: project" in capsys.readouterr().err


def test_main_py_end_to_end(tmp_path):
    """The real entry point: exit status and no traceback on a broken project."""
    path, _ = broken_projects(tmp_path)["cycle"]
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "info", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "would make a cycle" in result.stderr and "Traceback" not in result.stderr
