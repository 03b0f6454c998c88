"""What differs between the projects of two or more runs, and nothing else (Qt-free).

W&B's "diff only": a run comparison lists the settings whose values are not the same
in every run (node settings by node id, training settings, the data section), the
nodes one run has and another lacks, and the wires between shared nodes that differ
(the wires of an added node come with it and are not listed again). Node positions
and groups are layout, not model, and are left out. A setting a file leaves out
counts as its default, and a setting that matters in none of the runs (momentum when
every run uses Adam) is left out. The source is each run directory's
``project.json``, the snapshot the run trained, and the ``started`` event's sample
counts, which change when the data folder's contents do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterable, Sequence

from app import runs
from app.data.spec import DEFAULT_SPLIT, DataSpec
from app.engine.config import TRAINING_SCHEMA
from components import registry
from components.errors import StudioError
from components.schema import Schema

SECTIONS = ("node", "setting", "wire", "training", "data")
SPLITS = ("train", "val", "test")
# data keys a file may leave out, with the default the data layer reads then (DataSpec)
DATA_DEFAULTS = {"split": list(DEFAULT_SPLIT),
                 **{f.name: f.default for f in fields(DataSpec) if f.name in ("seed", "fit")}}


class _Absent:
    """A value a project does not have (a node it lacks); shown as a dash."""

    def __repr__(self) -> str:
        return "ABSENT"


class _Unknown:
    """A run whose project snapshot is missing or damaged: nothing is known of it."""

    def __repr__(self) -> str:
        return "UNKNOWN"


ABSENT, UNKNOWN = _Absent(), _Unknown()


@dataclass(frozen=True)
class Difference:
    """One row of the comparison: what differs and its value in each run."""

    section: str                # one of SECTIONS
    key: str                    # "unet.depth", "extra", "learning_rate", "augment.flip"
    values: tuple[Any, ...]     # one per run: a JSON value, ABSENT or UNKNOWN

    @property
    def label(self) -> str:
        if self.section == "node":
            return f"node {self.key}"
        if self.section == "setting":
            node, _, name = self.key.partition(".")
            return f"{node} · {name}"
        if self.section == "wire":
            return f"wire {self.key}"
        return f"{self.section} · {self.key}"

    @property
    def short_label(self) -> str:
        """The label under its section's heading (which already says "Training")."""
        if self.section in ("training", "data"):
            return self.key
        return self.label.removeprefix("node ").removeprefix("wire ")

    def texts(self) -> list[str]:
        return [value_text(v, self.section) for v in self.values]


@dataclass
class RunSnapshot:
    """What a run directory says of the project it trained."""

    path: Path
    project: dict[str, Any] | None
    samples: dict[str, int] | None = None
    problem: str | None = None

    @property
    def model_name(self) -> str | None:
        name = (self.project or {}).get("name")
        return name if isinstance(name, str) else None


def value_text(value: Any, section: str = "") -> str:
    if value is UNKNOWN:
        return "?"
    if value is ABSENT:
        return "—"
    if section == "wire":
        return "✓"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, separators=(", ", ": "))
        return text if len(text) <= 60 else text[:57] + "…"
    return str(value)


# --- runs ---------------------------------------------------------------------------------
def read_snapshot(run_dir: Path) -> RunSnapshot:
    run_dir = Path(run_dir)
    problems: list[str] = []
    project = runs.read_json(run_dir / runs.PROJECT_FILE, problems)
    if project is None and not problems:
        problems.append(f"{runs.PROJECT_FILE} is missing")
    problem = f"{run_dir.name}: {problems[0]}, so its settings are not compared" \
        if problems else None
    return RunSnapshot(run_dir, project, _samples(run_dir), problem)


def run_labels(snapshots: Sequence[RunSnapshot]) -> list[str]:
    """Short names for the runs: the run folder, with the model's name in front when the
    runs come from several models; a number when two would still read the same."""
    names = {s.model_name for s in snapshots}
    labels = [s.path.name if len(names) <= 1 else f"{s.model_name or s.path.parent.parent.name}"
              f" · {s.path.name}" for s in snapshots]
    for index, label in enumerate(labels):
        if labels.count(label) > 1:
            labels[index] = f"{label} ({index + 1})"
    return labels


def run_differences(snapshots: Sequence[RunSnapshot]) -> list[Difference]:
    """The differences between the runs' projects, and between their sample counts."""
    found = project_differences([s.project for s in snapshots])
    counts = [s.samples if s.project is not None else None for s in snapshots]
    for split in SPLITS:
        values = tuple(UNKNOWN if c is None else c.get(split, ABSENT) for c in counts)
        if _differ(values):
            found.append(Difference("data", f"{split} samples", values))
    return found


# --- projects ------------------------------------------------------------------------------
def project_differences(projects: Sequence[dict[str, Any] | None]) -> list[Difference]:
    """Every difference between the projects (a None project is unknown, not compared)."""
    graphs = [None if p is None else _nodes(p) for p in projects]
    found = _node_differences(graphs)
    found += _wire_differences([None if p is None else _wires(p) for p in projects], graphs)
    trainings = [None if p is None else _section(p, "training") for p in projects]
    trainings = [None if t is None else {**_plain(TRAINING_SCHEMA.defaults()),
                                         **{k: v for k, v in t.items() if k != "loss"}}
                 for t in trainings]
    found += _value_differences("training", trainings, TRAINING_SCHEMA)
    datas = [None if p is None else _flat({**DATA_DEFAULTS, **_section(p, "data")})
             for p in projects]
    found += _value_differences("data", datas)
    return found


def _node_differences(graphs: Sequence[dict[str, tuple[str, dict]] | None]) -> list[Difference]:
    known = [g for g in graphs if g is not None]
    ids = _ordered(node_id for g in known for node_id in g)
    rows: list[Difference] = []
    for node_id in ids:
        types = tuple(UNKNOWN if g is None else g[node_id][0] if node_id in g else ABSENT
                      for g in graphs)
        if _differ(types):
            rows.append(Difference("node", node_id, types))
    for node_id in ids:
        present = [g[node_id] for g in known if node_id in g]
        if len(present) < len(known) or len({t for t, _ in present}) > 1:
            continue  # added, removed or of another type: the node row says it
        settings = [None if g is None else g[node_id][1] for g in graphs]
        schema = _schema(present[0][0])
        rows += [Difference("setting", f"{node_id}.{d.key}", d.values)
                 for d in _value_differences("setting", settings, schema)]
    return rows


def _wire_differences(wires: Sequence[set[str] | None],
                      graphs: Sequence[dict[str, tuple[str, dict]] | None]) -> list[Difference]:
    known = [(w, g) for w, g in zip(wires, graphs) if w is not None and g is not None]
    shared = set.intersection(*(set(g) for _, g in known)) if known else set()
    rows = []
    for wire in _ordered(w for ws, _ in known for w in sorted(ws)):
        source, target = (end.split(".")[0] for end in wire.split(" → "))
        if source not in shared or target not in shared:
            continue  # the wire of a node that is added or removed: that node's row says it
        values = tuple(UNKNOWN if w is None else (True if wire in w else ABSENT) for w in wires)
        if _differ(values):
            rows.append(Difference("wire", wire, values))
    return rows


def _value_differences(section: str, dicts: Sequence[dict[str, Any] | None],
                       schema: Schema | None = None) -> list[Difference]:
    known = [d for d in dicts if d is not None]
    rows = []
    for key in _ordered(k for d in known for k in d):
        values = tuple(UNKNOWN if d is None else d.get(key, ABSENT) for d in dicts)
        if _differ(values) and _matters(schema, key, known):
            rows.append(Difference(section, key, values))
    return rows


def _differ(values: Iterable[Any]) -> bool:
    known = [json.dumps(v, sort_keys=True, default=repr) for v in values if v is not UNKNOWN]
    return len(set(known)) > 1


def _matters(schema: Schema | None, key: str, values: Sequence[dict[str, Any]]) -> bool:
    """Whether a setting applies in at least one run (a setting the schema does not
    know, or a `when` that cannot be read, counts as applying)."""
    if schema is None or key not in schema:
        return True
    try:
        return any(schema.applies(key, v) for v in values)
    except StudioError:
        return True


def _nodes(project: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """node id -> (type, settings with defaults filled in)."""
    graph = project.get("graph") if isinstance(project.get("graph"), dict) else {}
    nodes: dict[str, tuple[str, dict[str, Any]]] = {}
    for node in graph.get("nodes") or []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        kind = str(node.get("type"))
        settings = node.get("settings") if isinstance(node.get("settings"), dict) else {}
        schema = _schema(kind)
        defaults = _plain(schema.defaults()) if schema else {}
        nodes[node["id"]] = (kind, {**defaults, **settings})
    return nodes


def _wires(project: dict[str, Any]) -> set[str]:
    graph = project.get("graph") if isinstance(project.get("graph"), dict) else {}
    return {f"{e.get('source')}.{e.get('source_port')} → {e.get('target')}.{e.get('target_port')}"
            for e in graph.get("edges") or [] if isinstance(e, dict)}


def _schema(kind: str) -> Schema | None:
    try:
        return registry.get(kind).SCHEMA
    except StudioError:
        return None


def _section(project: dict[str, Any], key: str) -> dict[str, Any]:
    value = project.get(key)
    return value if isinstance(value, dict) else {}


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys ("augment.flip"), so one changed option is one row."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Schema defaults as the JSON a file holds (tuples as lists)."""
    return json.loads(json.dumps(values))


def _ordered(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _samples(run_dir: Path) -> dict[str, int] | None:
    """The ``started`` event's sample counts per split, from the head of events.jsonl."""
    try:
        with open(run_dir / runs.EVENTS_FILE, "rb") as stream:
            head = [stream.readline() for _ in range(8)]
    except OSError:
        return None
    for line in head:
        try:
            event = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(event, dict) and event.get("type") == "started":
            samples = event.get("samples")
            return {k: v for k, v in samples.items() if isinstance(v, int)} \
                if isinstance(samples, dict) else None
    return None
