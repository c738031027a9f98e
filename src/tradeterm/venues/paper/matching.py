"""Taking liquidity from a book side: walking levels best first, net of liquidity already consumed.

``consumed`` maps a price to the quantity already taken at that level of this
book side (by our own taker fills, or by public prints) that the feed has not
refreshed yet; a walk sees ``size - consumed`` there and adds what it takes.
"""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.book import BookSide
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO

Take = tuple[Decimal, Decimal]


def beyond(price: Decimal, limit: Decimal, side: BookSide) -> bool:
    """True when ``price`` on ``side`` is past a taker's ``limit`` (asks above, bids below)."""
    return price < limit if side.is_bid else price > limit


def walk(
    side: BookSide,
    consumed: dict[Decimal, Decimal],
    limit: Decimal | None,
    qty: Decimal,
    budget: Decimal | None = None,
    lot: Decimal | None = None,
) -> list[Take]:
    """Take up to ``qty`` from ``side``, best level first, never past ``limit``.

    With a ``budget`` (quote), stop before the cost would exceed it, taking whole
    ``lot``s only. Returns one ``(price, qty)`` per level taken and records them
    in ``consumed``.
    """
    out: list[Take] = []
    left = qty
    for price, size in side.levels_best_first():
        if limit is not None and beyond(price, limit, side):
            break
        used = consumed.get(price, ZERO)
        free = size - used
        if free <= ZERO:
            continue
        take = free if free < left else left
        if budget is not None:
            affordable = budget / price
            if lot is not None:
                affordable = affordable // lot * lot
            take = min(take, affordable)
            if take <= ZERO:
                break
            budget -= take * price
        consumed[price] = used + take
        out.append((price, take))
        left -= take
        if not left:
            break
    return out


def available(
    side: BookSide,
    consumed: dict[Decimal, Decimal],
    limit: Decimal | None,
    cap: Decimal | None = None,
) -> Decimal:
    """How much a taker could take from ``side`` within ``limit`` (stops counting at ``cap``)."""
    total = ZERO
    for price, size in side.levels_best_first():
        if limit is not None and beyond(price, limit, side):
            break
        free = size - consumed.get(price, ZERO)
        if free > ZERO:
            total += free
            if cap is not None and total >= cap:
                break
    return total


def effective_best(side: BookSide, consumed: dict[Decimal, Decimal]) -> Decimal | None:
    """The best price of ``side`` that still has liquidity we have not consumed."""
    for price, size in side.levels_best_first():
        if size > consumed.get(price, ZERO):
            return price
    return None


def crosses(best: Decimal, limit: Decimal, is_buy: bool) -> bool:
    """True when a limit order at ``limit`` would trade with the opposite ``best`` price."""
    return best <= limit if is_buy else best >= limit


def post_only_reason(
    side: BookSide,
    consumed: dict[Decimal, Decimal],
    limit: Decimal,
    is_buy: bool,
    market: Market | None,
) -> str | None:
    """Why a post-only limit at ``limit`` may not rest (it would take from ``side``), or None."""
    best = effective_best(side, consumed)
    if best is None or not crosses(best, limit, is_buy):
        return None
    text = f"{best:.{market.price_places}f}" if market is not None else str(best)
    return f"post-only would cross: best {'ask' if is_buy else 'bid'} {text}"
