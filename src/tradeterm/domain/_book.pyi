"""Types of the optional C level path of the book (``_book.c``); see domain.book_kernel."""

from collections.abc import Iterable, Sequence
from decimal import Decimal

class PriceIndex:
    def __init__(self, is_bid: bool) -> None: ...
    @property
    def valid(self) -> bool: ...
    def reset(self, prices: list[Decimal], /) -> None: ...
    def drop(self, count: int, /) -> None: ...

def set_many(
    levels: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal] | None,
    is_bid: bool,
    new: Iterable[tuple[Decimal, Decimal]],
    index: PriceIndex | None = None,
    /,
) -> None: ...
def set_level(
    levels: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal] | None,
    is_bid: bool,
    price: Decimal,
    qty: Decimal,
    index: PriceIndex | None = None,
    /,
) -> Decimal | None: ...
def compare(a: Decimal, b: Decimal) -> int: ...
def decimal_hash(value: Decimal) -> int: ...

FAST_COMPARE: bool
FAST_DECIMAL: bool

def parse(
    raw: Sequence[Sequence[str]], prices: dict[str, Decimal], sizes: dict[str, Decimal]
) -> list[tuple[Decimal, Decimal]]: ...
