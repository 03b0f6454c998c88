"""The graph document as JSON (the ``graph`` section of a project file).

Loading reports every problem with its place in the file (``graph.nodes[2]``,
node ids, setting names) instead of stopping at the first or silently dropping
anything: unknown keys, unknown types, unknown settings, duplicate ids, dangling
edges and ports wired twice are all errors. With ``keep_invalid`` (a project file, a
paste) a known setting with a value its schema refuses (a U-Net depth of 12) is not:
the graph opens so the person can fix it, the node keeps the value as it was
(``Node.invalid``) and the analysis names it on the node.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable

from . import registry
from .errors import ConnectionRefused, GraphCycleError, GraphError, GraphFormatError, StudioError
from .graph import GraphDocument

NODE_KEYS = {"id", "type", "position", "settings"}
EDGE_KEYS = {"source", "source_port", "target", "target_port"}
FRAME_KEYS = {"id", "title", "nodes"}
GRAPH_KEYS = {"nodes", "edges", "frames"}


def json_message(error: json.JSONDecodeError) -> str:
    """json's message as a whole phrase: some end in 'at', before the position json
    prints itself ("Unterminated string starting at"), which messages here give as
    line and column instead."""
    return error.msg[:-3] + " here" if error.msg.endswith(" at") else error.msg


def graph_to_dict(doc: GraphDocument, node_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """JSON-ready dict; with ``node_ids``, only those nodes and the wires between them
    (what the clipboard holds). The document's own ``snapshot``, under the name the
    file format uses."""
    return doc.snapshot(node_ids)


def graph_from_dict(data: Any, where: str = "graph", keep_invalid: bool = False
                    ) -> GraphDocument:
    """A new document from its JSON form, or GraphFormatError listing every problem.

    ``keep_invalid`` opens a known setting whose value its schema refuses (a project
    file a person wrote, or a copy of such a node) instead of refusing the graph: the
    node keeps the value as it was (``Node.invalid``) and the analysis names it."""
    problems: list[str] = []
    kept: list[str] | None = [] if keep_invalid else None  # named too if the graph is refused
    doc = GraphDocument()
    if not isinstance(data, dict):
        raise GraphFormatError([f"{where}: expected an object with 'nodes' and 'edges'"])
    _unknown_keys(data, GRAPH_KEYS, where, problems)
    seen_ids: set[str] = set()
    for i, item in enumerate(_list(data, "nodes", where, problems)):
        _load_node(doc, item, f"{where}.nodes[{i}]", problems, seen_ids, kept)
    placed: dict[Any, str] = {}
    for i, item in enumerate(_list(data, "edges", where, problems)):
        _load_edge(doc, item, f"{where}.edges[{i}]", problems, seen_ids, placed)
    _report_cycles(doc, placed, problems)
    for i, item in enumerate(_list(data, "frames", where, problems, required=False)):
        _load_frame(doc, item, f"{where}.frames[{i}]", problems)
    if problems:
        raise GraphFormatError(problems + (kept or []))
    return doc


def _list(data: dict, key: str, where: str, problems: list[str], required: bool = True) -> list:
    if key not in data:
        if required:
            problems.append(f"{where}: missing '{key}'")
        return []
    value = data[key]
    if not isinstance(value, list):
        problems.append(f"{where}.{key}: expected a list")
        return []
    return value


def _unknown_keys(item: dict, allowed: set[str], where: str, problems: list[str]) -> None:
    for key in item:
        if key not in allowed:
            problems.append(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _load_node(doc: GraphDocument, item: Any, where: str, problems: list[str],
               seen_ids: set[str], kept: list[str] | None) -> None:
    """Load one node; with ``kept`` (a list) a bad value of a known setting is kept on
    the node and its message goes to ``kept`` instead of ``problems``."""
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object")
        return
    node_id = item.get("id")
    label = f"{where} (node '{node_id}')" if isinstance(node_id, str) else where
    before = len(problems)
    _unknown_keys(item, NODE_KEYS, label, problems)
    if not isinstance(node_id, str) or not node_id:
        problems.append(f"{where}: 'id' must be a non-empty string")
    elif node_id in seen_ids:
        problems.append(f"{label}: duplicate node id '{node_id}'")
    else:
        seen_ids.add(node_id)
    position = item.get("position", [0, 0])
    if not _is_position(position):
        problems.append(f"{label}: 'position' must be [x, y] with two finite numbers")
    settings = item.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(f"{label}: 'settings' must be an object")
        settings = {}
    type_name = item.get("type")
    if not isinstance(type_name, str):
        problems.append(f"{label}: 'type' must be a component type name "
                        f"(valid types: {', '.join(registry.names())})")
        return
    try:
        cls = registry.get(type_name)
    except StudioError as error:
        problems.append(f"{label}: {error}")
        return
    invalid = {}
    for error in cls.SCHEMA.problems(settings):
        message = f"{label}: {cls.type_name} {error}"
        if kept is not None and error.setting in cls.SCHEMA:  # the analysis names it
            invalid[error.setting] = settings[error.setting]
            kept.append(message)
        else:  # an unknown key never opens
            problems.append(message)
    if len(problems) == before:
        valid = {k: v for k, v in settings.items() if k not in invalid}
        doc.add_node(cls.type_name, tuple(position), valid, node_id, invalid=invalid)


def _is_position(value: Any) -> bool:
    if not isinstance(value, list) or len(value) != 2:
        return False
    try:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(float(v)) for v in value)
    except OverflowError:
        return False


def _load_edge(doc: GraphDocument, item: Any, where: str, problems: list[str],
               seen_ids: set[str], placed: dict[Any, str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object")
        return
    before = len(problems)
    _unknown_keys(item, EDGE_KEYS, where, problems)
    for key in sorted(EDGE_KEYS):
        if not isinstance(item.get(key), str):
            problems.append(f"{where}: '{key}' must be a string")
    if len(problems) != before:
        return
    for end in ("source", "target"):
        if item[end] not in seen_ids:
            problems.append(f"{where}: {end} '{item[end]}' is not a node in this graph")
    if len(problems) != before or not (doc.has_node(item["source"]) and
                                       doc.has_node(item["target"])):
        return  # a node that failed to load has its own message already
    try:
        edge = doc.connect_unchecked_cycles(item["source"], item["source_port"],
                                            item["target"], item["target_port"])
        placed[edge] = where
    except (ConnectionRefused, GraphError) as error:
        problems.append(f"{where} ({item['source']}.{item['source_port']} -> "
                        f"{item['target']}.{item['target_port']}): {error}")


def _report_cycles(doc: GraphDocument, placed: dict[Any, str], problems: list[str]) -> None:
    """One topological pass over the loaded wires; blame the last wire of each cycle."""
    while True:
        try:
            doc.topological_order()
            return
        except GraphCycleError as error:
            cycle = error.cycle
            steps = set(zip(cycle, cycle[1:]))  # graphlib lists predecessor -> successor
            order = {edge: i for i, edge in enumerate(placed)}
            last = max((e for e in doc.edges if (e.source, e.target) in steps), key=order.get)
            problems.append(f"{placed[last]} ({last.source}.{last.source_port} -> "
                            f"{last.target}.{last.target_port}): the wire would make a cycle "
                            f"({' -> '.join(cycle)})")
            doc.disconnect(last)


def _load_frame(doc: GraphDocument, item: Any, where: str, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object")
        return
    before = len(problems)
    _unknown_keys(item, FRAME_KEYS, where, problems)
    frame_id, title = item.get("id", ""), item.get("title", "")
    if not isinstance(frame_id, str):
        problems.append(f"{where}: 'id' must be a string")
    elif frame_id and frame_id in {f.id for f in doc.frames}:
        problems.append(f"{where}: duplicate frame id '{frame_id}'")
    if not isinstance(title, str):
        problems.append(f"{where}: 'title' must be a string")
    members = item.get("nodes", [])
    if not isinstance(members, list) or not all(isinstance(n, str) for n in members):
        problems.append(f"{where}: 'nodes' must be a list of node ids")
        members = []
    elif len(set(members)) != len(members):
        problems.append(f"{where}: a node is listed twice in 'nodes'")
    for node_id in members:
        if not doc.has_node(node_id):
            problems.append(f"{where}: node '{node_id}' is not in this graph")
    if len(problems) == before:
        doc.add_frame(title, members, frame_id or None)
