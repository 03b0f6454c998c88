"""A deterministic train/val/test split that gives rare classes to every split.

Pairs are grouped by the rarest class they contain (rarest = found in the fewest
pairs). Groups are dealt rarest first: each split that does not hold the group's
class yet gets one pair of it (when the group has enough pairs), and the rest go
wherever a split is furthest below its share. The order inside a group comes
from the project seed, so the same project always gets the same split and a new
seed gives a new one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

SPLITS = ("train", "val", "test")


def assign_splits(keys: Sequence[str], present: Sequence[set[int]],
                  fractions: Sequence[float], seed: int) -> list[str]:
    """The split of each pair (same order as ``keys``)."""
    if len(keys) != len(present):
        raise ValueError("keys and present classes differ in length")
    pairs_with = _pairs_per_class(present)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, classes in enumerate(present):
        groups[_rarest(classes, pairs_with)].append(index)
    wanted = [i for i, f in enumerate(fractions) if f > 0]
    state = _State(result=[""] * len(keys), counts=[0, 0, 0], seen=[set(), set(), set()])
    rarity = sorted(groups, key=lambda c: (pairs_with.get(c, 0), c))
    for group_id in rarity:
        members = sorted(groups[group_id], key=lambda i: keys[i])
        order = np.random.default_rng([seed, group_id + 1]).permutation(len(members))
        members = [members[i] for i in order]
        missing = [s for s in wanted if group_id not in state.seen[s]]
        if len(members) >= len(missing):
            for split in sorted(missing, key=lambda s: fractions[s]):
                state.give(members.pop(), split, present)
        for index in members:
            state.give(index, _furthest_below(state.counts, fractions), present)
    return state.result


@dataclass
class _State:
    result: list[str]
    counts: list[int]
    seen: list[set[int]]  # classes already present in each split

    def give(self, index: int, split: int, present: Sequence[set[int]]) -> None:
        self.result[index] = SPLITS[split]
        self.counts[split] += 1
        self.seen[split].update(present[index])


def _furthest_below(counts: list[int], fractions: Sequence[float]) -> int:
    total = sum(counts) + 1
    deficits = [fractions[s] * total - counts[s] if fractions[s] > 0 else float("-inf")
                for s in range(3)]
    return int(np.argmax(deficits))


def _pairs_per_class(present: Sequence[set[int]]) -> dict[int, int]:
    found: dict[int, int] = defaultdict(int)
    for classes in present:
        for c in classes:
            found[c] += 1
    return found


def _rarest(classes: set[int], pairs_with: dict[int, int]) -> int:
    if not classes:
        return -1
    return min(classes, key=lambda c: (pairs_with[c], c))
