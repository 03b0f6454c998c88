"""From a layout on disk to (image, mask) pairs, and the problems found on the way.

Layouts: two folders paired by file stem (usual suffixes tolerated: ``cat.jpg``
<-> ``cat_mask.png``, ``001_img.png`` <-> ``001_masks.png``; sub-folders are
matched too), the same with ``train/ val/ test/`` sub-folders that keep the
person's split, and a CSV with an image column and a mask column. Nothing is
decoded here; scan.py reads the files.
"""
from __future__ import annotations

import csv
import errno
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .images import IMAGE_EXTENSIONS, is_image_name
from .problems import Problem

SPLITS = ("train", "val", "test")
SPLIT_FOLDER_NAMES = {"train": ("train", "training"), "val": ("val", "valid", "validation"),
                      "test": ("test", "testing")}
MASK_WORDS = ("mask", "masks", "label", "labels", "lbl", "gt", "groundtruth", "seg",
              "segmentation", "annotation", "annotations", "anno")
IMAGE_WORDS = ("img", "image", "images", "im", "raw", "input")
_SUFFIX = re.compile(r"^(.+?)[ _.\-]+(" + "|".join(MASK_WORDS + IMAGE_WORDS) + r")$")
IGNORED_FILES = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Pair:
    """An image and its mask; ``key`` names the pair (the image, as shown)."""

    image: Path
    mask: Path
    key: str
    split: str | None = None


@dataclass
class Pairing:
    pairs: list[Pair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: "Pairing") -> None:
        self.pairs += other.pairs
        self.problems += other.problems
        self.notes += other.notes


def shown(path: Path, base: Path) -> str:
    """A path as the person reads it: relative to the project folder when inside it.

    Inside means the path as written, or the file it links to, is under the folder.
    ``os.path.realpath`` (unlike ``Path.resolve`` in Python 3.11) does not raise on a
    symbolic link loop, which must be reported like any other bad file, not crash.
    """
    absolute, root = os.path.abspath(path), os.path.abspath(base)
    try:
        if _under(absolute, root) or _under(os.path.realpath(path), os.path.realpath(base)):
            return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # another drive on Windows
        pass
    return Path(absolute).as_posix()


def _under(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def same_folder(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def stem_key(relative: Path) -> tuple[str, str]:
    """(sub-folder, stem) with case and one image/mask suffix word ignored."""
    stem = relative.stem.casefold()
    found = _SUFFIX.match(stem)
    if found:
        stem = found.group(1)
    return relative.parent.as_posix().casefold(), stem


def is_mask_name(path: Path) -> bool:
    found = _SUFFIX.match(path.stem.casefold())
    return bool(found) and found.group(2) in MASK_WORDS


def pair_folders(images: Path, masks: Path, base: Path, split: str | None = None) -> Pairing:
    """Pairs from an images folder and a masks folder (which may be the same folder)."""
    result = Pairing()
    image_files = _list_images(images, base, result, "images")
    if masks.is_dir() and images.is_dir() and same_folder(images, masks):
        assert image_files is not None
        mask_files = [p for p in image_files if is_mask_name(p)]
        image_files = [p for p in image_files if not is_mask_name(p)]
    else:  # listed even when the images folder is missing: report both at once
        mask_files = _list_images(masks, base, result, "masks")
    if image_files is None or mask_files is None:
        return result
    if not image_files:
        result.problems.append(Problem(shown(images, base), "no image files in this folder "
                                       f"(looked for {', '.join(IMAGE_EXTENSIONS)})"))
        return result
    by_image = _group(image_files, images)
    by_mask = _group(mask_files, masks)
    for key, files in sorted(by_image.items()):
        partners = by_mask.get(key, [])
        if len(files) > 1 or len(partners) > 1:
            _ambiguous(files, partners, base, result)
        elif not partners:
            name = shown(files[0], base)
            result.problems.append(Problem(name, f"image without a mask: nothing in "
                                           f"{shown(masks, base)} is named like it", name))
        else:
            result.pairs.append(Pair(files[0], partners[0], shown(files[0], base), split))
    for key, files in sorted(by_mask.items()):
        if key not in by_image:
            for mask in files:
                name = shown(mask, base)
                result.problems.append(Problem(name, f"mask without an image: nothing in "
                                               f"{shown(images, base)} is named like it", name))
    return result


def pair_split_folders(images: Path, masks: Path, base: Path, root: Path | None) -> Pairing:
    """Pairs from train/val/test sub-folders: ``root/<split>/{images,masks}`` when a
    root is given, else ``images/<split>`` and ``masks/<split>``."""
    result = Pairing()
    parent = root if root is not None else images
    if not parent.is_dir():
        result.problems.append(Problem(shown(parent, base), _missing_folder(parent)))
        return result
    found = {split: _split_folder(parent, split) for split in SPLITS}
    if found["train"] is None:
        result.problems.append(Problem(shown(parent, base), "no train/ sub-folder: a folder "
                                       "that keeps its own split needs train/ (and val/, test/)"))
        return result
    for split, folder in found.items():
        if folder is None:
            result.notes.append(f"{shown(parent, base)}: no {split}/ sub-folder, so the "
                                f"{split} split is empty")
            continue
        if root is not None:
            part = pair_folders(folder / images, folder / masks, base, split)
        else:
            part = pair_folders(folder, masks / folder.name, base, split)
        result.extend(part)
    return result


def pair_csv(path: Path, image_column: str, mask_column: str, base: Path) -> Pairing:
    """Pairs from a CSV file; paths in it are relative to the CSV's folder."""
    result = Pairing()
    name = shown(path, base)
    rows = _read_csv(path, name, result)
    if rows is None:
        return result
    header, body = rows
    missing = [c for c in (image_column, mask_column) if c not in header]
    if missing:
        result.problems.append(Problem(name, f"no column named {' or '.join(map(repr, missing))} "
                                       f"(columns: {', '.join(header) or 'none'})"))
        return result
    seen: dict[str, int] = {}
    blank = []
    for line, row in body:
        image_cell = (row.get(image_column) or "").strip()
        mask_cell = (row.get(mask_column) or "").strip()
        where = f"{name}, line {line}"
        if not any(_cell_text(v) for v in row.values()):  # ",," (a spreadsheet's last row)
            blank.append(line)
            continue
        empty = [c for c, v in ((image_column, image_cell), (mask_column, mask_cell)) if not v]
        if empty:
            result.problems.append(Problem(where, f"empty {' and '.join(map(repr, empty))} "
                                           "cell", where))
            continue
        image, mask = path.parent / _portable(image_cell), path.parent / _portable(mask_cell)
        key = shown(image, base)
        if key in seen:
            result.problems.append(Problem(where, f"image {key} is listed again (first on "
                                           f"line {seen[key]})", where))
            continue
        seen[key] = line
        result.pairs.append(Pair(image, mask, key))
    if blank:
        result.notes.append(f"{name}: {_lines(blank)} only commas (no file names): left out")
    if not result.pairs and not result.problems:
        result.problems.append(Problem(name, "the CSV has a header but no rows"))
    return result


def _cell_text(value: object) -> str:
    """A cell's text; DictReader gives a list for cells beyond the header's columns."""
    if isinstance(value, list):
        return "".join(v.strip() for v in value if v)
    return (value or "").strip()


def _lines(numbers: list[int]) -> str:
    shown_lines = ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")
    return f"line {shown_lines} holds" if len(numbers) == 1 else f"lines {shown_lines} hold"


def _portable(cell: str) -> str:
    """A CSV path cell as this system writes paths: a CSV made on Windows says
    ``imgs\\a.png``, which elsewhere would be one file name with a backslash in it."""
    return cell.replace("\\", "/") if os.sep == "/" else cell


def _read_csv(path: Path, name: str, result: Pairing
              ) -> tuple[list[str], list[tuple[int, dict]]] | None:
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream, delimiter=_delimiter(stream.readline()))
            stream.seek(0)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            body = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        result.problems.append(Problem(name, _csv_error(error, path)))
        return None
    if not header:
        result.problems.append(Problem(name, "the CSV file is empty (no header row)"))
        return None
    return header, body


def _delimiter(header: str) -> str:
    """',' unless the header has none but has ';' or a tab: spreadsheets in many
    languages save "CSV" with semicolons, which would read as one column."""
    if "," in header:
        return ","
    return next((d for d in (";", "\t") if d in header), ",")


def _csv_error(error: BaseException, path: Path) -> str:
    if isinstance(error, FileNotFoundError):
        return "CSV file not found"
    if isinstance(error, PermissionError):
        return "permission denied: the CSV file cannot be read"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a CSV file"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start}); save the CSV as UTF-8"
    return f"cannot read the CSV ({error})"


def _split_folder(parent: Path, split: str) -> Path | None:
    for name in SPLIT_FOLDER_NAMES[split]:
        for candidate in (parent / name, parent / name.capitalize(), parent / name.upper()):
            if candidate.is_dir():
                return candidate
    return None


def _missing_folder(folder: Path) -> str:
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    if os.path.islink(folder):
        if _is_loop(folder):
            return ("folder is a symbolic link loop (it leads back to itself); point the link "
                    "at the real folder")
        return f"folder is a broken symbolic link (to {os.readlink(folder)}, which is missing)"
    return "folder not found"


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
        return False
    except OSError as error:
        return error.errno == errno.ELOOP


def _list_images(folder: Path, base: Path, result: Pairing, what: str) -> list[Path] | None:
    """Image files under a folder, recursively, following linked sub-folders once
    (a link back to a folder already listed is a loop: noted, not followed).
    Other files are left out with a note: a README or a labels.json beside the
    images is no reason to stop training.

    None when the folder itself cannot be read (a problem for the whole data set).
    """
    if not folder.is_dir():
        result.problems.append(Problem(shown(folder, base), f"{what} {_missing_folder(folder)}"))
        return None
    if not os.access(folder, os.R_OK | os.X_OK):
        result.problems.append(Problem(shown(folder, base), f"permission denied: the {what} "
                                       "folder cannot be read"))
        return None
    files: list[Path] = []
    others: list[str] = []
    visited = {os.path.realpath(folder)}
    for current, dirs, names in os.walk(folder, followlinks=True,
                                        onerror=lambda e: _walk_error(e, base, result)):
        dirs[:] = _unvisited(Path(current), sorted(d for d in dirs if not d.startswith(".")),
                             visited, base, result)
        for file_name in sorted(names):
            if file_name.startswith(".") or file_name.casefold() in IGNORED_FILES:
                continue
            path = Path(current) / file_name
            if is_image_name(path):
                files.append(path)
            else:
                others.append(shown(path, base))
    if others:
        listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        result.notes.append(f"{shown(folder, base)}: {len(others)} "
                            f"{'file is' if len(others) == 1 else 'files are'} not an image "
                            f"({', '.join(IMAGE_EXTENSIONS)}) and left out: {listed}")
    return files


def _unvisited(current: Path, dirs: list[str], visited: set[str], base: Path,
               result: Pairing) -> list[str]:
    """Sub-folders not seen yet; a link that leads back to one already listed is noted."""
    kept = []
    for name in dirs:
        real = os.path.realpath(current / name)
        if real in visited:
            result.notes.append(f"{shown(current / name, base)}: a link to a folder already "
                                "read (a loop, or a second link to it): not read twice")
            continue
        visited.add(real)
        kept.append(name)
    return kept


def _walk_error(error: OSError, base: Path, result: Pairing) -> None:
    where = shown(Path(error.filename), base) if error.filename else "?"
    result.problems.append(Problem(where, f"cannot list this folder ({error.strerror})"))


def _group(files: list[Path], folder: Path) -> dict[tuple[str, str], list[Path]]:
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for path in files:
        groups[stem_key(path.relative_to(folder))].append(path)
    return groups


def _ambiguous(images: list[Path], masks: list[Path], base: Path, result: Pairing) -> None:
    names = [shown(p, base) for p in images + masks]
    for path in images:
        name = shown(path, base)
        result.problems.append(Problem(name, "ambiguous pair: these files share one name and "
                                       f"cannot be told apart: {', '.join(names)}; keep one "
                                       "(move the other copies out of the folder)", name))
