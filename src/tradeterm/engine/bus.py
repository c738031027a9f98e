"""A synchronous event bus: handlers by event type, each failure isolated and logged."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tradeterm.engine")

Handler = Callable[[Any], None]


class EventBus:
    """Publishes events to the handlers subscribed to their exact type.

    Publishing is synchronous: when ``publish`` returns, every handler has run.
    The engine publishes only after its state was updated, so a handler always
    sees the state the event describes.
    """

    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)
        self._any: list[Handler] = []

    def subscribe(self, event_type: type, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event of ``event_type``; returns an unsubscribe."""
        handlers = self._handlers[event_type]
        handlers.append(handler)
        return lambda: handlers.remove(handler) if handler in handlers else None

    def subscribe_all(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event (the UI bridge, recorders)."""
        self._any.append(handler)
        return lambda: self._any.remove(handler) if handler in self._any else None

    def publish(self, event: object) -> None:
        handlers = self._handlers.get(type(event))
        if handlers:
            # a copy: a handler may unsubscribe itself (or another) while we iterate
            for handler in tuple(handlers):
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler %s failed on %s", handler, type(event).__name__)
        for handler in tuple(self._any):
            try:
                handler(event)
            except Exception:
                log.exception("event handler %s failed on %s", handler, type(event).__name__)
