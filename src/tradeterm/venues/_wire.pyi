"""Types of the optional C decoder of Binance message text (``_wire.c``); see venues.wire."""

from decimal import Decimal
from typing import Any

def depth(
    text: str | bytes,
) -> (
    tuple[
        int, int, int | None, int, str, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]
    ]
    | None
): ...
def trade(text: str | bytes) -> tuple[int, str, str, int, bool] | None: ...
def hft_items(
    text: str, start: int, end: int, count: int, index: int, first: int
) -> tuple[list[tuple[int, int, int, Any]] | None, int]: ...

FAST_DECIMAL: int
