"""De-biased exponential moving average, the smoothing TensorBoard and W&B draw (Qt-free).

A plain EMA starts at 0 and crawls up to the data, so the first hundred points of a
smoothed loss lie far below the raw ones. Dividing by 1 - w**n (the weight the
average has actually accumulated) removes that bias: the first smoothed point is
the first raw value. Non-finite values (a NaN loss) give NaN and do not enter
the average.
"""
from __future__ import annotations

import math

import numpy as np

DEFAULT_WEIGHT = 0.6
MAX_WEIGHT = 0.999


class Ema:
    """The running state, one value at a time (what the live feed appends)."""

    def __init__(self, weight: float = DEFAULT_WEIGHT) -> None:
        self.weight = min(max(float(weight), 0.0), MAX_WEIGHT)
        self.reset()

    def reset(self) -> None:
        self._biased = 0.0
        self._count = 0

    def add(self, value: float) -> float:
        if not math.isfinite(value):
            return math.nan
        self._biased = self._biased * self.weight + (1.0 - self.weight) * value
        self._count += 1
        if self.weight == 0.0 or self._count == 1:
            return value  # exactly: (1 - w) v / (1 - w) would round
        return self._biased / (1.0 - self.weight ** self._count)

    def run(self, values: np.ndarray) -> np.ndarray:
        """Feed a whole series; returns its smoothed values, the state left at its end."""
        return np.fromiter((self.add(float(v)) for v in values), float, count=len(values))


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """The whole series at once (after the smoothing weight changed)."""
    return Ema(weight).run(values)
