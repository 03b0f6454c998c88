"""The observer: a failing listener cannot silence the others; handles end subscriptions."""
from __future__ import annotations

from components.events import Event, Subscriptions
from components.graph import GraphDocument


def test_a_failing_listener_is_logged_and_the_others_still_hear(listener_errors):
    listener_errors.expected = True
    event, heard = Event("node_added"), []

    def broken(value):
        raise RuntimeError("view is gone")

    event.subscribe(heard.append)
    event.subscribe(broken)
    event.subscribe(lambda value: heard.append(value * 10))
    event.emit(4)
    assert heard == [4, 40]
    (record,) = listener_errors.records
    assert "node_added" in record.getMessage() and record.exc_info[0] is RuntimeError


def test_an_edit_reaches_every_view_even_when_one_breaks(listener_errors):
    listener_errors.expected = True
    doc, seen = GraphDocument(), []
    doc.node_added.subscribe(lambda node: 1 / 0)
    doc.node_added.subscribe(lambda node: seen.append(node.id))
    doc.changed.subscribe(lambda: seen.append("changed"))
    doc.add_node("Input", node_id="input")
    assert seen == ["input", "changed"] and doc.has_node("input")
    assert len(listener_errors.records) == 1


def test_subscribe_returns_a_handle_that_ends_it():
    event, heard = Event("e"), []
    handle = event.subscribe(heard.append)
    assert handle.active and len(event) == 1
    event.emit(1)
    handle.unsubscribe()
    handle.unsubscribe()  # twice is harmless
    event.emit(2)
    assert heard == [1] and not handle.active and len(event) == 0
    with event.subscribe(heard.append):
        event.emit(3)
    event.emit(4)
    assert heard == [1, 3]


def test_a_group_of_handles_closes_in_one_call():
    doc, heard = GraphDocument(), []
    group = Subscriptions()
    group.subscribe(doc.node_added, lambda node: heard.append(node.id))
    group.subscribe(doc.changed, lambda: heard.append("changed"))
    assert len(group) == 2
    doc.add_node("Input", node_id="a")
    group.close()
    doc.add_node("Input", node_id="b")
    assert heard == ["a", "changed"] and len(group) == 0
    assert len(doc.node_added) == 0 and len(doc.changed) == 0


def test_a_listener_removed_during_emit_is_not_called():
    event, heard = Event("e"), []
    later = event.subscribe(lambda: heard.append("later"))
    event.unsubscribe(later.listener)
    first = event.subscribe(lambda: (heard.append("first"), second.unsubscribe()))
    second = event.subscribe(lambda: heard.append("second"))
    event.emit()
    assert heard == ["first"] and first.active
