"""Types of the optional C decoder of Binance message text (``_wire.c``); see venues.wire."""

from decimal import Decimal
from typing import Any

def depth(
    text: str | bytes, prices: dict[str, Decimal], sizes: dict[str, Decimal]
) -> (
    tuple[
        int, int, int | None, int, str, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]
    ]
    | None
): ...
def trade(text: str | bytes) -> tuple[int, str, str, int, bool] | None: ...
def hft_items(
    lines: list[str], index: int, first: int
) -> list[tuple[int, int, int, Any]] | None: ...

FAST_DECIMAL: int
