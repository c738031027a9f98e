"""The workstation on a replayed real Binance capture: playback keys, jump, the report."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

from tests.ui.conftest import rich_text
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.session_capture import SessionCapture
from tradeterm.logsetup import setup_logging
from tradeterm.ui.replay_app import ReplayApp
from tradeterm.ui.screens.help import HelpScreen
from tradeterm.ui.screens.jump import JumpScreen
from tradeterm.ui.screens.report import ReportScreen
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

WS = "cryptofeed_BINANCE_spot_20211012.ws.1.0.txt"
HTTP = "cryptofeed_BINANCE_spot_20211012.http.0.0.txt"
SIZE = (160, 48)


def replay_app(shared_data: Path, tmp_path: Path) -> tuple[ReplayApp, ReplayFeed, Path]:
    for name in (WS, HTTP):  # a copy: the report is saved beside the recording
        shutil.copy(shared_data / "orderbook" / "binance" / name, tmp_path / name)
    recording = tmp_path / WS
    clock = ManualClock(0)
    feed = ReplayFeed([recording], clock, speed=1.0, paused=True)
    funds = {"USDT": Decimal("10000")}
    engine = Engine(clock, feed, [AccountSpec("paper", balances=funds)], client_id_prefix="r")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=0)
    )
    logbook = setup_logging(None, "info", clock.now_ns)
    app = ReplayApp(engine, logbook, feed, SessionCapture(engine), [recording])
    return app, feed, recording


async def settle(pilot, until, tries: int = 200) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if until():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


async def test_space_step_and_speed_keys(shared_data: Path, tmp_path: Path) -> None:
    app, feed, _ = replay_app(shared_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: feed.progress.total_messages is not None)
        assert feed.paused
        await pilot.press("space")
        assert not feed.paused
        await pilot.press("space")
        assert feed.paused
        before = feed.progress.messages
        await pilot.press("full_stop")
        after_one = feed.progress.messages
        assert after_one > before
        await pilot.press("full_stop")
        assert feed.progress.messages > after_one
        assert feed.paused  # stepping keeps it paused
        await pilot.press("right_curly_bracket")
        assert feed.speed == 2.0
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        assert feed.speed == 0.5
        bar = app.bar.render_line(0).text
        assert "paused" in bar and "2021-10-12" in bar and "0.5x" in bar


async def test_jump_moves_the_session_clock(shared_data: Path, tmp_path: Path) -> None:
    app, feed, _ = replay_app(shared_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: feed.progress.total_messages is not None)
        await pilot.press("full_stop")
        start = feed.progress.now_ns
        assert start is not None
        await pilot.press("g")
        assert isinstance(app.screen, JumpScreen)
        await pilot.press(*"+10s", "enter")
        await settle(pilot, lambda: not feed.seeking and feed.progress.now_ns >= start + 9 * 10**9)
        assert app.engine.clock.now_ns() == feed.progress.now_ns
        assert feed.paused


async def test_practice_order_fills_on_the_replayed_book_and_the_report_is_saved(
    shared_data: Path, tmp_path: Path
) -> None:
    app, feed, recording = replay_app(shared_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: feed.progress.total_messages is not None)
        for _ in range(40):  # a little of the session, so NKN/USDT has a book
            await pilot.press("full_stop")
        book = app.engine.state.books_on(app.engine.feed.venue)["NKN/USDT"]
        ask = book.best_ask()
        assert ask is not None
        order = await app.engine.place(
            PlaceOrder("NKN/USDT", Side.BUY, OrderType.MARKET, qty=book.asks.top(1)[0][1] / 2)
        )
        await app.engine.trading.writer.drain()
        assert order.filled and order.cost == order.filled * ask  # the replayed book's ask
        feed.speed = None
        await pilot.press("space")
        await settle(pilot, lambda: isinstance(app.screen, ReportScreen), tries=500)
        saved = tmp_path / f"{recording.name}.report.json"
        await settle(pilot, saved.exists)
        report = json.loads(saved.read_text())
        assert report["fills"] == 1
        (trade,) = report["trades"]
        assert trade["symbol"] == "NKN/USDT" and trade["is_open"] is True
        (sent,) = report["orders"]
        assert sent["client_id"] == order.client_id
        # bought at the ask against the mid when sent: slippage is half the spread, > 0
        assert Decimal(sent["mid_at_send"]) < ask and Decimal(sent["bps"]) > 0


async def test_replay_keys_are_live_bindings(shared_data: Path, tmp_path: Path) -> None:
    app, _, _ = replay_app(shared_data, tmp_path)
    async with app.run_test(size=SIZE):
        actions = {key: b.binding.action for key, b in app.active_bindings.items()}
        assert actions["space"] == "toggle_play"
        assert actions["full_stop"] == "step"
        assert actions["g"] == "jump"
        assert actions["R"] == "report"


async def test_help_lists_the_replay_controls(shared_data: Path, tmp_path: Path) -> None:
    app, _, _ = replay_app(shared_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = rich_text(app.screen.query_one("Static").content)
        assert "Replay" in text
        for binding_id in ("replay.play", "replay.step", "replay.jump", "replay.report"):
            assert binding_id in text
