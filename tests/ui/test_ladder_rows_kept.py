"""The ladder keeps the rows it drew: a row that shows the same as at the last drawing keeps
its Strip, and a ladder fed book after book (sizes changing and flashing, levels coming and
going, own orders, the cursor, greyed rows, a theme change) shows exactly what a ladder that
draws every row anew shows."""

from __future__ import annotations

import random
from decimal import Decimal

from textual.app import App, ComposeResult
from textual.geometry import Region

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market import Market
from tradeterm.ui.widgets.ladder import Ladder

MARKET = Market(
    "sim", "BTC/USDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"),
    Decimal("5"), Decimal("0.001"), Decimal("0.001"),
)  # fmt: skip
SECOND_NS = 1_000_000_000  # frames a second apart: a flash lasts one frame
START_NS = 1_767_270_896_000_000_000
WHOLE = Region(0, 0, 44, 14)


class Ladders(App[None]):
    CSS = "Ladder { height: 14; width: 44; }"

    def compose(self) -> ComposeResult:
        yield Ladder(id="fed")


def book(rng: random.Random) -> OrderBook:
    """Ten levels a side around 60,000 with a few sizes: rows repeat and change."""
    out = OrderBook("BTC/USDT")
    asks = [(Decimal("60000.01") + i * Decimal("0.01"), rng.choice(SIZES)) for i in range(12)]
    bids = [(Decimal("60000.00") - i * Decimal("0.01"), rng.choice(SIZES)) for i in range(12)]
    out.load([lvl for lvl in bids if rng.random() < 0.9], [a for a in asks if rng.random() < 0.9])
    return out


SIZES = [Decimal("0.5"), Decimal("1.25"), Decimal("0.00100"), Decimal("3")]


async def test_rows_that_show_the_same_keep_their_strip() -> None:
    app = Ladders()
    async with app.run_test(size=(50, 20)) as pilot:
        ladder = app.query_one("#fed", Ladder)
        await pilot.pause()
        one = OrderBook("BTC/USDT")
        tick = Decimal("0.01")
        one.load(
            [(Decimal("60000") - i * tick, Decimal(10)) for i in range(8)],  # the deepest total
            [(Decimal("60000.01") + i * tick, Decimal(1)) for i in range(8)],
        )
        ladder.show(one, MARKET, START_NS)
        before = ladder.render_lines(WHOLE)
        ask = one.asks.top(1)[0]
        one.asks.set(ask[0], ask[1] + 1)  # the best ask's size (and every ask's total) moves
        ladder.show(one, MARKET, START_NS + SECOND_NS)
        after = ladder.render_lines(WHOLE)
        spread_row = 1 + 6  # the header, six asks
        bid_rows = range(spread_row + 1, 14)
        assert all(after[y] is before[y] for y in bid_rows)
        assert all(after[y] != before[y] for y in range(1, spread_row))  # totals and bars


async def test_a_ladder_fed_book_after_book_shows_what_a_fresh_drawing_shows() -> None:
    app = Ladders()
    async with app.run_test(size=(50, 40)) as pilot:
        fed = app.query_one("#fed", Ladder)
        await pilot.pause()
        rng = random.Random(7)
        books = [book(rng) for _ in range(24)]
        books[8] = books[7]  # own orders come onto rows drawn already
        books[12] = books[11]  # and so does the cursor
        books[20] = books[19]  # the same rows greyed, then not
        stale = {20: "stale 3s"}
        own = ({Decimal("59999.98"): Decimal("0.1")}, {Decimal("60000.03"): Decimal("0.2")})
        for step, current in enumerate(books):
            now = START_NS + step * SECOND_NS
            if step == 8:
                fed.set_own(*own)
            if step == 12:
                fed.set_cursor(Decimal("60000.02"))
            if step == 16:
                app.theme = "textual-light"  # every row in the new theme's colours
                await pilot.pause()
            fed.show(current, MARKET, now, stale.get(step, ""))
            # the reference: the previous book drawn greyed (so none of its rows can be
            # kept: a stale row looks different), then this one: the same flashes as fed
            fresh = Ladder()
            await app.mount(fresh)
            await pilot.pause()
            fresh.set_own(*(own if step >= 8 else ({}, {})))
            if step:
                fresh.show(books[step - 1], MARKET, now - SECOND_NS, "stale 9s")
            if step >= 12:  # (after the first book: a new symbol clears the cursor)
                fresh.set_cursor(Decimal("60000.02"))
            fresh.show(current, MARKET, now, stale.get(step, ""))
            assert fed.render_lines(WHOLE) == fresh.render_lines(WHOLE), step
            await fresh.remove()
