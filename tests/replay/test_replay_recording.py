"""Recordings: the format round trip, a sim session recorded and replayed, crash and damage."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeterm.domain.enums import (
    FeedState,
    Liquidity,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    FeedStateChanged,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderUpdated,
    QueueUpdated,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.domain.fills import Fill
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.replay import Recorder, RecordingReader, ReplayFeed, verify_files
from tradeterm.venues.replay.recording import decode, encode
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = ["BTC/USDT", "ETH/USDT", "PEPE/USDT"]

FILL = Fill(
    fill_id="f1",
    client_id="c1",
    account="main",
    symbol="BTC/USDT",
    side=Side.BUY,
    price=Decimal("67250.1"),
    qty=Decimal("0.00120"),
    fee=Decimal("0.000001200"),
    fee_asset="BTC",
    liquidity=Liquidity.TAKER,
    ts_ns=42,
)
ORDER = Order(
    client_id="c2",
    account="main",
    symbol="ETH/USDT",
    side=Side.SELL,
    type=OrderType.LIMIT,
    qty=Decimal("1.5000"),
    price=Decimal("3185.51"),
    tif=TimeInForce.IOC,
    status=OrderStatus.PARTIALLY_FILLED,
    filled=Decimal("0.5"),
    oco="c3",
    take_profit=Decimal("3300.00"),
    mid_at_send=Decimal("3185.505"),
)
TICKER = Ticker(
    symbol="BTC/USDT",
    last=Decimal("1"),
    bid=None,
    ask=Decimal("2"),
    open_24h=Decimal("1"),
    high_24h=Decimal("3"),
    low_24h=Decimal("0.5"),
    volume_24h=Decimal("10"),
    quote_volume_24h=Decimal("12"),
    ts_ns=8,
)
ORDER_EVENTS = [
    OrderAccepted("c1", "v-77", 10),
    OrderFilled(FILL),
    OrderAmended("c2", None, Decimal("2.00000000"), kept_queue=False, ts_ns=11),
    OrderCanceled("c2", "user", 12),
    QueueUpdated("c3", Decimal("0.00000050")),
    OrderUpdated(ORDER),
]


def test_every_event_kind_round_trips_exactly() -> None:
    events = [
        BookChanged("BTC/USDT", [(Decimal("1.50"), Decimal("0.00000050"))], [], True, 9, 5),
        BookChanged("BTC/USDT", [], [(Decimal("2"), Decimal("0"))], False, 10, 6),
        TradePrinted(Trade("BTC/USDT", Decimal("1.5"), Decimal("2.000"), Side.SELL, 7, "t9")),
        TickerUpdated(TICKER),
        CandleUpdated("BTC/USDT", Candle(60_000, *(Decimal(x) for x in "12345")), closed=True),
        CandlesLoaded("BTC/USDT", [Candle(0, *(Decimal(x) for x in "12345"))]),
        FeedStateChanged("sim", FeedState.STALE, "no data"),
        *ORDER_EVENTS,
    ]
    for event in events:
        record = encode(event, 123)
        assert record is not None and record["t"] == 123
        line = json.dumps(record)
        assert "E-" not in line  # decimals are written out in full
        back = decode(json.loads(line))
        assert back == event
        for a, b in zip(_decimals(back), _decimals(event), strict=True):
            assert a.as_tuple() == b.as_tuple()  # the very digits, not just the value
    assert encode(object(), 1) is None


def _decimals(value: Any) -> list[Decimal]:
    if isinstance(value, Decimal):
        return [value]
    if hasattr(value, "__dataclass_fields__"):
        return [d for name in value.__dataclass_fields__ for d in _decimals(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [d for item in value for d in _decimals(item)]
    return []


async def record_sim(path: Path, steps: int = 200) -> Engine:
    """A sim session recorded from its start, with hand-made order events mixed in."""
    clock = ManualClock()
    sim = SimFeed(clock, seed=3, symbols=SYMBOLS, history_minutes=30)
    engine = Engine(clock, sim, [AccountSpec("main")])
    await engine.start()
    recorder = Recorder(engine, path)
    recorder.start()
    sim.bootstrap(engine)
    for i in range(steps):
        clock.advance(0.1)
        sim.step(engine, 5)
        if i % 10 == 0:
            sim.publish_tickers(engine)
        if i < len(ORDER_EVENTS):
            engine.bus.publish(ORDER_EVENTS[i])
    recorder.close()
    return engine


async def replay(path: Path) -> tuple[Engine, ReplayFeed, list[object]]:
    clock = ManualClock(0)
    executions: list[object] = []
    feed = ReplayFeed([path], clock, speed=None, on_execution=executions.append)
    engine = Engine(clock, feed, [AccountSpec("main")])
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    while not feed.finished:
        await asyncio.sleep(0.005)
    task.cancel()
    return engine, feed, executions


async def test_a_recorded_sim_session_replays_into_identical_state(tmp_path: Path) -> None:
    path = tmp_path / "session.ndjson.gz"
    live = await record_sim(path)
    copy, _, executions = await replay(path)
    assert set(copy.state.markets_on(copy.feed.venue)) == set(SYMBOLS)
    for symbol in SYMBOLS:
        market, replayed = (
            live.state.markets_on(live.feed.venue)[symbol],
            copy.state.markets_on(copy.feed.venue)[symbol],
        )
        assert (replayed.tick_size, replayed.lot_size) == (market.tick_size, market.lot_size)
        assert replayed.venue == "replay"
        a, b = (
            live.state.books_on(live.feed.venue)[symbol],
            copy.state.books_on(copy.feed.venue)[symbol],
        )
        assert len(a.bids) > 50
        assert a.bids.top(10_000) == b.bids.top(10_000)
        assert a.asks.top(10_000) == b.asks.top(10_000)
        assert list(live.state.tapes_on(live.feed.venue)[symbol]) == list(
            copy.state.tapes_on(copy.feed.venue)[symbol]
        )
        assert list(live.state.candles_on(live.feed.venue)[symbol]) == list(
            copy.state.candles_on(copy.feed.venue)[symbol]
        )
        assert (
            live.state.tickers_on(live.feed.venue)[symbol]
            == copy.state.tickers_on(copy.feed.venue)[symbol]
        )
    assert executions == ORDER_EVENTS
    assert copy.clock.now_ns() == live.clock.now_ns()
    header = RecordingReader(path).header
    assert header["format"] == "tradeterm-recording" and header["version"] == 1
    assert header["venue"] == "sim" and header["symbols"] == sorted(SYMBOLS)
    report = verify_files([path])
    assert report["status"] == "clean"
    bids = report["symbols"]["BTC/USDT"]["final_levels"]["bids"]
    assert bids == len(live.state.books_on(live.feed.venue)["BTC/USDT"].bids)


async def test_recording_started_mid_session_stands_on_its_own(tmp_path: Path) -> None:
    clock = ManualClock()
    sim = SimFeed(clock, seed=5, symbols=SYMBOLS[:1], history_minutes=10)
    engine = Engine(clock, sim, [AccountSpec("main")])
    await engine.start()
    sim.bootstrap(engine)
    for _ in range(50):
        clock.advance(0.2)
        sim.step(engine, 3)
    path = tmp_path / "late.ndjson.gz"
    recorder = Recorder(engine, path)
    recorder.start()  # the current book, ticker and candles go in first
    for _ in range(50):
        clock.advance(0.2)
        sim.step(engine, 3)
    recorder.close()
    copy, _, _ = await replay(path)
    replayed, live = (
        copy.state.books_on(copy.feed.venue)["BTC/USDT"],
        engine.state.books_on(engine.feed.venue)["BTC/USDT"],
    )
    assert replayed.bids.top(500) == live.bids.top(500)
    assert list(copy.state.candles_on(copy.feed.venue)["BTC/USDT"]) == list(
        engine.state.candles_on(engine.feed.venue)["BTC/USDT"]
    )
    with pytest.raises(TradetermError, match="exists already"):
        Recorder(engine, path).start()


async def test_flush_timer_puts_records_on_disk_before_close(tmp_path: Path) -> None:
    clock = ManualClock()
    sim = SimFeed(clock, seed=1, symbols=SYMBOLS[:1], history_minutes=5)
    engine = Engine(clock, sim, [AccountSpec("main")])
    await engine.start()
    path = tmp_path / "live.ndjson.gz"
    recorder = Recorder(engine, path, flush_interval_s=0.05)
    recorder.start()
    writer = asyncio.create_task(recorder.run())
    sim.bootstrap(engine)
    sim.step(engine, 20)
    written = recorder.records
    await asyncio.sleep(0.2)
    # what a crash right now would leave: the bytes on disk, with no gzip trailer
    crashed = tmp_path / "crashed.ndjson.gz"
    crashed.write_bytes(path.read_bytes())
    reader = RecordingReader(crashed)
    assert len(list(reader)) == written
    assert [i.kind for i in reader.issues] == ["truncated"]
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    assert not recorder.recording
    clean = RecordingReader(path)
    assert len(list(clean)) == written and clean.issues == []


async def test_a_recording_cut_mid_line_loses_only_its_last_record(tmp_path: Path) -> None:
    path = tmp_path / "full.ndjson.gz"
    await record_sim(path, steps=40)
    text = gzip.decompress(path.read_bytes()).decode()
    records = text.count("\n") - 1
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(gzip.compress(text[: text.rindex("\n", 0, len(text) - 1) + 30].encode()))
    reader = RecordingReader(cut)
    assert len(list(reader)) == records - 1
    (issue,) = reader.issues
    assert issue.kind == "truncated" and "cut short" in issue.message
    assert issue.position == f"cut.ndjson.gz:{records + 1}"
    # a crash at an arbitrary byte: a sync-flushed stream, then the file simply ends
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    raw = deflate.compress(text.encode()) + deflate.flush(zlib.Z_SYNC_FLUSH)
    crashed = tmp_path / "crashed.ndjson.gz"
    crashed.write_bytes(raw[: len(raw) - 25])
    reader = RecordingReader(crashed)
    events = list(reader)
    assert records - 5 <= len(events) < records
    assert reader.issues and reader.issues[0].kind == "truncated"
    report = verify_files([crashed])
    assert report["exit_code"] == 1 and report["symbols"]["BTC/USDT"]["synced"]


async def test_a_corrupted_middle_record_is_named_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "full.ndjson.gz"
    await record_sim(path, steps=40)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    lines[20] = lines[20][:15] + "#garbage#" + lines[20][15:]
    bad = tmp_path / "bad.ndjson.gz"
    bad.write_bytes(gzip.compress("".join(lines).encode()))
    reader = RecordingReader(bad)
    assert len(list(reader)) == len(lines) - 2
    (issue,) = reader.issues
    assert issue.kind == "corrupted_line" and issue.position == "bad.ndjson.gz:21"
    report = verify_files([bad])
    assert report["exit_code"] == 1
    assert report["issues"][0]["position"] == "bad.ndjson.gz:21"
