"""How much memory training a graph takes, and how much there is (no Qt).

The estimate runs the compiled model once on torch's meta device (shapes
only: nothing is allocated, about 30 ms for a U-Net) and adds up every tensor
autograd saves for the backward pass, the way the compiler's shape inference
follows the graph but through every layer inside a component too (a UNet node
is one node to ``analyze``, but dozens of feature maps to the memory). Weights
count four times (weights, gradients, Adam's two moments), activations once per
sample, plus the batch itself and the loss's copies of the output.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from components.compiler import analyze, compile_graph
from components.graph import GraphDocument

GIB = 1024 ** 3
CPU_BUDGET = 4 * GIB
"""What a CPU run may use: a fixed figure, since a computer's free RAM says little
about what a person is willing to give to one run."""
GPU_SHARE = 0.85
"""Of the GPU's free memory: the rest is for the CUDA context, cuDNN workspaces and
the allocator's fragmentation."""
OVERHEAD = 1.1
"""Measured peak / counted activations on CPU: 1.03 and 1.08 for two U-Nets (docs/recommend.md)."""
LOSS_COPIES = 4
"""Tensors of the output's size a Dice + cross-entropy loss keeps (softmax, one-hot,
their product, the log-probabilities)."""
STATE_COPIES = 4
"""Weights, their gradients and Adam's two moment estimates."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training step needs: ``fixed`` once, ``per_sample`` for every sample."""

    fixed: int
    per_sample: int
    parameters: int

    def total(self, batch: int) -> int:
        return self.fixed + round(batch * self.per_sample * OVERHEAD)

    def largest_batch(self, budget: int) -> int:
        """The most samples per batch that stay within ``budget`` bytes (0: not even one)."""
        room = budget - self.fixed
        return max(0, int(room // (self.per_sample * OVERHEAD))) if room > 0 else 0


@dataclass(frozen=True)
class MemoryBudget:
    """How many bytes a run may use, on which device, and where the figure comes from."""

    bytes: int
    device: str
    source: str  # in words, without the figure: "the fixed CPU budget"


def estimate_memory(doc: GraphDocument) -> MemoryEstimate:
    """The memory of one training step of the graph's model (GraphCompileError if it
    has problems)."""
    module = compile_graph(doc, device="meta").train()
    analysis = analyze(doc)
    channels, height, width = analysis.shapes[analysis.input_id]
    parameters = {id(p) for p in module.parameters()}
    saved: dict[int, torch.Tensor] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        if id(tensor) not in parameters:
            saved[id(tensor)] = tensor  # held, so an id is never reused while counting
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = module(torch.empty(1, channels, height, width, device="meta"))
    activations = sum(t.numel() * t.element_size() for t in saved.values())
    batch_bytes = channels * height * width * 4 + height * width * 8  # image float32, mask int64
    loss_bytes = LOSS_COPIES * output.numel() * 4
    weights = sum(p.numel() for p in module.parameters())
    return MemoryEstimate(fixed=STATE_COPIES * weights * 4,
                          per_sample=activations + batch_bytes + loss_bytes,
                          parameters=weights)


def device_budget() -> MemoryBudget:
    """The free memory of the first CUDA GPU (its GPU_SHARE), else the fixed CPU budget."""
    if torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info(0)
        name = torch.cuda.get_device_name(0)
        return MemoryBudget(int(free * GPU_SHARE), "cuda:0", f"{GPU_SHARE:.0%} of the free "
                            f"memory on cuda:0 ({name}, {free / GIB:.1f} GiB free)")
    return MemoryBudget(CPU_BUDGET, "cpu", "the fixed CPU budget")


def gib(count: int) -> str:
    """Bytes as people read them in the reasons: 1.3 GiB, 420 MiB."""
    return f"{count / GIB:.1f} GiB" if count >= GIB else f"{count / 1024 ** 2:.0f} MiB"
