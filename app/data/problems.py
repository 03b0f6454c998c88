"""What can be wrong with a person's data, as typed records that name the file.

A problem either belongs to one pair (``key`` is the pair's key: the person may
choose to skip that pair) or to the data set as a whole (``key`` is None: an
empty folder, a missing CSV column; nothing can be trained until it is fixed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from components.errors import StudioError

SHOWN_IN_ERROR = 20


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 pair', '3 pairs': counts a person reads must agree with their nouns."""
    return f"{count} {word if count == 1 else many or word + 's'}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with the file (or folder, or CSV row) it is about."""

    file: str
    message: str
    key: str | None = None

    @property
    def skippable(self) -> bool:
        """True when leaving one pair out makes the problem go away."""
        return self.key is not None

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


class DataError(StudioError, ValueError):
    """Data a person can fix (a file, a folder, a setting of the data section)."""


class DataProblemsError(DataError):
    """Raised where work must not start on data with unreported problems."""

    def __init__(self, problems: Iterable[Problem] | str, what: str = "the data set") -> None:
        if isinstance(problems, str):
            # torch's DataLoader re-raises a worker's exception as type(message): keep the
            # text whole rather than read it as a list of one-letter problems
            self.problems = []
            super().__init__(problems)
            return
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:SHOWN_IN_ERROR]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__(f"{what} has {plural(len(self.problems), 'unreported problem')}:"
                         "\n  " + "\n  ".join(lines))


class ScanCancelled(Exception):
    """The person cancelled a scan; nothing was changed."""
