"""A config with ``[venues.NAME] exchange = "kraken"`` and a paper account on it runs the engine
on the native Kraken feed (here the local stand-in), and paper orders fill against its book."""

from __future__ import annotations

import asyncio
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from kraken_data import ASSET_PAIRS, PAIRS, expected, need, precisions, timeline
from kraken_standin import KrakenStandIn
from test_kraken_feed import at_final, until

from tradeterm.cli.compose import open_session
from tradeterm.config.load import load_config
from tradeterm.config.settings import Settings
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.logbook import LogBook
from tradeterm.venues.kraken import KrakenFeed


def config_for(server: KrakenStandIn, tmp_path: Path) -> Settings:
    api = server.urls["api"]
    path = tmp_path / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [general]
            data_dir = "{tmp_path / "data"}"

            [venues.kr]
            exchange = "kraken"
            symbols = {list(PAIRS)!r}

            [venues.kr.ccxt.urls.api]
            public = "{api["public"]}"
            ws = {{ public = "{api["ws"]["public"]}" }}

            [[accounts]]
            name = "kr-paper"
            venue = "kr"
            balances = {{ CHF = "100000" }}
            """
        ),
        encoding="utf-8",
    )
    config, _ = load_config(path, tmp_path / "unused.toml")
    return config


async def test_a_paper_account_on_kraken_trades_on_the_replayed_book(tmp_path: Path) -> None:
    need()
    answer = expected()["BTC/CHF"]
    server = KrakenStandIn(timeline(), precisions(), ASSET_PAIRS.read_bytes())
    async with server:
        session = open_session(config_for(server, tmp_path), SystemClock(), LogBook(), [])
        engine = session.engine
        feed = engine.feed
        assert isinstance(feed, KrakenFeed) and feed.venue == "kr"
        await engine.start()
        tasks = [asyncio.create_task(engine.run_feed()), asyncio.create_task(engine.run_venues())]
        try:
            await until(at_final(server, feed), 20)
            market = engine.state.markets_on(engine.feed.venue)["BTC/CHF"]
            assert market.tick_size == Decimal("0.1") and market.taker_fee == Decimal("0.0026")
            best_ask, ask_size = (Decimal(x) for x in answer["final_top10"]["asks"][0])
            qty = Decimal("0.001")
            assert qty <= ask_size
            await engine.execute(
                PlaceOrder("BTC/CHF", Side.BUY, OrderType.MARKET, qty=qty, account="kr-paper")
            )
            account = engine.state.accounts["kr-paper"]
            await until(lambda: bool(account.fills), 5)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.stop()
    fill = account.fills[0]
    assert (fill.symbol, fill.side, fill.qty, fill.price) == ("BTC/CHF", Side.BUY, qty, best_ask)
    assert fill.fee == qty * Decimal("0.0026")  # Kraken's first-tier taker fee, 0.26 %
    assert account.balances["CHF"].total == Decimal(100000) - qty * best_ask
    assert (tmp_path / "data" / "markets" / "kr-AssetPairs.json").exists()


async def test_the_workstation_draws_the_kraken_book(tmp_path: Path) -> None:
    """The real app, its feed worker started as ``tradeterm`` starts it, on the stand-in."""
    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.session import Session

    need()
    answer = expected()["WAVES/EUR"]
    opened: list[Session] = []
    server = KrakenStandIn(timeline(), precisions(), ASSET_PAIRS.read_bytes())
    async with server:
        config = config_for(server, tmp_path)

        def open_workstation() -> Session:
            opened.append(open_session(config, SystemClock(), LogBook(), []))
            return opened[0]

        app = TradetermApp(open_workstation, refresh_hz=20)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: bool(opened) and opened[0].engine.started, 15)
            feed = opened[0].engine.feed
            assert isinstance(feed, KrakenFeed)
            await until(at_final(server, feed), 40)  # (a loaded machine: slow, not wrong)
            market = opened[0].engine.state.markets_on(feed.venue)[
                "WAVES/EUR"
            ]  # the first symbol shows
            price, size = answer["final_top10"]["asks"][0]
            # to the tick and the lot
            words = [
                f"{Decimal(price).quantize(market.tick_size)}",
                f"{Decimal(size).quantize(market.lot_size):,}",
            ]

            def shown() -> bool:
                rows = [app.ladder.render_line(y).text for y in range(app.ladder.size.height)]
                return any(row.split()[:2] == words for row in rows if row.strip())

            deadline = time.monotonic() + 15  # a loaded CI machine draws late, not wrong
            while not shown() and time.monotonic() < deadline:
                await pilot.pause(0.02)
            assert shown(), [app.ladder.render_line(y).text for y in range(12)]
            assert "kr" in str(app.export_screenshot())
