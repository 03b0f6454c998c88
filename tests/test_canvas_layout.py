"""The layered auto-layout (components/layout.py): wires point right, nothing overlaps."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from app.paths import TEMPLATES
from components.layout import DEFAULT_SIZE, layered_layout


def _boxes_overlap(a, b, size=DEFAULT_SIZE) -> bool:
    (ax, ay), (bx, by) = a, b
    return abs(ax - bx) < size[0] and abs(ay - by) < size[1]


def _check(nodes, edges, positions, size=DEFAULT_SIZE):
    assert set(positions) == set(nodes)
    for source, target in edges:
        if source != target:
            assert positions[source][0] < positions[target][0], (source, target)
    placed = list(positions.values())
    for i, a in enumerate(placed):
        for b in placed[i + 1:]:
            assert not _boxes_overlap(a, b, size), (a, b)


def test_chain_is_a_straight_row():
    nodes = ["a", "b", "c", "d"]
    edges = [("a", "b"), ("b", "c"), ("c", "d")]
    positions = layered_layout(nodes, edges)
    _check(nodes, edges, positions)
    assert len({y for _, y in positions.values()}) == 1
    assert positions["a"] == (0.0, 0.0)


def test_branches_stack_and_merge_sits_between():
    nodes = ["in", "left", "right", "merge"]
    edges = [("in", "left"), ("in", "right"), ("left", "merge"), ("right", "merge")]
    positions = layered_layout(nodes, edges)
    _check(nodes, edges, positions)
    ys = sorted([positions["left"][1], positions["right"][1]])
    assert ys[0] <= positions["merge"][1] <= ys[1]


def test_origin_sizes_and_isolated_nodes():
    sizes = {"a": (100.0, 50.0), "b": (300.0, 120.0), "lonely": (100.0, 50.0)}
    positions = layered_layout(["a", "b", "lonely"], [("a", "b")], sizes, origin=(500, 40),
                               layer_gap=60)
    assert min(x for x, _ in positions.values()) == 500
    assert min(y for _, y in positions.values()) == 40
    assert positions["b"][0] == 500 + 100 + 60  # layer 0 ('a', 'lonely') is 100 wide
    assert positions["lonely"][0] == 500


def test_cycles_duplicates_and_unknown_nodes_are_tolerated():
    nodes = ["a", "b", "c"]
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "b"), ("a", "zzz"), ("b", "b")]
    positions = layered_layout(nodes, edges)
    assert set(positions) == set(nodes)
    assert positions["a"][0] < positions["b"][0] < positions["c"][0]


def test_empty():
    assert layered_layout([], []) == {}


def test_unet_template_lays_out_without_overlaps():
    graph = json.loads((TEMPLATES / "unet_from_scratch.json").read_text())["graph"]
    nodes = [n["id"] for n in graph["nodes"]]
    edges = [(e["source"], e["target"]) for e in graph["edges"]]
    _check(nodes, edges, layered_layout(nodes, edges))


def test_deterministic():
    nodes = [f"n{i}" for i in range(12)]
    edges = [(f"n{i}", f"n{j}") for i in range(12) for j in range(i + 1, 12) if (i * j) % 5 == 1]
    assert layered_layout(nodes, edges) == layered_layout(nodes, edges)


@st.composite
def dags(draw):
    count = draw(st.integers(1, 14))
    nodes = [f"n{i}" for i in range(count)]
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=20, unique=True)) if pairs else []
    order = draw(st.permutations(nodes))
    return order, [(nodes[i], nodes[j]) for i, j in chosen]


@given(dags())
def test_any_dag_points_right_without_overlaps(graph):
    nodes, edges = graph
    _check(nodes, edges, layered_layout(nodes, edges))


def test_unet_template_lays_out_as_a_u_with_straight_skips():
    """Review fix: longest-path layers alone put the 33-node U-Net in one long row with
    the skip wires piled on top of it. Each resolution level now gets its own row: the
    encoder steps down, the decoder climbs back, each skip runs along its row."""
    graph = json.loads((TEMPLATES / "unet_from_scratch.json").read_text())["graph"]
    nodes = [n["id"] for n in graph["nodes"]]
    edges = [(e["source"], e["target"]) for e in graph["edges"]]
    sizes = {n: (196.0, 84.0) for n in nodes}
    y = {n: p[1] for n, p in layered_layout(nodes, edges, sizes).items()}
    encoder = [y[f"enc{k}_conv2"] for k in range(1, 5)] + [y["bottom_conv2"]]
    decoder = [y["bottom_conv2"]] + [y[f"dec{k}_conv1"] for k in range(4, 0, -1)]
    assert encoder == sorted(encoder) and len(set(encoder)) == 5  # one row down per level
    assert decoder == sorted(decoder, reverse=True) and len(set(decoder)) == 5
    for k in range(1, 5):  # a skip joins two nodes of the same row
        assert abs(y[f"enc{k}_conv2"] - y[f"dec{k}_conv1"]) < 1
        assert abs(y[f"enc{k}_conv2"] - y[f"merge{k}"]) < 84
    assert y["input"] == y["target"] == min(y.values())


def test_a_shortcut_runs_above_the_nodes_it_skips():
    nodes = ["x", "a", "b", "add"]
    edges = [("x", "a"), ("a", "b"), ("b", "add"), ("x", "add")]
    positions = layered_layout(nodes, edges)
    _check(nodes, edges, positions)
    assert positions["x"][1] == positions["add"][1] < positions["a"][1] == positions["b"][1]


def test_fan_out_from_one_source_does_not_sink_the_chain_further():
    nodes = ["in", "a", "b", "c", "d"]
    edges = [("in", "a"), ("a", "b"), ("b", "c"), ("c", "d"), ("in", "c"), ("in", "d")]
    positions = layered_layout(nodes, edges)
    _check(nodes, edges, positions)
    row = DEFAULT_SIZE[1] + 40  # one level: a node height and the gap
    assert abs(positions["a"][1] - positions["b"][1]) < 10
    assert 0.5 * row < positions["a"][1] - positions["in"][1] < 1.5 * row  # one level, not 2
