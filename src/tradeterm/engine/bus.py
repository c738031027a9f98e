"""A synchronous event bus: handlers by event type, each failure isolated and logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tradeterm.engine")

Handler = Callable[[Any], None]


class EventBus:
    """Publishes events to the handlers subscribed to their exact type.

    Publishing is synchronous: when ``publish`` returns, every handler has run.
    The engine publishes only after its state was updated, so a handler always
    sees the state the event describes.

    Handlers are kept in tuples that subscribing and unsubscribing replace, so a
    handler may unsubscribe itself (or another) while an event is delivered, and
    publishing (once per market message) copies nothing.
    """

    def __init__(self) -> None:
        self._handlers: dict[type, tuple[Handler, ...]] = {}
        self._any: tuple[Handler, ...] = ()

    def subscribe(self, event_type: type, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event of ``event_type``; returns an unsubscribe."""
        self._handlers[event_type] = (*self._handlers.get(event_type, ()), handler)

        def unsubscribe() -> None:
            self._handlers[event_type] = _without(self._handlers.get(event_type, ()), handler)

        return unsubscribe

    def subscribe_all(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event (the UI bridge, recorders)."""
        self._any = (*self._any, handler)

        def unsubscribe() -> None:
            self._any = _without(self._any, handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        handlers = self._handlers.get(type(event))
        if handlers:
            for handler in handlers:
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler %s failed on %s", handler, type(event).__name__)
        for handler in self._any:
            try:
                handler(event)
            except Exception:
                log.exception("event handler %s failed on %s", handler, type(event).__name__)


def _without(handlers: tuple[Handler, ...], handler: Handler) -> tuple[Handler, ...]:
    """``handlers`` less the first one equal to ``handler`` (unchanged when it is absent)."""
    for i, known in enumerate(handlers):
        if known == handler:
            return handlers[:i] + handlers[i + 1 :]
    return handlers
