"""When resting paper orders trade: queue position and maker fills, one rule set per FillModel.

Realistic (the default) keeps, for every resting order, ``queue_ahead``: the
public size that stood at its price when it arrived and that must trade or be
cancelled before it can fill.

* A public print at the order's price whose aggressor is on the other side
  first eats ``queue_ahead``; only the volume beyond it fills the order. Our
  own orders at one price fill in time priority: volume that filled an earlier
  one of ours is not seen again by a later one.
* A depth decrease at the level is split into traded and cancelled parts with a
  per-level *credit*: every print at the price adds its quantity to the credit
  (prints come before the depth update that reflects them). For a decrease
  ``d``: ``traded = min(d, credit)``, ``credit -= traded``, and
  ``cancelled = d - traded``. The credit is dropped when the level empties.
* Cancels are spread evenly over the public queue: an order loses
  ``cancelled × queue_ahead / (size before the cancels)``, where that size is
  the level's previous size minus the traded part (our own orders are never in
  it). The cut is rounded down to the market's lot size, so rounding never
  moves an order forward. Size added to a level goes behind our orders.
* ``queue_ahead`` is then clamped to ``[0, level size]``.
* When the opposite side of the book reaches an order's price (a public order
  priced at or through ours, which on a real exchange would have traded with
  us), the liquidity there that we have not consumed yet arrives at our level
  like a print: queue first, then our orders; what it used is marked consumed.

Optimistic fills an order's whole remainder as soon as any print is at its
price or the opposite best price touches it. Pessimistic fills only on a
trade-through. All three models fill the whole remainder on a trade-through
(a print at a price worse than the order's limit); the venue does that itself.
"""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.book import BookSide
from tradeterm.domain.enums import FillModel
from tradeterm.domain.numbers import ZERO, floor_to
from tradeterm.venues.paper.matching import available, walk
from tradeterm.venues.paper.model import Level, PaperOrder

Fills = list[tuple[PaperOrder, Decimal]]
Changed = list[PaperOrder]  # orders whose queue estimate moved (may repeat)


def hit(level: Level, volume: Decimal, changed: Changed) -> tuple[Fills, Decimal]:
    """Volume arriving at one of our levels eats the queue ahead, then fills our orders.

    Returns the fills and the volume used (public queue eaten plus our fills).
    """
    fills: Fills = []
    left = volume
    eaten = ZERO
    for order in level.orders:
        if left <= ZERO:
            break
        if order.queue_unknown:  # restored before its book was seen: wait for the book
            continue
        ahead = order.queue_ahead
        take = ahead if ahead < left else left
        if take:
            order.queue_ahead = ahead - take
            changed.append(order)
            eaten = max(eaten, take)
        fill = min(left - take, order.remaining)
        if fill > ZERO:
            fills.append((order, fill))
            left -= fill
    return fills, eaten + (volume - left)


class FillRules:
    """How resting orders of one account trade. The base class never fills (pessimistic)."""

    model = FillModel.PESSIMISTIC
    tracks_queue = False
    fills_on_cross = False

    def on_print(
        self, level: Level, qty: Decimal, aggressor_opposite: bool, changed: Changed
    ) -> Fills:
        """A public print of ``qty`` at the level's price."""
        return []

    def on_depth(self, level: Level, size: Decimal, lot: Decimal, changed: Changed) -> None:
        """The feed set the public size at the level's price to ``size``."""
        level.size = size

    def on_cross(
        self,
        levels: list[Level],
        opposite: BookSide,
        consumed: dict[Decimal, Decimal],
        changed: Changed,
    ) -> Fills:
        """The opposite book side reaches our ``levels`` (best first)."""
        return []


class Pessimistic(FillRules):
    """Fills only on a trade-through."""


class Optimistic(FillRules):
    """Fills on touch: any print at the price, or the opposite best at or through it."""

    model = FillModel.OPTIMISTIC
    fills_on_cross = True

    def on_print(
        self, level: Level, qty: Decimal, aggressor_opposite: bool, changed: Changed
    ) -> Fills:
        return [(order, order.remaining) for order in level.orders]

    def on_cross(
        self,
        levels: list[Level],
        opposite: BookSide,
        consumed: dict[Decimal, Decimal],
        changed: Changed,
    ) -> Fills:
        return [(order, order.remaining) for level in levels for order in level.orders]


class Realistic(FillRules):
    """Queue position: see the module docstring."""

    model = FillModel.REALISTIC
    tracks_queue = True
    fills_on_cross = True

    def on_print(
        self, level: Level, qty: Decimal, aggressor_opposite: bool, changed: Changed
    ) -> Fills:
        if not aggressor_opposite:
            return []
        level.credit += qty
        fills, _ = hit(level, qty, changed)
        return fills

    def on_depth(self, level: Level, size: Decimal, lot: Decimal, changed: Changed) -> None:
        old = level.size
        if size == old:
            return
        level.size = size
        if size < old:
            drop = old - size
            credit = level.credit
            traded = drop if drop < credit else credit
            level.credit = credit - traded
            cancelled = drop - traded
            if cancelled > ZERO:
                basis = old - traded
                for order in level.orders:
                    ahead = order.queue_ahead
                    if ahead <= ZERO:
                        continue
                    cut = ahead if cancelled >= basis else floor_to(cancelled * ahead / basis, lot)
                    if cut > ZERO:
                        order.queue_ahead = ahead - min(cut, ahead)
                        changed.append(order)
            for order in level.orders:
                if order.queue_ahead > size:
                    order.queue_ahead = size
                    changed.append(order)
        if not size:
            level.credit = ZERO

    def on_cross(
        self,
        levels: list[Level],
        opposite: BookSide,
        consumed: dict[Decimal, Decimal],
        changed: Changed,
    ) -> Fills:
        out: Fills = []
        for level in levels:
            volume = available(opposite, consumed, level.price)
            if volume <= ZERO:
                break
            fills, used = hit(level, volume, changed)
            if used:
                walk(opposite, consumed, level.price, used)
            out.extend(fills)
        return out


RULES: dict[FillModel, FillRules] = {
    FillModel.OPTIMISTIC: Optimistic(),
    FillModel.REALISTIC: Realistic(),
    FillModel.PESSIMISTIC: Pessimistic(),
}
