"""The project's data as the live previews see it: the scanned data set and one sample.

Scanning a data section takes from a third of a second (the demo shapes, once
generated) to minutes (20,000 pairs), so it runs on a Python thread, never on the
GUI's; its result comes back through a queued signal and is dropped when the data
section changed again meanwhile. The sample is the first page of the validation
split (the first of the training split when there is none), or the one the person
picked from ``names``; it is read whole, at its own size, with the mask's class ids
(app.data.dataset.FullImageDataset): the preview service fits it to the Input.

``check()`` compares the project's data section (and folder) with the one scanned
and scans again only when they differ; the controller calls it after every undo
step and on File > Open, so a data edit, its undo and a recommendation all show.
It looks CHECK_MS after the last call (a window made and then given a file scans
only the file's data), and a newer scan cancels the one still running.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.data.dataset import FullImage, FullImageDataset
from app.data.dataset_info import DataSet
from app.data.problems import ScanCancelled
from app.data.scan import scan
from app.project import Project
from components.errors import StudioError

LOG = logging.getLogger(__name__)
SPLIT_ORDER = ("val", "train", "test")
CHECK_MS = 200


@dataclass(frozen=True)
class SampleName:
    """One page a person can pick: the split, its index there and the file's name."""

    split: str
    index: int
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.split})"


class SampleSource(QObject):
    """Scans the project's data off the GUI thread and reads the preview sample."""

    changed = Signal()                     # dataset, names, sample or message are new
    _arrived = Signal(int, object, object, object, str)  # serial, dataset, names, sample, message

    def __init__(self, project: Project, parent: QObject | None = None,
                 enabled: bool = True) -> None:
        super().__init__(parent)
        self.project = project
        self.enabled = enabled
        self.dataset: DataSet | None = None
        self.names: list[SampleName] = []
        self.sample: FullImage | None = None
        self.chosen: SampleName | None = None   # None: the first one
        self.message = "" if enabled else "Live previews are off."
        self.busy = False
        self._key: tuple[str, str] | None = None
        self._serial = 0
        self._threads: list[threading.Thread] = []
        self._cancel = threading.Event()
        self._closed = False
        self._arrived.connect(self._on_arrived)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check_now)

    # --- what the controller and the panel call ------------------------------------------
    def check(self, *args: Any) -> None:
        """Look at the data section CHECK_MS from now (see the module docstring)."""
        if self.enabled:
            self._timer.start()

    def check_now(self) -> None:
        """Scan again if the data section or the project's folder changed."""
        self._timer.stop()
        if not self.enabled:
            return
        key = (json.dumps(self.project.data, sort_keys=True, default=str),
               str(self.project.folder))
        if key != self._key:
            self._key = key
            self.chosen = None
            self._start(scan_first=True)

    def choose(self, name: SampleName | None) -> None:
        """Preview this page instead (None: the first validation page)."""
        if name != self.chosen and self.enabled:
            self.chosen = name
            self._start(scan_first=False)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the threads started so far are done (tests; the queued result
        still needs the event loop)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def close(self) -> None:
        """The window is closing: a scan still running is cancelled, not waited for, and
        its result goes nowhere."""
        self._closed = True
        self.enabled = False
        self._timer.stop()
        self._cancel.set()

    @property
    def has_data(self) -> bool:
        """A data set with pages to show or plan from."""
        return self.dataset is not None and bool(self.names)

    # --- inside --------------------------------------------------------------------------
    def _start(self, scan_first: bool) -> None:
        self._serial += 1
        serial, data, folder = self._serial, json.loads(self._key[0]), Path(self._key[1])
        dataset, chosen = (None if scan_first else self.dataset), self.chosen
        if scan_first:  # the data changed: a scan of the old data is of no use now
            self._cancel.set()
            self._cancel = threading.Event()
        cancel = self._cancel
        self.busy = True
        self.message = "Reading the data…" if scan_first else "Reading the sample…"
        self.changed.emit()

        def work() -> None:
            try:
                found = dataset or scan(data, folder, cancel=cancel)
                names = sample_names(found)
                picked = chosen if chosen in names else (names[0] if names else None)
                sample = read_sample(found, picked) if picked else None
                message = "" if picked else "The data has no images to preview yet."
                arrived = (serial, found, names, sample, message)
            except ScanCancelled:
                return  # a newer scan or the closing window cancelled this one
            except StudioError as error:
                arrived = (serial, None, [], None, f"No previews: {error}")
            except Exception as error:  # noqa: BLE001 - a preview must not take the window down
                LOG.exception("reading the preview sample failed")
                arrived = (serial, None, [], None, f"No previews: {error}")
            if not self._closed:
                try:
                    self._arrived.emit(*arrived)
                except RuntimeError:  # the window closed meanwhile: nobody to tell
                    pass

        thread = threading.Thread(target=work, name="preview-sample", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _on_arrived(self, serial: int, dataset: DataSet | None, names: list[SampleName],
                    sample: FullImage | None, message: str) -> None:
        if serial != self._serial:
            return  # the data changed again meanwhile
        self.dataset, self.names, self.sample, self.message = dataset, names, sample, message
        self.busy = False
        self.changed.emit()


def sample_names(dataset: DataSet) -> list[SampleName]:
    """Every page of the data set, validation first, as a person can pick them."""
    names = []
    for split in SPLIT_ORDER:
        index = 0
        for info in dataset.split_pairs(split):
            for page in range(info.pages):
                names.append(SampleName(split, index, info.page_name(page)))
                index += 1
    return names


def read_sample(dataset: DataSet, name: SampleName) -> FullImage:
    """The page, whole, in the data's own channels (the preview fits it to the Input)."""
    return FullImageDataset(dataset, name.split, dataset.channels)[name.index]
