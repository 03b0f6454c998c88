"""Small builders the core tests share."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.graph import GraphDocument


def chain(*specs: tuple[str, dict[str, Any]], ids: list[str] | None = None) -> GraphDocument:
    """A document with the given (type, settings) nodes wired out -> in in a line."""
    doc = GraphDocument()
    previous = None
    for i, (type_name, settings) in enumerate(specs):
        node = doc.add_node(type_name, (i * 200.0, 0.0), settings, ids[i] if ids else None)
        if previous is not None:
            port = doc.input_ports(node.id)[0]
            doc.connect(previous, "out", node.id, port)
        previous = node.id
    return doc


def write_project(path: Path, graph: dict[str, Any], **extra: Any) -> Path:
    data = {"format": 1, "name": "test", "graph": graph,
            "data": {"source": "demo", "name": "shapes"}, "training": {}}
    data.update(extra)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def shown(qtbot: Any, widget: Any, width: int, height: int) -> Any:
    """A widget handed to qtbot, resized and shown (offscreen), once it is exposed."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
