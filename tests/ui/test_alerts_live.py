"""Alerts in the workstation: set from the command line, fired by a trade or a scan (toast,
log line, bell and desktop notification on a real pty, the status file), listed in the
alerts pane and removed from it."""

from __future__ import annotations

import json
import os
import pty
import select
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.ui.conftest import Rig, build_rig, rich_text
from tests.ui.scanner_kit import redraw, wait_for_passes
from tests.ui.trading_kit import notifications, table_text
from tradeterm.analysis.alerts import AlertBook
from tradeterm.domain.enums import Side
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.market_data import Trade
from tradeterm.ui.notify import TerminalNotifier
from tradeterm.ui.screens.confirm import ConfirmScreen

WIDE = (160, 48)


@pytest.fixture
def terminal() -> Iterator[tuple[int, str]]:
    """A real pseudo-terminal: (master fd to read what was sent, slave path to write to)."""
    master, slave = pty.openpty()
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)


def received(master: int) -> bytes:
    data = b""
    while select.select([master], [], [], 0.2)[0]:
        data += os.read(master, 65536)
    return data


def trade(rig: Rig, symbol: str, price: Decimal) -> None:
    rig.engine.on_market(
        TradePrinted(Trade(symbol, price, Decimal("0.01"), Side.BUY, rig.clock.now_ns()))
    )


async def test_a_price_alert_set_on_the_command_line_fires_once_everywhere(
    tmp_path: Path, terminal: tuple[int, str]
) -> None:
    master, tty = terminal
    rig = build_rig(alerts_dir=tmp_path, notifier=TerminalNotifier(tty, env={"TMUX": "/tmp/x"}))
    app = rig.app
    last = rig.engine.state.tickers_on(rig.engine.feed.venue)["BTC/USDT"].last
    level = (last + Decimal("5")).quantize(Decimal("0.1"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("colon", *f"alert BTC/USDT > {level}", "enter")
        await redraw(rig, pilot)
        assert not app.cmdline.is_open
        assert f"alert a1 set: BTC/USDT > {level}" in notifications(rig)
        saved = json.loads((tmp_path / "alerts.json").read_text())
        assert saved[0]["symbol"] == "BTC/USDT" and saved[0]["condition"] == f"> {level}"
        rows = table_text(app.alerts_pane.table)
        assert any(f"BTC/USDT > {level}" in r and "active" in r for r in rows)

        trade(rig, "BTC/USDT", level)  # at the level: not above it yet
        trade(rig, "ETH/USDT", level + 1)  # another symbol
        assert received(master) == b""
        trade(rig, "BTC/USDT", level + Decimal("0.1"))
        await redraw(rig, pilot)
        sent = received(master).decode()
        body = f"BTC/USDT > {level} ({level + Decimal('0.1')})"
        assert "\x1bPtmux;\x1b\x1b]9;tradeterm alert: " + body in sent  # OSC 9, through tmux
        assert "\x1b\x1b]777;notify;tradeterm alert;" + body.replace(";", ",") in sent
        assert sent.endswith("\x07")  # the bell
        assert body in notifications(rig)
        status = (tmp_path / "last-alert.txt").read_text()
        assert f"BTC/USDT > {level}" in status and "12:34:56Z" in status
        row = app.alerts_pane.table.row("a1")
        assert row is not None and row.cells[2] == "⚑ 12:34:56"
        app.log_pane.sync()
        logged = [e.message for e in app.logbook.entries]
        assert any(m.startswith("alert a1 fired: BTC/USDT > ") for m in logged)
        assert json.loads((tmp_path / "alerts.json").read_text())[0]["active"] is False

        trade(rig, "BTC/USDT", level + 2)  # once only
        assert received(master) == b""


async def test_an_indicator_alert_fires_on_the_next_scan_even_with_the_scanner_hidden(
    tmp_path: Path, terminal: tuple[int, str]
) -> None:
    master, tty = terminal
    rig = build_rig(alerts_dir=tmp_path, notifier=TerminalNotifier(tty, env={}), scan_interval=0.05)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:  # tabs: the scanner is not on screen
        await pilot.pause(0.2)
        assert app.scans.passes == 0  # nobody looks, nothing to check: no scans
        app.action_command_line("alert ETH/USDT rsi < 200")
        await pilot.press("enter")
        await wait_for_passes(rig, pilot, 1)
        sent = received(master).decode()
        assert "\x1b]9;tradeterm alert: ETH/USDT rsi < 200 (rsi " in sent
        assert "\x1b]777;notify;tradeterm alert;ETH/USDT rsi < 200" in sent
        assert any(n.startswith("ETH/USDT rsi < 200 (rsi ") for n in notifications(rig))
        assert "ETH/USDT rsi < 200" in (tmp_path / "last-alert.txt").read_text()
        await pilot.press("9")
        await redraw(rig, pilot)
        assert app.focused is app.alerts_pane.table
        assert any("⚑ 12:34:56" in r for r in table_text(app.alerts_pane.table))


async def test_a_wrong_alert_shows_where_and_the_forms(tmp_path: Path) -> None:
    rig = build_rig(alerts_dir=tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        text = "alert BTC/USDT trend == up"
        app.action_command_line(text)
        await pilot.press("enter")
        await pilot.pause()
        assert app.cmdline.is_open
        shown = rich_text(app.cmdline.error.content)
        lines = shown.splitlines()
        assert lines[0].index("^") == 1 + text.index("up")
        assert 'write "up"' in shown
        assert "expected: alert [repeat] [SYMBOL] > PRICE | < PRICE | FILTER" in shown
        assert not app.alerting.book.alerts and not (tmp_path / "alerts.json").exists()


async def test_alerts_are_listed_and_removed_from_the_pane_and_the_command_line(
    tmp_path: Path,
) -> None:
    rig = build_rig(alerts_dir=tmp_path)
    book = rig.app.alerting.book
    assert isinstance(book, AlertBook)
    book.load_config([("SOL/USDT", "< 100", False), ("ETH/USDT", "vol_z > 3", True)])
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await redraw(rig, pilot)
        table = app.alerts_pane.table
        assert table.ordered_keys == ["a1", "a2"]
        assert "yes" in table.row("a2").cells  # type: ignore[union-attr]
        await pilot.press("9")
        assert app.focused is table and table.cursor_key == "a1"
        await pilot.press("d")  # it asks first; "no" keeps the alert
        assert isinstance(app.screen, ConfirmScreen)
        assert "Remove alert a1: SOL/USDT < 100?" in app.screen.question
        await pilot.press("n")
        await redraw(rig, pilot)
        assert table.ordered_keys == ["a1", "a2"]
        await pilot.press("d", "y")
        await redraw(rig, pilot)
        assert table.ordered_keys == ["a2"]
        assert "alert a1 removed: SOL/USDT < 100" in notifications(rig)
        app.action_command_line("unalert a7")
        await pilot.press("enter")
        assert app.cmdline.is_open and "no alert 'a7'; alerts: a2" in app.cmdline.error_text
        app.cmdline.action_close()
        app.action_command_line("alert remove 2")
        await pilot.press("enter")
        await redraw(rig, pilot)
        assert table.row_count == 0 and not book.alerts
        assert json.loads((tmp_path / "alerts.json").read_text()) == []
        await pilot.press("9", "delete")
        assert "no alert selected" in notifications(rig)
        app.action_command_line("alerts")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is table
