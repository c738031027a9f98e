"""What the workstation's helpers may use of the app: toasts, timers, workers, batched drawing.

The helpers (refresh tick, scanner runs, alerts, recording, the desk) are given the app as a
``Host``, so they can call only these, and tests can hand them any object that offers them.
Helpers that only tell and ask (the dialogs, the live and strategy actions) are given the
smaller parts of it: ``Notifies``, ``Screens`` and ``Works``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen
    from textual.timer import Timer
    from textual.worker import Worker


class Notifies(Protocol):
    """Shows a toast: what a helper that only tells the user needs."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast (and keep it in the app's notices)."""


class Screens(Protocol):
    """Stacks a screen (a dialog, a report) over the workstation; ``callback`` gets what it
    is dismissed with."""

    def push_screen(
        self, screen: Screen[Any], callback: Callable[[Any], None] | None = None
    ) -> Any: ...


class Works(Protocol):
    """Runs a job as a named worker (its failure reaches the app's one handler)."""

    def run_worker(
        self,
        work: Any,
        name: str | None = "",
        group: str = "default",
        description: str = "",
        exit_on_error: bool = True,
        start: bool = True,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Worker[Any]: ...


class Host(Notifies, Works, Protocol):
    """The app's services a helper uses: toasts, timers, workers, batched drawing."""

    def set_interval(
        self, interval: float, callback: Callable[[], Any] | None = None, *, name: str | None = None
    ) -> Timer: ...

    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...

    def batch_update(self) -> AbstractContextManager[None]: ...
