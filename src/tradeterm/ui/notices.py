"""The notices (toasts) the workstation showed: the last few, oldest first, for a history the
user can read back and for tests that check what the user was told."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

#: How many notices are kept; older ones are dropped.
KEPT = 50


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice as it was shown: its text, title and severity."""

    message: str
    title: str = ""
    severity: str = "information"


class NoticeLog:
    """The last ``size`` notices shown, oldest first."""

    def __init__(self, size: int = KEPT) -> None:
        self._notices: deque[Notice] = deque(maxlen=size)

    def add(self, notice: Notice) -> None:
        self._notices.append(notice)

    @property
    def shown(self) -> tuple[Notice, ...]:
        return tuple(self._notices)
