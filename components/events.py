"""A tiny observer: the document announces changes, views subscribe.

We use this instead of Qt signals so that the document stays usable without Qt
(headless CLI, training workers, tests) while the canvas can still follow it.
"""
from __future__ import annotations

from typing import Any, Callable

Listener = Callable[..., Any]


class Event:
    """One kind of notification with any number of listeners.

    Listeners are called in subscription order. A listener that unsubscribes
    while the event is being emitted is not called afterwards.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, *args: Any) -> None:
        for listener in list(self._listeners):
            if listener in self._listeners:
                listener(*args)

    def __len__(self) -> int:
        return len(self._listeners)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, listeners={len(self._listeners)})"
