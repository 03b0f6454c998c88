"""An export that fails says which canvas node's operation could not be exported, and a
file that does not match torch is never kept."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from app.cli import main
from app.export.blame import probe_nodes
from app.export.errors import ExportError
from app.export.exporter import export_model
from app.export.samples import verification_samples
from app.export.verify import compare
from app.project import load_project
from components.compiler import compile_graph
from export_helpers import tiny_project, write_random_checkpoint


class DataDependent(nn.Module):
    """Branches on a value: neither torch.export nor torch.fx can follow that."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inner(x)
        if y.sum() > 0:
            return y
        return -y


@pytest.mark.parametrize("fmt,out", [("onnx", "m.onnx"), ("torchscript", "m.pt2"),
                                     ("python", "folder")])
def test_the_failing_node_is_named(tmp_path, fmt, out):
    project = load_project(tiny_project(tmp_path))
    model = compile_graph(project.graph)
    model.unet = DataDependent(model.unet)  # the node 'unet' now does what cannot export
    with pytest.raises(ExportError) as caught:
        export_model(project, model, fmt, tmp_path / out)
    assert caught.value.node_id == "unet"
    assert str(caught.value).startswith("node 'unet' (UNet): its operation cannot be ")
    assert not (tmp_path / out).exists()
    assert not list(tmp_path.glob(".partial-*"))  # nothing half-written is left


def test_a_failure_after_tracing_is_found_by_exporting_node_by_node(tmp_path):
    project = load_project(tiny_project(tmp_path))
    model = compile_graph(project.graph).eval()

    def attempt(module, inputs):
        if any(isinstance(m, nn.ConvTranspose2d) for m in module.modules()):
            raise RuntimeError("no translation for aten.convolution_backward")
    assert probe_nodes(model, torch.rand(1, 1, 32, 32), attempt)[0] == "unet"
    assert probe_nodes(model, torch.rand(1, 1, 32, 32), lambda module, inputs: None) is None


def test_a_file_that_differs_from_torch_is_refused(tmp_path):
    project = load_project(tiny_project(tmp_path))
    model = compile_graph(project.graph).eval()
    samples = verification_samples(project, 1, (32, 32), "tile")
    inputs = [("2 samples", samples.windows)]
    checks = compare(model, lambda batch: model(batch).detach() + 5e-5, inputs, "ONNX")
    assert 4e-5 < checks[0].max_abs_diff < 1e-4
    with pytest.raises(ExportError, match=r"the ONNX file's output differs from torch's by "
                                          r"up to 0\.001 on 2 samples \(the limit is 0\.0001\)"):
        compare(model, lambda batch: model(batch).detach() + 1e-3, inputs, "ONNX")


def test_a_project_without_data_is_checked_on_random_input(tmp_path):
    project = load_project(tiny_project(tmp_path))
    project.data["root"] = "missing"
    samples = verification_samples(project, 1, (32, 32), "tile")
    assert samples.source.startswith("random input (the project has no images: ")
    assert "missing" in samples.source  # the scan's problem names the folder
    assert samples.windows.shape == (3, 1, 32, 32)


def test_bad_export_arguments_name_what_to_change(tmp_path, capsys):
    path = tiny_project(tmp_path)
    checkpoint = write_random_checkpoint(path, tmp_path / "m.pt")
    base = ["export", str(path), "--checkpoint", str(checkpoint)]
    assert main([*base, "--format", "torchscript", "--out", str(tmp_path / "m.pt")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'm.pt'}: a torch.export program is a .pt2 file "
        f"(torch.export.load reads no other name); give --out {tmp_path / 'm.pt2'}")
    assert main([*base, "--format", "onnx", "--out", str(tmp_path / "no" / "m.onnx")]) == 1
    assert f"the folder {tmp_path / 'no'} does not exist" in capsys.readouterr().err
    assert main(["export", str(path), "--checkpoint", str(tmp_path / "none.pt"), "--format",
                 "onnx", "--out", str(tmp_path / "m.onnx")]) == 1
    assert "none.pt: file not found" in capsys.readouterr().err
    assert main([*base, "--format", "keras", "--out", str(tmp_path / "m")]) == 2
    assert "invalid choice: 'keras'" in capsys.readouterr().err


def test_an_onnx_file_onnxruntime_cannot_load_is_an_error_not_a_traceback(tmp_path, capsys,
                                                                         monkeypatch):
    # seen with torch.var_mean under a dynamic size: the exporter wrote a Div of a double
    # by a float, which onnxruntime refuses to load
    import onnxruntime

    project = tiny_project(tmp_path)
    checkpoint = write_random_checkpoint(project, tmp_path / "tiny.pt")
    (tmp_path / "m.onnx").write_bytes(b"the good file of an earlier export")

    def refuse(*args, **kwargs):
        raise onnxruntime.capi.onnxruntime_pybind11_state.Fail(
            "[ONNXRuntimeError] : 1 : FAIL : Type Error: Type parameter (T) of Optype (Div) "
            "bound to different types (tensor(double) and tensor(float) in node (node_div).")
    monkeypatch.setattr(onnxruntime, "InferenceSession", refuse)
    code = main(["export", str(project), "--checkpoint", str(checkpoint), "--format", "onnx",
                 "--out", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert ("error: onnxruntime cannot load the ONNX file the exporter wrote (Fail: "
            "[ONNXRuntimeError] : 1 : FAIL : Type Error: Type parameter (T) of Optype (Div)") in err
    assert err.rstrip().endswith("the export was not kept")
    assert (tmp_path / "m.onnx").read_bytes() == b"the good file of an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".partial")) == []
