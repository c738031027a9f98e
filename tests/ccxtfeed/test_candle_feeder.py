"""Candle backfill wired: the engine's one-minute candles on a real venue come from the
feed's REST into the candle store (incremental, gaps refetched) and from its trades, for
the native Binance feed and the ccxt feed alike, on the local stand-in."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from binance_data import DATA
from binance_standin import BinanceStandIn
from ccxt_rig import FAST, ccxt_config, standin, until

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, TradePrinted
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.candle_feeder import AFTER_BOOK_S, CandleFeeder
from tradeterm.engine.candle_store import CandleStore
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketFeed
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.ccxt.feed import CcxtFeed

KLINES = DATA / "rest" / "binance_spot_20211022_nautilus" / "http_spot_market_klines.json"
SYMBOLS = ["NKN/USDT", "BLZ/ETH"]


def native(server: BinanceStandIn) -> MarketFeed:
    return BinanceFeed(SYMBOLS, urls=server.urls, backoff=FAST)


def ccxt(server: BinanceStandIn) -> MarketFeed:
    return CcxtFeed("binance", SYMBOLS, config=ccxt_config(server), backoff=FAST)


FEEDS: dict[str, Callable[[BinanceStandIn], MarketFeed]] = {"native": native, "ccxt": ccxt}


def recorded() -> list[list[Any]]:
    if not KLINES.exists():
        pytest.skip(f"recorded data not found: {KLINES}")
    rows: list[list[Any]] = json.loads(KLINES.read_text())
    return rows


def as_bars(rows: list[list[Any]]) -> list[tuple[int, ...]]:
    return [(r[0], *(Decimal(x) for x in r[1:6])) for r in rows]


def bars(candles: Any) -> list[tuple[int, ...]]:
    return [(c.ts_ms, c.open, c.high, c.low, c.close, c.volume) for c in candles]


async def rig(
    server: BinanceStandIn,
    kind: str,
    tmp_path: Path,
    rows: list[list[Any]],
    wait_book_s: float = 0.0,
) -> tuple[Engine, CandleFeeder, CandleStore]:
    # the engine's clock stands one minute after the last recorded bar opened
    clock = ManualClock((rows[-1][0] + 60_000) * 1_000_000)
    engine = Engine(clock, FEEDS[kind](server), [AccountSpec("main", venue="binance")])
    await engine.start()
    store = CandleStore(tmp_path / "candles.sqlite")
    minutes = len(rows)
    feeder = CandleFeeder(
        engine, store, history_minutes=minutes, refresh_s=0, wait_book_s=wait_book_s
    )
    return engine, feeder, store


async def close(feed: MarketFeed) -> None:
    if isinstance(feed, CcxtFeed):
        await feed.close()


def klines_asked(server: BinanceStandIn) -> list[str]:
    return [r for r in server.requests if r.startswith("/api/v3/klines")]


@pytest.mark.parametrize("kind", list(FEEDS))
async def test_history_is_backfilled_once_and_a_gap_is_refetched_alone(
    kind: str, tmp_path: Path
) -> None:
    rows = recorded()
    holed = rows[:4] + rows[6:]  # the venue lacked two minutes the first time
    async with standin(klines={"NKNUSDT": holed}) as server:
        engine, feeder, store = await rig(server, kind, tmp_path, rows)
        try:
            await feeder.fill("NKN/USDT")
            assert bars(engine.state.candles_on(engine.feed.venue)["NKN/USDT"]) == as_bars(holed)
            first = len(klines_asked(server))
            server.klines["NKNUSDT"] = rows  # the venue has them now
            await feeder.fill("NKN/USDT")
            refetched = klines_asked(server)[first:]
            await feeder.fill("NKN/USDT")
            again = klines_asked(server)[first + len(refetched) :]
        finally:
            await close(engine.feed)
    assert bars(engine.state.candles_on(engine.feed.venue)["NKN/USDT"]) == as_bars(rows)
    assert bars(store.get("binance", "NKN/USDT", "1m")) == as_bars(rows)
    assert len(refetched) == 1 and f"startTime={rows[4][0]}" in refetched[0]
    assert again == []  # nothing missing: no request at all


@pytest.mark.parametrize("kind", list(FEEDS))
async def test_trades_build_the_live_bar_after_the_history(kind: str, tmp_path: Path) -> None:
    rows = recorded()
    async with standin(klines={"NKNUSDT": rows}) as server:
        engine, feeder, _ = await rig(server, kind, tmp_path, rows)
        now_ms = engine.clock.now_ns() // 1_000_000
        live = asyncio.create_task(feeder.run())
        try:
            await until(lambda: feeder.filled.get("NKN/USDT") == 1)
            for price, qty, at in (("0.35", "10", 1), ("0.37", "5", 20), ("0.34", "2", 59)):
                trade = Trade("NKN/USDT", Decimal(price), Decimal(qty), Side.BUY, 0)
                stamped = Trade(
                    trade.symbol, trade.price, trade.qty, trade.side, (now_ms + at * 1000) * 10**6
                )
                engine.sink(engine.feed.venue).on_market(TradePrinted(stamped))
            await until(lambda: len(klines_asked(server)) >= 2)
        finally:
            live.cancel()
            await asyncio.gather(live, return_exceptions=True)
            await close(engine.feed)
    series = list(engine.state.candles_on(engine.feed.venue)["NKN/USDT"])
    assert bars(series[:-1]) == as_bars(rows)
    last = series[-1]
    assert (last.ts_ms, last.open, last.high, last.low, last.close, last.volume) == (
        now_ms,
        Decimal("0.35"),
        Decimal("0.37"),
        Decimal("0.34"),
        Decimal("0.34"),
        Decimal("17"),
    )
    asked = klines_asked(server)
    assert "symbol=NKNUSDT" in asked[0]  # the active symbol first
    assert "symbol=BLZETH" in asked[1]  # then the others (this venue has none: logged)


async def test_a_round_over_stored_symbols_lets_the_loop_run_between_them(
    tmp_path: Path,
) -> None:
    """At a restart the store holds every symbol's history, so no fill awaits a request: the
    round must still hand the loop back between symbols (the feed connects meanwhile)."""
    rows = recorded()
    async with standin(klines={}) as server:
        engine, feeder, store = await rig(server, "native", tmp_path, rows)
        for symbol in SYMBOLS:
            store.put("binance", symbol, "1m", [Candle(*bar) for bar in as_bars(rows)])
        seen: list[dict[str, int]] = []

        async def other_work() -> None:
            while len(feeder.filled) < len(SYMBOLS):
                seen.append(dict(feeder.filled))
                await asyncio.sleep(0)

        observer = asyncio.create_task(other_work())
        live = asyncio.create_task(feeder.run())
        try:
            await asyncio.wait_for(observer, 10)
        finally:
            live.cancel()
            await asyncio.gather(live, return_exceptions=True)
            await close(engine.feed)
    assert klines_asked(server) == []  # all from the store
    assert {"NKN/USDT": 1} in seen  # the loop ran after the first symbol, before the second


@pytest.mark.parametrize("trigger", ["book", "timeout"])
async def test_the_first_round_waits_for_the_active_book(trigger: str, tmp_path: Path) -> None:
    """A day of candles for every market is the most work at start: it waits for the active
    symbol's first book (another symbol's does not count) and ``AFTER_BOOK_S`` more, or
    ``wait_book_s`` at most."""
    rows = recorded()
    async with standin(klines={}) as server:
        engine, feeder, store = await rig(server, "native", tmp_path, rows, wait_book_s=5)
        for symbol in SYMBOLS:
            store.put("binance", symbol, "1m", [Candle(*bar) for bar in as_bars(rows)])
        active = engine.state.active
        other = next(s for s in SYMBOLS if s != active.symbol)
        sink = engine.sink(engine.feed.venue)
        live = asyncio.create_task(feeder.run())
        try:
            for turn in range(50):  # a fill from the store needs no request: it would be done
                await asyncio.sleep(0)
                if turn == 5:  # (run has subscribed by now)
                    sink.on_market(BookChanged(other, [], [], snapshot=True))
            waited = [dict(feeder.filled)]
            assert isinstance(engine.clock, ManualClock)
            if trigger == "book":
                sink.on_market(BookChanged(active.symbol, [], [], snapshot=True))
                for _ in range(50):
                    await asyncio.sleep(0)
                waited.append(dict(feeder.filled))  # the ladder draws the book first
                engine.clock.advance(AFTER_BOOK_S)
            else:
                engine.clock.advance(5)
            await until(lambda: len(feeder.filled) == len(SYMBOLS))
        finally:
            live.cancel()
            await asyncio.gather(live, return_exceptions=True)
            await close(engine.feed)
    assert all(filled == {} for filled in waited)
    assert feeder.filled == dict.fromkeys(SYMBOLS, 1)


async def test_the_workstation_chart_draws_the_backfilled_candles(tmp_path: Path) -> None:
    """The real app on a Binance config: its candles worker backfills, the chart draws it."""
    from binance_data import EXCHANGE_INFO, frames, need, snapshots
    from test_binance_workstation import config_for

    from tradeterm.cli.compose import open_session
    from tradeterm.engine.clock import SystemClock
    from tradeterm.engine.logbook import LogBook
    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.session import Session

    need()
    rows = recorded()
    # the recorded bars moved to the last minutes before now (the history is one day deep)
    start = (time.time_ns() // 1_000_000 // 60_000 - len(rows) - 1) * 60_000
    recent = [
        [start + i * 60_000, *r[1:6], start + i * 60_000 + 59_999] for i, r in enumerate(rows)
    ]
    opened: list[Session] = []
    klines = {"NKNUSDT": recent}
    async with BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), klines=klines
    ) as server:
        config = config_for(server, tmp_path)

        def open_workstation() -> Session:
            opened.append(open_session(config, SystemClock(), LogBook(), []))
            return opened[0]

        app = TradetermApp(open_workstation, refresh_hz=20)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: bool(opened) and bool(opened[0].candles), 15)
            (feeder,) = opened[0].candles
            await until(lambda: feeder.filled.get("NKN/USDT") == 1, 15)
            want = [Decimal(r[4]) for r in recent]
            for _ in range(100):
                await pilot.pause(0.02)
                if [c.close for c in app.chart.visible_candles][: len(want)] == want:
                    break
            assert [c.close for c in app.chart.visible_candles][: len(want)] == want
    assert (tmp_path / "data" / "candles.sqlite").exists()
