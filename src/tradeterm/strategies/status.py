"""What the workstation shows of strategies without loading them: an instance's state and a
strategy file that did not load. Neither pydantic nor numpy is imported here, so the
strategies pane and an empty runner cost nothing at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class StrategyState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LoadError:
    """A strategy file that could not be used: where, and why."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"
