"""The owner's side of a settings form: text <-> values, and checked edits (no Qt).

A SettingsForm only reports what the person typed or picked; it never touches
the document. Whoever owns the form (the property panel, the training dock)
turns that into an edit here and pushes it as one undo command:

    form.committed.connect(on_committed)

    def on_committed(name, value):
        try:
            edit = prepare_node_edit(document, selected_ids, name, value)
        except StudioError as error:           # refused: the document is unchanged
            form.set_error(name, error_text(error))
            form.set_values(*selection_values(document, selected_ids)[2:])
            return
        if edit.changes:                        # one undo step, however many nodes
            stack.push(CompoundCommand(edit.text, [SetSettingCommand(document, node, name, new)
                                                   for node, _old, new in edit.changes]))

Checking goes through ``GraphDocument.check_setting``, the same check the undo
command makes, so a value the form lets through can never be refused later.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from components import registry
from components.errors import GraphError, SettingError, StudioError
from components.graph import GraphDocument
from components.schema import Schema, Setting

_SEPARATORS = re.compile(r"[,;\s]+")
_PREFIX = re.compile(r"^setting '[^']*': ")


def parse_text(setting: Setting, text: str) -> Any:
    """What a person typed, as the kind's value (not yet range-checked).

    Numbers may be written as ``1e-4``; a floats list as ``1, 3, 0.5`` or
    ``[1 3 0.5]``; a ``special`` word as itself. Only text that is not a value
    of this kind at all raises SettingError (a range is the owner's check).
    """
    text = text.strip()
    if text in setting.special:
        return text
    if setting.kind == "text":
        return text
    if setting.kind == "floats":
        items = [t for t in _SEPARATORS.split(text.strip("[]() ")) if t]
        if not items:
            raise SettingError(setting.name, f"expected {setting.describe_allowed()}")
        return tuple(_number(setting, item) for item in items)
    if setting.kind in ("int", "float"):
        number = _number(setting, text)
        if setting.kind == "int" and number.is_integer():
            return int(number)
        return number
    raise SettingError(setting.name, f"a {setting.kind} setting is not typed as text")


def _number(setting: Setting, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise SettingError(setting.name, f"'{text}' is not a number; expected "
                           f"{setting.describe_allowed()}") from None
    if not math.isfinite(number):
        raise SettingError(setting.name, f"'{text}' is not a finite number")
    return number


def format_value(setting: Setting, value: Any) -> str:
    """The text an editor shows for a value (the inverse of parse_text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ", ".join(_format_number(v) for v in value)
    return _format_number(value)


def _format_number(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def error_text(error: StudioError) -> str:
    """An error's message as shown beside its field (the field already names the setting)."""
    return _PREFIX.sub("", str(error))


def tooltip(setting: Setting) -> str:
    """Help text and the allowed values: what a field's tooltip says."""
    lines = [setting.help] if setting.help else []
    lines.append(f"Allowed: {setting.describe_allowed()}")
    lines += [f"Used only when {other} is {' or '.join(str(v) for v in allowed)}."
              for other, allowed in setting.when]
    return "\n".join(lines)


@dataclass(frozen=True)
class NodeEdit:
    """One setting changed on one or more nodes: (node id, old, new) per changed node."""

    name: str
    changes: tuple[tuple[str, Any, Any], ...]

    @property
    def text(self) -> str:
        """The undo stack's label for the edit."""
        if len(self.changes) == 1:
            node_id, _, new = self.changes[0]
            return f"Set {node_id}.{self.name} to {_shown(new)}"
        return f"Set {self.name} of {len(self.changes)} nodes to {_shown(self.changes[0][2])}"


def _shown(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_format_number(v) for v in value) + "]"
    return _format_number(value) if not isinstance(value, str) else value


def selection_values(doc: GraphDocument, node_ids: Iterable[str]
                     ) -> tuple[str, Schema, dict[str, Any], set[str]]:
    """(type name, schema, values, mixed names) for a selection of nodes of one type.

    The values are the first node's; ``mixed`` names the settings in which the
    nodes differ (the form shows those as "mixed"). GraphError if the nodes are
    of different types (a form edits one type) or the selection is empty.
    """
    nodes = [doc.node(n) for n in node_ids]
    if not nodes:
        raise GraphError("no node selected")
    types = sorted({n.type for n in nodes})
    if len(types) > 1:
        raise GraphError(f"the selected nodes are of different types ({', '.join(types)}); "
                         "select nodes of one type to edit them together")
    values = dict(nodes[0].settings)
    mixed = {name for name in values if any(
        _differs(n.settings.get(name), values[name]) for n in nodes[1:])}
    return types[0], registry.get(types[0]).SCHEMA, values, mixed


def _differs(a: Any, b: Any) -> bool:
    return a != b or type(a) is not type(b)


def prepare_node_edit(doc: GraphDocument, node_ids: Iterable[str], name: str,
                      value: Any) -> NodeEdit:
    """The checked edit of ``name`` on every node, or the first refusal (nothing changes).

    Each node is checked with ``doc.check_setting`` (range, kind, wired ports). A
    refusal on one of several nodes names that node, so the message beside the
    field says which one would break.
    """
    ids = list(dict.fromkeys(node_ids))
    if not ids:
        raise GraphError("no node selected")
    changes = []
    for node_id in ids:
        try:
            new = doc.check_setting(node_id, name, value)
        except SettingError as error:
            if len(ids) == 1:
                raise
            raise SettingError(name, f"{error_text(error)} (node '{node_id}')") from None
        old = doc.node(node_id).settings[name]
        if _differs(new, old):
            changes.append((node_id, old, new))
    return NodeEdit(name, tuple(changes))


def prepare_section_edit(schema: Schema, values: Mapping[str, Any], name: str,
                         value: Any) -> tuple[Any, Any] | None:
    """(old, new) for a settings section without nodes (the project's ``training``),
    None when nothing changes, or SettingError: the values a project file accepts."""
    setting = schema.get(name)
    new = setting.validate(value)
    old = values.get(name, setting.default)
    return (old, new) if _differs(new, old) else None
