"""The graph document as JSON (the ``graph`` section of a project file).

Loading reports every problem with its place in the file (``graph.nodes[2]``,
node ids, setting names) instead of stopping at the first or silently dropping
anything: unknown keys, unknown types, unknown settings, duplicate ids, dangling
edges and ports wired twice are all errors.
"""
from __future__ import annotations

from typing import Any, Iterable

from . import registry
from .errors import ConnectionRefused, GraphError, GraphFormatError, StudioError
from .graph import GraphDocument

NODE_KEYS = {"id", "type", "position", "settings"}
EDGE_KEYS = {"source", "source_port", "target", "target_port"}
FRAME_KEYS = {"id", "title", "nodes"}
GRAPH_KEYS = {"nodes", "edges", "frames"}


def graph_to_dict(doc: GraphDocument, node_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """JSON-ready dict; with ``node_ids``, only those nodes and the wires between them
    (what the clipboard holds)."""
    keep = set(node_ids) if node_ids is not None else {n.id for n in doc.nodes}
    nodes = [{"id": n.id, "type": n.type, "position": [n.position[0], n.position[1]],
              "settings": dict(n.settings)} for n in doc.nodes if n.id in keep]
    edges = [{"source": e.source, "source_port": e.source_port,
              "target": e.target, "target_port": e.target_port}
             for e in doc.edges if e.source in keep and e.target in keep]
    result: dict[str, Any] = {"nodes": nodes, "edges": edges}
    frames = [{"id": f.id, "title": f.title, "nodes": [n for n in f.nodes if n in keep]}
              for f in doc.frames if node_ids is None or set(f.nodes) & keep]
    if frames:
        result["frames"] = frames
    return result


def graph_from_dict(data: Any, where: str = "graph") -> GraphDocument:
    """A new document from its JSON form, or GraphFormatError listing every problem."""
    problems: list[str] = []
    doc = GraphDocument()
    if not isinstance(data, dict):
        raise GraphFormatError([f"{where}: expected an object with 'nodes' and 'edges'"])
    _unknown_keys(data, GRAPH_KEYS, where, problems)
    for i, item in enumerate(_list(data, "nodes", where, problems)):
        _load_node(doc, item, f"{where}.nodes[{i}]", problems)
    for i, item in enumerate(_list(data, "edges", where, problems)):
        _load_edge(doc, item, f"{where}.edges[{i}]", problems)
    for i, item in enumerate(_list(data, "frames", where, problems, required=False)):
        _load_frame(doc, item, f"{where}.frames[{i}]", problems)
    if problems:
        raise GraphFormatError(problems)
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


def _load_node(doc: GraphDocument, item: Any, where: str, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object")
        return
    node_id = item.get("id")
    label = f"{where} (node '{node_id}')" if isinstance(node_id, str) else where
    before = len(problems)
    _unknown_keys(item, NODE_KEYS, label, problems)
    if not isinstance(node_id, str) or not node_id:
        problems.append(f"{where}: 'id' must be a non-empty string")
    elif doc.has_node(node_id):
        problems.append(f"{label}: duplicate node id '{node_id}'")
    position = item.get("position", [0, 0])
    if (not isinstance(position, list) or len(position) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)):
        problems.append(f"{label}: 'position' must be [x, y]")
    settings = item.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(f"{label}: 'settings' must be an object")
        settings = {}
    try:
        cls = registry.get(item.get("type"))
    except StudioError as error:
        problems.append(f"{label}: {error}")
        return
    for error in cls.SCHEMA.problems(settings):
        problems.append(f"{label}: {cls.type_name} {error}")
    if len(problems) == before:
        doc.add_node(cls.type_name, tuple(position), settings, node_id)


def _load_edge(doc: GraphDocument, item: Any, where: str, problems: list[str]) -> None:
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
        if not doc.has_node(item[end]):
            problems.append(f"{where}: {end} '{item[end]}' is not a node in this graph")
    if len(problems) != before:
        return
    try:
        edge = doc.check_connection(item["source"], item["source_port"],
                                    item["target"], item["target_port"])
        if edge.source != item["source"]:
            raise GraphError("wire goes from an input to an output; swap source and target")
        doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)
    except (ConnectionRefused, GraphError) as error:
        problems.append(f"{where} ({item['source']}.{item['source_port']} -> "
                        f"{item['target']}.{item['target_port']}): {error}")


def _load_frame(doc: GraphDocument, item: Any, where: str, problems: list[str]) -> None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object")
        return
    before = len(problems)
    _unknown_keys(item, FRAME_KEYS, where, problems)
    members = item.get("nodes", [])
    if not isinstance(members, list) or not all(isinstance(n, str) for n in members):
        problems.append(f"{where}: 'nodes' must be a list of node ids")
        members = []
    for node_id in members:
        if not doc.has_node(node_id):
            problems.append(f"{where}: node '{node_id}' is not in this graph")
    if len(problems) == before:
        doc.add_frame(str(item.get("title", "")), members, item.get("id") or None)
