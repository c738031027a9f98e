"""``Part``: an app attribute that reads one of its workstation's parts (``ui/workstation.py``)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


class Part(Generic[T]):
    """``app.<name>`` is ``app.workstation.<name>``: there once the session is built (an
    AttributeError before, as for any attribute not yet set)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, app: Any, owner: type | None = None) -> T:
        workstation = app.workstation
        if workstation is None:
            raise AttributeError(f"{self.name}: the workstation is not built yet")
        return cast(T, getattr(workstation, self.name))
