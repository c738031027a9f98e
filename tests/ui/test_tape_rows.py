"""The tape keeps the rows it drew: a tape fed trade by trade, through a theme change, shows
exactly what a tape shown all its trades at once shows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from textual.app import App, ComposeResult
from textual.geometry import Region

from tradeterm.domain.enums import Side
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.ui.widgets.tape import Tape

MARKET = Market(
    "sim", "BTC/USDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"),
    Decimal("5"), Decimal("0.001"), Decimal("0.001"),
)  # fmt: skip


class TwoTapes(App[None]):
    CSS = "Tape { height: 12; width: 40; }"

    def compose(self) -> ComposeResult:
        yield Tape(id="fed")
        yield Tape(id="fresh")


def trades(count: int) -> list[Trade]:
    """Newest first, as the tape shows them; prices and sizes of every width."""
    return [
        Trade(
            "BTC/USDT",
            Decimal(60_000 + 37 * i) / 10 ** (i % 3),
            Decimal(i + 1) / 1000,
            Side.BUY if i % 2 else Side.SELL,
            1_767_270_896_000_000_000 + i * 1_234_567_890,
        )
        for i in reversed(range(count))
    ]


async def test_a_tape_fed_trade_by_trade_shows_what_a_fresh_tape_shows() -> None:
    app = TwoTapes()
    async with app.run_test(size=(40, 24)) as pilot:
        fed, fresh = app.query_one("#fed", Tape), app.query_one("#fresh", Tape)
        whole = Region(0, 0, 40, 12)
        history = trades(30)
        for count in range(1, 31):
            if count == 20:
                app.theme = "textual-light"  # every row in the new theme's colours
                await pilot.pause()
            shown = history[-count:]
            fed.show(shown, MARKET)
            fresh.show([replace(trade) for trade in shown], MARKET)  # trades it never drew
            assert fed.render_lines(whole) == fresh.render_lines(whole), count
