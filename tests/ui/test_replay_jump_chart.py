"""The replay workstation's chart after a jump back: rebuilt from the candles at the new time,
in order, with no warning (on a tradeterm recording, whose history ends in a live candle);
and a chart that cannot draw says why once, not at every redraw."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from tests.ui.conftest import FROZEN_NS, build_rig, chart_drawn
from tests.ui.test_replay_app import settle
from tradeterm.domain.market_data import Candle
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.session_capture import SessionCapture
from tradeterm.logsetup import setup_logging
from tradeterm.ui.replay_app import ReplayApp
from tradeterm.venues.replay import Recorder, ReplayFeed
from tradeterm.venues.sim.feed import SimFeed

SIZE = (160, 48)
MINUTE_NS = 60 * 10**9
D = Decimal


async def record_sim(path: Path, minutes: int) -> None:
    """A sim session recorded the way ``ctrl+r`` records one: the engine's history first
    (its newest candle still open), then ``minutes`` of market."""
    clock = ManualClock(FROZEN_NS)
    sim = SimFeed(clock, seed=4, rate=0, symbols=["BTC/USDT"], history_minutes=90)
    engine = Engine(clock, sim, [AccountSpec("paper")])
    await engine.start()
    sim.bootstrap(engine)
    recorder = Recorder(engine, path)
    recorder.start()
    for i in range(minutes * 120):
        clock.advance(0.5)
        sim.step(engine, 2)
        if i % 2 == 0:
            sim.publish_tickers(engine)
    recorder.close()


def replay_app(recording: Path) -> tuple[ReplayApp, ReplayFeed]:
    clock = ManualClock(0)
    feed = ReplayFeed([recording], clock, speed=1.0, paused=True)
    engine = Engine(clock, feed, [AccountSpec("paper")], client_id_prefix="r")
    logbook = setup_logging(None, "info", clock.now_ns)
    return ReplayApp(engine, logbook, feed, SessionCapture(engine), [recording]), feed


async def jump(app: ReplayApp, feed: ReplayFeed, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("g", *text, "enter")
    await settle(pilot, lambda: not feed.seeking and len(app.screen_stack) == 1, tries=1000)
    app.refresher.hurry()
    app.refresher.tick()
    await chart_drawn(pilot)


async def test_jump_back_rebuilds_the_chart_without_a_warning(tmp_path: Path) -> None:
    recording = tmp_path / "session.ndjson.gz"
    await record_sim(recording, minutes=5)
    app, feed = replay_app(recording)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: feed.progress.total_messages is not None)
        await pilot.press("full_stop")
        await jump(app, feed, pilot, "+4m")
        later = feed.progress.now_ns
        assert later is not None
        seen = app.logbook.seq
        await jump(app, feed, pilot, "-2m")
        now = feed.progress.now_ns
        assert now is not None and now <= later - 2 * MINUTE_NS + 10**9
        chart = app.chart
        await pilot.pause(1.2)  # the chart redraws each second while the market moves
        await chart_drawn(pilot)
        assert chart.message is None, chart.message
        logged = [e for e in app.logbook.entries if e.seq > seen and e.level >= logging.WARNING]
        assert logged == []
        stamps = [c.ts_ms for c in chart.visible_candles]
        assert len(stamps) > 2 and stamps == sorted(set(stamps))
        # the newest candle drawn is the minute of the new time: nothing from after it
        assert stamps[-1] == now // MINUTE_NS * 60_000
        series = [c.ts_ms for c in app.engine.state.candles_on(app.engine.feed.venue)["BTC/USDT"]]
        assert series == sorted(set(series))


async def test_a_chart_that_cannot_draw_says_so_once_in_the_log() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await chart_drawn(pilot)
        chart = app.chart
        chart.live_interval = 0.0
        market = rig.engine.state.markets_on(rig.engine.feed.venue)["BTC/USDT"]
        one = Candle(FROZEN_NS // 10**6 // 60_000 * 60_000, D(1), D(2), D(1), D(2), D(1))
        seen = app.logbook.seq
        for _ in range(3):  # three redraws of the same candles, twice the same minute
            chart.show([one, one], market, [], FROZEN_NS)
            await chart_drawn(pilot)
            assert chart.message is not None and "is not after candle 0" in chart.message
        logged = [e for e in app.logbook.entries if e.seq > seen and e.source == "ui.chart"]
        assert len(logged) == 1 and chart.render_count >= 3


async def test_jump_back_restarts_the_trades_tape(shared_data: Path) -> None:
    capture = shared_data / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"
    app, feed = replay_app(capture)  # six minutes of Binance spot BTCUSDT, with its trades
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: feed.progress.total_messages is not None)
        await pilot.press("full_stop")
        await jump(app, feed, pilot, "+3m")
        tape = app.engine.state.tapes_on(app.engine.feed.venue)["BTC/USDT"]
        assert len(tape) > 100
        newest_before = tape[0].ts_ns
        await jump(app, feed, pilot, "-2m50s")  # ten seconds in: a few trades so far
        stamps = [
            t.ts_ns for t in app.engine.state.tapes_on(app.engine.feed.venue)["BTC/USDT"]
        ]  # newest first
        assert stamps and stamps == sorted(stamps, reverse=True)
        # nothing from after the new time (trades carry the exchange's clock, not the
        # capture's, so compare with what was newest before: almost three minutes later)
        assert stamps[0] < newest_before - 2 * MINUTE_NS
