"""Types of the optional C level path of the book (``_book.c``); see domain.book_kernel."""

from collections.abc import Iterable, Sequence
from decimal import Decimal

def set_many(
    levels: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal],
    is_bid: bool,
    new: Iterable[tuple[Decimal, Decimal]],
) -> None: ...
def set_level(
    levels: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal],
    is_bid: bool,
    price: Decimal,
    qty: Decimal,
) -> Decimal | None: ...
def compare(a: Decimal, b: Decimal) -> int: ...
def decimal_hash(value: Decimal) -> int: ...

FAST_COMPARE: bool
FAST_DECIMAL: bool

def parse(
    raw: Sequence[Sequence[str]], prices: dict[str, Decimal], sizes: dict[str, Decimal]
) -> list[tuple[Decimal, Decimal]]: ...
