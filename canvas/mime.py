"""What travels through drag and drop and the clipboard.

A palette drag carries a component type name. The clipboard carries the graph's
own JSON (``graph_to_dict`` of the copied nodes) as plain text, so copying between two windows, or into a text editor and back,
works without any state shared between windows.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData

from components.errors import StudioError
from components.serialize import json_message

COMPONENT_MIME = "application/x-unet-studio-component"
GRAPH_MIME = "application/x-unet-studio-graph"
CLIPBOARD_KEY = "unet_studio_fragment"


def component_mime(type_name: str) -> QMimeData:
    data = QMimeData()
    data.setData(COMPONENT_MIME, QByteArray(type_name.encode("utf-8")))
    data.setText(type_name)
    return data


def component_from_mime(data: QMimeData) -> str | None:
    if not data.hasFormat(COMPONENT_MIME):
        return None
    return bytes(data.data(COMPONENT_MIME).data()).decode("utf-8", "replace")


def graph_text(fragment: dict[str, Any]) -> str:
    """The clipboard form of copied nodes: plain-text JSON, readable in any editor.

    Plain text on purpose: a QMimeData handed to the clipboard crashes PySide6 6.11
    and 6.12 when the interpreter exits (segfault after QApplication quits)."""
    return json.dumps({CLIPBOARD_KEY: 1, "graph": fragment}, indent=1)


class ClipboardError(StudioError, ValueError):
    """The clipboard holds something that is not a graph fragment; says what."""


def graph_from_mime(data: QMimeData | None) -> dict[str, Any]:
    """The fragment dict in ``data`` (ours, or a project's/graph's JSON pasted as text)."""
    if data is None:
        raise ClipboardError("the clipboard is empty")
    if data.hasFormat(GRAPH_MIME):
        text = bytes(data.data(GRAPH_MIME).data()).decode("utf-8", "replace")
    elif data.hasText() and data.text().strip():
        text = data.text()
    else:
        raise ClipboardError("the clipboard holds no nodes")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClipboardError(f"the clipboard text is not JSON (line {error.lineno}, column "
                             f"{error.colno}: {json_message(error)})") from None
    return _fragment_of(value)


def _fragment_of(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and isinstance(value.get("graph"), dict):
        value = value["graph"]  # our envelope, or a whole project file
    if isinstance(value, dict) and isinstance(value.get("nodes"), list):
        return {k: v for k, v in value.items() if k in ("nodes", "edges", "frames")} | {
            "edges": value.get("edges", [])}
    raise ClipboardError("the clipboard JSON holds no 'nodes' list")
