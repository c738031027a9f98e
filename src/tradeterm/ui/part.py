"""``Part``: an app attribute that reads one of its workstation's parts (``ui/workstation.py``)
or of the frame it shows them in (``Chrome``, ``ui/screens/workstation.py``)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


class Part(Generic[T]):
    """``app.<name>`` is ``app.workstation.<name>``: there once the session is built (an
    AttributeError before, as for any attribute not yet set). With ``of="chrome"`` it is
    ``app.chrome.<name>``, the frame on screen now."""

    def __init__(self, of: str = "workstation") -> None:
        self.of = of

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, app: Any, owner: type | None = None) -> T:
        holder = getattr(app, self.of)
        if holder is None:
            raise AttributeError(f"{self.name}: the {self.of} is not built yet")
        return cast(T, getattr(holder, self.name))
