"""ONNX inference speed of the exported demo U-Net (run with `make bench`).

The ONNX file writes every batch norm out as ``(x - mean) * s + beta``
(app/export/stable_norm.py) so that onnxruntime agrees with torch to 1e-4; a plain
export lets onnxruntime fold them into the convolutions. This measures what the exact
form costs: onnxruntime's time per batch for the file the app writes, divided by its
time for the plain file of the same model, sessions run interleaved in one process;
torch's own time on the same batch is printed beside them.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.export.blame import quiet_exporters  # noqa: E402
from app.export.stable_norm import stable_batch_norms  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import compile_graph  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BATCH, SIZE, ROUNDS, CALLS = 3, 256, 7, 5


def _session(model: torch.nn.Module, example: torch.Tensor) -> onnxruntime.InferenceSession:
    with quiet_exporters():
        program = torch.onnx.export(model, (example,), dynamo=True, verbose=False)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(program.model_proto.SerializeToString(), options,
                                        providers=["CPUExecutionProvider"])


def _seconds(run) -> float:
    run()
    start = time.perf_counter()
    for _ in range(CALLS):
        run()
    return (time.perf_counter() - start) / CALLS


def test_onnx_inference_with_written_out_batch_norms_against_folded_ones():
    model = compile_graph(load_project(ROOT / "resources/templates/demo.json").graph).eval()
    generator = torch.Generator().manual_seed(0)
    for module in model.modules():  # statistics as training leaves them, not 0 and 1
        if isinstance(module, torch.nn.BatchNorm2d):
            channels = module.num_features
            module.running_mean.copy_(torch.randn(channels, generator=generator))
            module.running_var.copy_(torch.rand(channels, generator=generator) + 0.5)
    images = torch.rand(BATCH, 1, SIZE, SIZE, generator=generator)
    written, folded = _session(stable_batch_norms(model), images), _session(model, images)
    name = written.get_inputs()[0].name
    feed = {name: images.numpy()}
    times: dict[str, list[float]] = {"written": [], "folded": [], "torch": []}
    for _ in range(ROUNDS):
        times["written"].append(_seconds(lambda: written.run(None, feed)))
        times["folded"].append(_seconds(lambda: folded.run(None, feed)))
        with torch.no_grad():
            times["torch"].append(_seconds(lambda: model(images)))
    ratios = [w / f for w, f in zip(times["written"], times["folded"])]
    median = {key: statistics.median(value) * 1000 for key, value in times.items()}
    agree = np.abs(written.run(None, feed)[0] - folded.run(None, feed)[0]).max()
    print(f"\nonnxruntime, batch {BATCH} x 1 x {SIZE}x{SIZE}, demo U-Net: written-out batch "
          f"norms {median['written']:.1f} ms, folded {median['folded']:.1f} ms, ratio "
          f"{statistics.median(ratios):.3f} (median of {ROUNDS} interleaved rounds); torch "
          f"{median['torch']:.1f} ms; the two files differ by {agree:.1e}; "
          f"{torch.get_num_threads()} threads")
    assert statistics.median(ratios) < 2.0
