"""Layered, left-to-right auto-layout for the graph document (no Qt).

A Sugiyama-style layout in four small steps, each a function:

1. layers: the longest path from the sources puts every node right of all its
   inputs (a source that feeds only later layers moves up next to them);
2. dummies: a wire that spans several layers gets a chain of invisible points,
   so it reserves room and takes part in the ordering;
3. order: barycentre sweeps, down and up, keeping the ordering with the fewest
   crossings seen;
4. coordinates: columns from the widest node per layer; within a column every
   node is pulled towards its neighbours' centres by isotonic regression
   (pool-adjacent-violators), which keeps the order and the gaps.

A wire that jumps over several layers (a U-Net's skip connection, a residual
shortcut) would otherwise flatten the graph into one long row with the
shortcuts drawn on top of it. So every node also gets a *level*: how many
shortcuts of its part of the graph pass over it. Step 4 pulls a node towards
its neighbours *offset by the level difference*, and step 3 keeps each column
sorted by level: the encoder steps down one row per resolution, the decoder
climbs back, and each skip wire runs straight along the row of its two ends,
the picture of a U-Net people know.

The canvas passes node sizes; the result is top-left positions, the form the
document stores. Pure Python so the CLI and tests can use it without a display.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Iterable, Mapping, Sequence

Size = tuple[float, float]
Point = tuple[float, float]
DEFAULT_SIZE: Size = (180.0, 80.0)
DUMMY_HEIGHT = 12.0


def layered_layout(node_ids: Sequence[str], edges: Iterable[tuple[str, str]],
                   sizes: Mapping[str, Size] | None = None, *, layer_gap: float = 90.0,
                   node_gap: float = 40.0, origin: Point = (0.0, 0.0),
                   sweeps: int = 12) -> dict[str, Point]:
    """Top-left positions for ``node_ids`` so that every wire points to the right."""
    nodes = list(dict.fromkeys(node_ids))
    if not nodes:
        return {}
    size = {n: (sizes or {}).get(n, DEFAULT_SIZE) for n in nodes}
    links = _acyclic_edges(nodes, edges)
    layer = _assign_layers(nodes, links)
    chains, layer, heights = _add_dummies(links, layer, {n: size[n][1] for n in nodes})
    level = _levels(nodes, links, layer)
    layers = _order_layers(nodes, chains, layer, sweeps)
    for items in layers:  # stable: keeps the crossing-reducing order within a level
        items.sort(key=lambda item: level[item])
    row = max(h for h in heights.values()) + node_gap
    xs = _column_x(layers, size, layer_gap, origin[0])
    centres = _assign_y(layers, chains, heights, node_gap, level, row)
    top = min(centres[n] - heights[n] / 2 for n in nodes)
    return {n: (float(round(xs[layer[n]])),
                float(round(origin[1] + centres[n] - heights[n] / 2 - top))) for n in nodes}


def _acyclic_edges(nodes: list[str], edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Edges between known nodes without duplicates, self-loops or cycle-closing ones."""
    known = set(nodes)
    unique = [e for e in dict.fromkeys(edges) if e[0] in known and e[1] in known and e[0] != e[1]]
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in unique:
        successors[source].append(target)
    state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = done
    back: set[tuple[str, str]] = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((current, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return [e for e in unique if e not in back]


def _assign_layers(nodes: list[str], links: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for source, target in links:
        preds[target].append(source)
        succs[source].append(target)
    layer: dict[str, int] = {}
    for node in _topological(nodes, preds, succs):
        layer[node] = max((layer[p] + 1 for p in preds[node]), default=0)
    for node in nodes:  # a late source sits just before its first consumer
        if not preds[node] and succs[node]:
            layer[node] = max(0, min(layer[s] for s in succs[node]) - 1)
    return layer


def _topological(nodes: list[str], preds: Mapping[str, list[str]],
                 succs: Mapping[str, list[str]]) -> list[str]:
    """Kahn's algorithm, stable in the given node order."""
    waiting = {n: len(preds.get(n, ())) for n in nodes}
    ready = [n for n in nodes if waiting[n] == 0]
    order: list[str] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in succs.get(node, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return order


def _levels(nodes: list[str], links: list[tuple[str, str]], layer: dict[str, int]) -> dict:
    """How deep each node (and each dummy point) sits under the shortcuts around it.

    A node's level counts the wires of its own connected part that jump over its
    layer, by distinct source or distinct target, whichever is fewer, so one input
    feeding many later nodes counts once. A dummy point of a wire sits on the
    level of the shallower end of its wire, so the wire runs along that row.
    """
    part = _components(nodes, links)
    spans: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for source, target in links:
        if layer[target] - layer[source] > 1:
            spans[part[source]].append((source, target))
    level: dict = {}
    for node in nodes:
        over = [(s, t) for s, t in spans[part[node]] if layer[s] < layer[node] < layer[t]]
        level[node] = min(len({s for s, _ in over}), len({t for _, t in over}))
    for source, target in links:
        for step in range(layer[source] + 1, layer[target]):
            level[("dummy", source, target, step)] = min(level[source], level[target])
    return level


def _components(nodes: list[str], links: list[tuple[str, str]]) -> dict[str, int]:
    """The weakly connected part each node belongs to (union-find)."""
    parent = {n: n for n in nodes}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for source, target in links:
        parent[root(source)] = root(target)
    roots: dict[str, int] = {}
    return {n: roots.setdefault(root(n), len(roots)) for n in nodes}


def _add_dummies(links: list[tuple[str, str]], layer: dict[str, int], heights: dict[str, float]
                 ) -> tuple[list[tuple[Hashable, Hashable]], dict, dict]:
    """Split long edges into one-layer steps through dummy points."""
    layer, heights = dict(layer), dict(heights)
    chains: list[tuple[Hashable, Hashable]] = []
    for source, target in links:
        previous: Hashable = source
        for step in range(layer[source] + 1, layer[target]):
            dummy = ("dummy", source, target, step)
            layer[dummy], heights[dummy] = step, DUMMY_HEIGHT
            chains.append((previous, dummy))
            previous = dummy
        chains.append((previous, target))
    return chains, layer, heights


def _order_layers(nodes: list[str], chains: list, layer: dict, sweeps: int) -> list[list]:
    count = max(layer.values()) + 1
    layers: list[list] = [[] for _ in range(count)]
    for item in nodes + sorted((k for k in layer if not isinstance(k, str)), key=str):
        layers[layer[item]].append(item)
    preds: dict = defaultdict(list)
    succs: dict = defaultdict(list)
    for source, target in chains:
        preds[target].append(source)
        succs[source].append(target)
    best, best_crossings = [list(l) for l in layers], _crossings(layers, succs)
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        indices = range(1, count) if downward else range(count - 2, -1, -1)
        for i in indices:
            fixed = layers[i - 1] if downward else layers[i + 1]
            _sort_by_barycentre(layers[i], fixed, preds if downward else succs)
        crossings = _crossings(layers, succs)
        if crossings < best_crossings:
            best, best_crossings = [list(l) for l in layers], crossings
        if best_crossings == 0:
            break
    return best


def _sort_by_barycentre(moving: list, fixed: list, neighbours: Mapping) -> None:
    rank = {item: i for i, item in enumerate(fixed)}
    keys = {}
    for i, item in enumerate(moving):
        ranks = [rank[n] for n in neighbours.get(item, ()) if n in rank]
        keys[item] = sum(ranks) / len(ranks) if ranks else float(i)
    moving.sort(key=lambda item: keys[item])


def _crossings(layers: list[list], succs: Mapping) -> int:
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        rank = {item: i for i, item in enumerate(lower)}
        segments = sorted((i, rank[t]) for i, s in enumerate(upper)
                          for t in succs.get(s, ()) if t in rank)
        for a in range(len(segments)):
            for b in range(a + 1, len(segments)):
                if segments[a][0] < segments[b][0] and segments[a][1] > segments[b][1]:
                    total += 1
    return total


def _column_x(layers: list[list], size: Mapping[str, Size], gap: float, x0: float) -> list[float]:
    xs, x = [], x0
    for items in layers:
        xs.append(x)
        x += max((size[i][0] for i in items if i in size), default=0.0) + gap
    return xs


def _assign_y(layers: list[list], chains: list, heights: Mapping, gap: float,
              level: Mapping, row: float) -> dict:
    """Centre y of every item: stacked first, then pulled towards the neighbours, each
    neighbour's pull shifted by ``row`` per level of difference (so, with nothing in
    the way, every item ends up exactly ``row`` times its level below the top row)."""
    neighbours: dict = defaultdict(list)
    for source, target in chains:
        neighbours[source].append(target)
        neighbours[target].append(source)
    centre: dict = {}
    for items in layers:
        wanted = [level[i] * row for i in items]
        centre.update(zip(items, _pack(items, wanted, heights, gap)))
    for _ in range(8):
        for items in layers + layers[::-1]:
            wanted = [sum(centre[n] + (level[i] - level[n]) * row for n in neighbours[i])
                      / len(neighbours[i]) if neighbours[i] else centre[i] for i in items]
            centre.update(zip(items, _pack(items, wanted, heights, gap)))
    return centre


def _pack(items: list, wanted: list[float], heights: Mapping, gap: float) -> list[float]:
    """Centres as close as possible to ``wanted`` (least squares), in order, ``gap`` apart.

    With offsets o_i (the least distance from item 0's centre) the constraint
    y_i+1 - y_i >= o_i+1 - o_i becomes z_i+1 >= z_i for z = y - o: isotonic regression.
    """
    offsets, running = [], 0.0
    for i, item in enumerate(items):
        if i:
            running += heights[items[i - 1]] / 2 + gap + heights[item] / 2
        offsets.append(running)
    blocks: list[list[float]] = []  # [mean, weight]
    for value in (w - o for w, o in zip(wanted, offsets)):
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            prev = blocks[-1]
            prev[0] = (prev[0] * prev[1] + mean * weight) / (prev[1] + weight)
            prev[1] += weight
    z = [mean for mean, weight in blocks for _ in range(int(weight))]
    return [zi + o for zi, o in zip(z, offsets)]
