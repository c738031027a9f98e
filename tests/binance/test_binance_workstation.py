"""A config with ``[venues.binance]`` and a paper account on it runs the engine on the native
feed (here the local stand-in), and paper orders fill against the real book."""

from __future__ import annotations

import asyncio
import textwrap
from decimal import Decimal
from pathlib import Path

from binance_data import EXCHANGE_INFO, SYMBOLS, expected, frames, need, snapshots
from binance_standin import BinanceStandIn
from test_binance_feed import at_final, until

from tradeterm import paths
from tradeterm.cli.compose import open_session
from tradeterm.config.load import load_config
from tradeterm.config.settings import Settings
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.logbook import LogBook
from tradeterm.venues.binance import BinanceFeed


def config_for(server: BinanceStandIn, tmp_path: Path) -> Settings:
    api = server.urls["api"]
    path = tmp_path / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [general]
            data_dir = "{tmp_path / "data"}"

            [venues.binance]
            symbols = {list(SYMBOLS.values())!r}

            [venues.binance.ccxt.urls.api]
            public = "{api["public"]}"
            ws = {{ spot = "{api["ws"]["spot"]}" }}

            [[accounts]]
            name = "bn-paper"
            venue = "binance"
            balances = {{ USDT = "10000" }}
            """
        ),
        encoding="utf-8",
    )
    config, _ = load_config(path, tmp_path / "unused.toml")
    return config


async def test_a_paper_account_on_binance_trades_on_the_replayed_book(tmp_path: Path) -> None:
    need()
    answer = expected()["NKNUSDT"]
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        session = open_session(config_for(server, tmp_path), SystemClock(), LogBook(), [])
        engine = session.engine
        feed = engine.feed
        assert isinstance(feed, BinanceFeed) and feed.venue == "binance"
        await engine.start()
        tasks = [asyncio.create_task(engine.run_feed()), asyncio.create_task(engine.run_venues())]
        try:
            await until(at_final(feed, expected()), 15)
            market = engine.state.markets_on(engine.feed.venue)["NKN/USDT"]
            assert market.min_notional == Decimal(10) and market.lot_size == Decimal(1)
            best_ask, ask_size = (Decimal(x) for x in answer["final_top10"]["asks"][0])
            qty = Decimal(100)
            assert qty <= ask_size
            await engine.execute(
                PlaceOrder("NKN/USDT", Side.BUY, OrderType.MARKET, qty=qty, account="bn-paper")
            )
            account = engine.state.accounts["bn-paper"]
            await until(lambda: bool(account.fills), 5)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.stop()
    fill = account.fills[0]
    assert (fill.symbol, fill.side, fill.qty, fill.price) == ("NKN/USDT", Side.BUY, qty, best_ask)
    assert fill.fee == qty * Decimal("0.001")  # the market's 0.1 % taker fee, in the base asset
    assert account.balances["USDT"].total == Decimal(10000) - qty * best_ask
    assert (tmp_path / "data" / "markets" / "binance-exchangeInfo.json").exists()
    assert (tmp_path / "data" / paths.LEDGER_FILE).exists()


async def test_the_workstation_draws_the_binance_book(tmp_path: Path) -> None:
    """The real app, its feed worker started as ``tradeterm`` starts it, on the stand-in."""
    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.session import Session

    need()
    answer = expected()["NKNUSDT"]
    opened: list[Session] = []
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        config = config_for(server, tmp_path)

        def open_workstation() -> Session:
            opened.append(open_session(config, SystemClock(), LogBook(), []))
            return opened[0]

        app = TradetermApp(open_workstation, refresh_hz=20)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: bool(opened) and opened[0].engine.started, 15)
            feed = opened[0].engine.feed
            assert isinstance(feed, BinanceFeed)
            await until(at_final(feed, expected()), 15)
            market = opened[0].engine.state.markets_on(feed.venue)["NKN/USDT"]
            price, size = answer["final_top10"]["asks"][0]
            # to the tick and the lot: 0.3531 and 152
            words = [f"{Decimal(price).quantize(market.tick_size)}", f"{Decimal(size):,.0f}"]

            def shown() -> bool:
                rows = [app.ladder.render_line(y).text for y in range(app.ladder.size.height)]
                return any(row.split()[:2] == words for row in rows if row.strip())

            for _ in range(100):
                await pilot.pause(0.02)
                if shown():
                    break
            assert shown()
            assert "binance" in str(app.export_screenshot())
