"""A tiny observer: the document announces changes, views subscribe.

We use this instead of Qt signals so that the document stays usable without Qt
(headless CLI, training workers, tests) while the canvas can still follow it.

Two rules make it safe to lean on. A listener that raises is logged and the
others still hear the change: by the time an event fires the edit has happened,
so stopping half-way would leave some views showing the old document. And
``subscribe`` returns a handle: whoever subscribed ends it with
``handle.unsubscribe()`` (or a ``with`` block, or a ``Subscriptions`` group
closed in one call), instead of repeating the event and the listener by hand.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

Listener = Callable[..., Any]
log = logging.getLogger(__name__)


class Subscription:
    """One listener on one event; ``unsubscribe`` (idempotent) ends it."""

    def __init__(self, event: "Event", listener: Listener) -> None:
        self.event = event
        self.listener = listener

    @property
    def active(self) -> bool:
        return self.event.has(self.listener)

    def unsubscribe(self) -> None:
        self.event.unsubscribe(self.listener)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unsubscribe()


class Subscriptions:
    """The handles of one owner (a view, a panel, a controller), ended together."""

    def __init__(self) -> None:
        self._handles: list[Subscription] = []

    def subscribe(self, event: "Event", listener: Listener) -> Subscription:
        handle = event.subscribe(listener)
        self._handles.append(handle)
        return handle

    def close(self) -> None:
        """Unsubscribe every handle (the owner is going away or follows something else)."""
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.unsubscribe()

    def __len__(self) -> int:
        return sum(1 for h in self._handles if h.active)

    def __enter__(self) -> "Subscriptions":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Event:
    """One kind of notification with any number of listeners.

    Listeners are called in subscription order. A listener that unsubscribes
    while the event is being emitted is not called afterwards. A listener that
    raises is logged (``components.events``, level ERROR, with the traceback) and
    the remaining listeners are still called.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Subscription:
        if listener not in self._listeners:
            self._listeners.append(listener)
        return Subscription(self, listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def has(self, listener: Listener) -> bool:
        return listener in self._listeners

    def emit(self, *args: Any) -> None:
        for listener in list(self._listeners):
            if listener not in self._listeners:
                continue
            try:
                listener(*args)
            except Exception:  # noqa: BLE001 - one broken view must not silence the others
                log.exception("listener %r of event '%s' failed", listener, self.name)

    def __len__(self) -> int:
        return len(self._listeners)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, listeners={len(self._listeners)})"
