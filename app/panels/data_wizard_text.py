"""What the data wizard says, in the words a person sees in its form (Qt-free).

The data section's keys (``data.images``) are the file's words; the wizard names
the fields as its form labels them ("Images folder"). Counts come from one
DataSet.tally(), so the status line, the problems summary, the Skip box and the
refusal agree with each other.
"""
from __future__ import annotations

import re

from app.data.dataset_info import DataSet, Tally
from app.data.detect import describe
from app.data.problems import plural

FIELD_LABELS = {"images": "Images folder", "masks": "Masks folder", "root": "Folder",
                "csv": "CSV file", "image_column": "Image column", "mask_column": "Mask column",
                "mask.kind": "Mask kind", "mask.instances": "Instances become",
                "mask.ignore": "Ignore pixels", "mask.colors": "Class table",
                "mask.values": "Class table", "classes": "Classes", "split": "Split",
                "seed": "Split seed", "fit": "Image size", "augment": "Augmentation",
                "skip": "Skipped pairs", "source": "Source", "name": "Source"}
_KEY = re.compile(r"^data\.([a-z_]+(?:\.[a-z_]+)?)(\[\d+\](?:\.[a-z]+)?)?: (.*)$")


def in_form_words(problem: str) -> str:
    """'data.images: expected a folder path' -> 'Images folder: expected a folder path'."""
    found = _KEY.match(problem)
    if not found:
        return problem
    key, index, message = found.groups()
    label = FIELD_LABELS.get(key) or FIELD_LABELS.get(key.split(".")[0], key)
    return f"{label}{index or ''}: {message}"


def _others(count: int, csv: bool) -> str:
    return plural(count, "CSV line") if csv else plural(count, "unpaired file")


def bad_things(tally: Tally, csv: bool = False) -> str:
    """'2 bad pairs and 1 unpaired file': everything Skip would leave out."""
    parts = []
    if tally.bad_pairs:
        parts.append(plural(tally.bad_pairs, "bad pair"))
    if tally.unpaired:
        parts.append(_others(tally.unpaired, csv))
    return " and ".join(parts)


def status_text(dataset: DataSet) -> str:
    if not dataset.found:
        return f"Found no pairs: {dataset.description}"
    return f"Scanned {plural(dataset.found, 'pair')}: {dataset.description}"


def summary_text(dataset: DataSet) -> str:
    """The line above the problems list."""
    tally = dataset.tally()
    csv = dataset.spec.source == "csv"
    usable = f"{plural(tally.usable, 'pair')} {'is' if tally.usable == 1 else 'are'} usable"
    skipped = f" ({tally.skipped} skipped)" if tally.skipped else ""
    if not tally.problems:
        if tally.skipped:
            return f"No problems; {usable}{skipped}."
        return f"No problems: all {plural(tally.usable, 'pair')} can be used."
    where = []
    if tally.bad_pairs:
        where.append(f"{tally.bad_pairs} of the {plural(tally.found, 'pair')}")
    if tally.unpaired:
        where.append(_others(tally.unpaired, csv))
    place = f" in {' and '.join(where)}" if where else ""
    text = f"{plural(tally.problems, 'problem')} found{place}; {usable}{skipped}."
    if tally.blocking:
        text += (f" {tally.blocking} must be fixed in the data (skipping pairs cannot "
                 f"remove {'it' if tally.blocking == 1 else 'them'}).")
    return text


def skip_text(dataset: DataSet) -> str:
    tally = dataset.tally()
    them = "it" if tally.bad_pairs + tally.unpaired == 1 else "them"
    return (f"Skip the {bad_things(tally, dataset.spec.source == 'csv')} "
            f"(leave {them} out of training)")


def unskipped_text(dataset: DataSet) -> str:
    tally = dataset.tally()
    things = bad_things(tally, dataset.spec.source == "csv")
    verb = "is" if tally.bad_pairs + tally.unpaired == 1 else "are"
    return f"{things[0].upper()}{things[1:]} {verb} neither fixed nor skipped"


def kind_text(dataset: DataSet) -> str:
    """'Masks: palette, 16 classes; value 255 ignored (hatched)', above the class table."""
    decoder = dataset.decoder
    if not dataset.pairs:
        return "Masks: none could be read"
    text = f"Masks: {decoder.kind}, {plural(decoder.num_classes, 'class', 'classes')}"
    if decoder.ignore is not None:
        text += f"; {describe(decoder.ignore, decoder.encoding)} ignored (drawn hatched)"
    return text
