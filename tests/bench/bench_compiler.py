"""Compiler benchmarks (run with `make bench`; never part of `make test`).

1. forward+backward of the compiled classic U-Net, divided by the same network
   written by hand in plain PyTorch (tests/reference_unet.py), same weights, same
   input, measured interleaved in one run. Goal <= 1.02.
2. compile time of a 200-node graph, absolute and against building the same
   layers by hand. Goal < 100 ms.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.paths import TEMPLATES  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import analyze, compile_graph  # noqa: E402
from components.graph import GraphDocument  # noqa: E402
from reference_unet import ReferenceUNet, copy_weights_in_order  # noqa: E402

ROUNDS = 12
SIZE = 128


def step(model: nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    model(x).square().mean().backward()
    elapsed = time.perf_counter() - start
    model.zero_grad(set_to_none=True)
    return elapsed


def interleaved(models: dict[str, nn.Module], x: torch.Tensor) -> dict[str, list[float]]:
    """Seconds per step. Each round runs every model once, and the order rotates
    from round to round so that neither drift nor position favours a model."""
    for model in models.values():
        step(model, x)  # warm-up
    names = list(models)
    times: dict[str, list[float]] = {name: [] for name in models}
    for round_ in range(ROUNDS):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(step(models[name], x))
    return times


def paired_ratio(times: list[float], baseline: list[float]) -> float:
    """Median of per-round ratios: robust to load that changes between rounds."""
    return statistics.median(t / b for t, b in zip(times, baseline))


def test_compiled_unet_against_hand_written():
    torch.manual_seed(0)
    component = compile_graph(load_project(TEMPLATES / "unet_component.json").graph)
    scratch = compile_graph(load_project(TEMPLATES / "unet_from_scratch.json").graph)
    reference = ReferenceUNet(3, 2)
    copy_weights_in_order(reference, component)
    copy_weights_in_order(reference, scratch)
    x = torch.randn(2, 3, SIZE, SIZE)
    times = interleaved({"hand": reference, "component": component, "scratch": scratch}, x)
    print(f"\n[compiler] classic U-Net fwd+bwd, batch 2x3x{SIZE}x{SIZE}, "
          f"{torch.get_num_threads()} threads, {ROUNDS} interleaved rounds:")
    print(f"  hand-written     {statistics.median(times['hand']) * 1000:8.1f} ms")
    for name in ("component", "scratch"):
        ratio = paired_ratio(times[name], times["hand"])
        print(f"  {name:<16} {statistics.median(times[name]) * 1000:8.1f} ms   "
              f"ratio {ratio:.3f} (goal <= 1.02)")


def wide_graph(nodes: int = 200) -> GraphDocument:
    """Input -> blocks of conv, conv, add(residual) -> ... -> head -> Target."""
    doc = GraphDocument()
    doc.add_node("Input", settings={"channels": 16, "height": 64, "width": 64}, node_id="input")
    previous = "input"
    while len(doc.nodes) < nodes - 2:
        a = doc.add_node("Convolution", settings={"filters": 16}).id
        b = doc.add_node("Convolution", settings={"filters": 16}).id
        merge = doc.add_node("Merge", settings={"mode": "add"}).id
        doc.connect(previous, "out", a, "in")
        doc.connect(a, "out", b, "in")
        doc.connect(previous, "out", merge, "in1")
        doc.connect(b, "out", merge, "in2")
        previous = merge
    doc.add_node("Convolution", settings={"filters": 2, "kernel_size": 1}, node_id="head")
    doc.add_node("Target", node_id="target")
    doc.connect(previous, "out", "head", "in")
    doc.connect("head", "out", "target", "in")
    return doc


def by_hand(doc: GraphDocument) -> nn.ModuleList:
    """The same layers, built directly: the cost any compiler must pay."""
    layers = []
    for node in doc.nodes:
        if node.type == "Convolution":
            f = node.settings["filters"]
            k = node.settings["kernel_size"]
            layers.append(nn.Sequential(nn.Conv2d(16, f, k, padding=k // 2, bias=False),
                                        nn.BatchNorm2d(f), nn.ReLU(inplace=True)))
    return nn.ModuleList(layers)


def median_time(fn, repeats: int = 15) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def test_compile_time_of_a_200_node_graph():
    doc = wide_graph(200)
    assert len(doc.nodes) >= 199 and analyze(doc).ok
    model = compile_graph(doc)
    assert model(torch.rand(1, 16, 64, 64)).shape == (1, 2, 64, 64)
    t_analyze = median_time(lambda: analyze(doc))
    t_compile = median_time(lambda: compile_graph(doc))
    t_hand = median_time(lambda: by_hand(doc))
    print(f"\n[compiler] {len(doc.nodes)}-node graph, {len(doc.edges)} wires, median of 15:")
    print(f"  analyze (shapes + problems) {t_analyze * 1000:7.1f} ms")
    print(f"  compile_graph               {t_compile * 1000:7.1f} ms (goal < 100 ms)")
    print(f"  same layers built by hand   {t_hand * 1000:7.1f} ms   "
          f"ratio compile/by-hand {t_compile / t_hand:.2f}")


def test_compiled_unet_on_cuda():
    """CUDA path: the compiled model in channels_last with bf16 autocast, against the
    hand-written one under the same settings. Skipped without a GPU."""
    import pytest
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    torch.manual_seed(0)
    device = torch.device("cuda")
    component = compile_graph(load_project(TEMPLATES / "unet_component.json").graph)
    scratch = compile_graph(load_project(TEMPLATES / "unet_from_scratch.json").graph)
    reference = ReferenceUNet(3, 2)
    copy_weights_in_order(reference, component)
    copy_weights_in_order(reference, scratch)
    models = {n: m.to(device, memory_format=torch.channels_last)
              for n, m in (("hand", reference), ("component", component), ("scratch", scratch))}
    x = torch.randn(16, 3, 256, 256, device=device).contiguous(memory_format=torch.channels_last)

    def cuda_step(model):
        torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(x).float().square().mean()
        loss.backward()
        torch.cuda.synchronize()
        model.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    for model in models.values():
        for _ in range(3):
            cuda_step(model)
    times = {name: [] for name in models}
    for _ in range(30):
        for name, model in models.items():
            times[name].append(cuda_step(model))
    name = torch.cuda.get_device_name()
    print(f"\n[compiler] CUDA {name}, batch 16x3x256x256, channels_last, bf16 autocast:")
    print(f"  hand-written     {statistics.median(times['hand']) * 1000:8.2f} ms")
    for key in ("component", "scratch"):
        print(f"  {key:<16} {statistics.median(times[key]) * 1000:8.2f} ms   "
              f"ratio {paired_ratio(times[key], times['hand']):.3f}")
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        out = models["component"](x[:2])
    assert out.shape == (2, 2, 256, 256) and torch.isfinite(out).all()
