"""A growing table of float columns for live curves (Qt-free).

pyqtgraph redraws fastest from one contiguous numpy array per curve; appending to a
Python list and converting on every refresh costs O(n) per tick for nothing. The
buffer is preallocated and doubles when full, so appending is amortised O(1) and
``column(name)`` is a view (no copy) of the rows written so far.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

INITIAL_ROWS = 256


class GrowingBuffer:
    """Rows of named float64 columns; missing values are NaN."""

    def __init__(self, columns: Iterable[str], capacity: int = INITIAL_ROWS) -> None:
        self.columns = tuple(columns)
        self._index = {name: i for i, name in enumerate(self.columns)}
        self._data = np.full((len(self.columns), max(1, capacity)), np.nan)  # column-major:
        # each column is contiguous, which is what setData wants
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def capacity(self) -> int:
        return self._data.shape[1]

    def append(self, values: Mapping[str, float | None]) -> None:
        """One row; columns not named in ``values`` (or None) stay NaN."""
        if self.size == self.capacity:
            grown = np.full((len(self.columns), self.capacity * 2), np.nan)
            grown[:, : self.size] = self._data[:, : self.size]
            self._data = grown
        self._data[:, self.size] = np.nan
        for name, value in values.items():
            if value is not None:
                self._data[self._index[name], self.size] = value
        self.size += 1

    def add_column(self, name: str) -> None:
        """A new column, NaN in the rows already written (a class first seen late)."""
        if name in self._index:
            return
        self._index[name] = len(self.columns)
        self.columns += (name,)
        self._data = np.vstack([self._data, np.full((1, self.capacity), np.nan)])

    def column(self, name: str) -> np.ndarray:
        """The written part of one column: a read-only view, valid until the next append."""
        view = self._data[self._index[name], : self.size]
        view.flags.writeable = False
        return view

    def set_column(self, name: str, values: np.ndarray) -> None:
        """Overwrite a whole column (e.g. the smoothed loss after the smoothing changed)."""
        self._data[self._index[name], : self.size] = values

    def last(self, name: str) -> float:
        return float(self._data[self._index[name], self.size - 1]) if self.size else np.nan

    def truncate(self, size: int) -> None:
        """Keep the first ``size`` rows (a resumed run redoes what came after them)."""
        self.size = max(0, min(size, self.size))

    def clear(self) -> None:
        self.size = 0
