"""The workstation on two venues at once: the sim and a recorded Binance session configured as
``[venues.tape] exchange = "replay"``. The scanner lists both, with ``@venue`` where both list
a symbol; the ladder follows the instrument picked; a ticket for the other venue's instrument
says which account can trade it."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

from tests.ui.trading_kit import showing, until
from tradeterm.cli.compose import open_session
from tradeterm.config.load import load_config
from tradeterm.domain.instrument import Instrument
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.logbook import LogBook
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.session import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "replay"))
from replay_data import SPOT, need

TAPE_BTC = Instrument("tape", "BTC/USDT")


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [general]
            data_dir = "{tmp_path / "data"}"

            [sim]
            symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]

            [venues.tape]
            exchange = "replay"
            files = ["{SPOT[0]}"]
            speed = 100

            [[accounts]]
            name = "paper"

            [[accounts]]
            name = "tape-paper"
            venue = "tape"
            """
        ),
        encoding="utf-8",
    )
    return path


async def test_the_scanner_and_ladder_show_both_venues_and_the_ticket_names_the_account(
    tmp_path: Path,
) -> None:
    need(SPOT[0])
    config, _ = load_config(write_config(tmp_path), tmp_path / "unused.toml")
    opened: list[Session] = []

    def open_workstation() -> Session:
        opened.append(open_session(config, SystemClock(), LogBook(), []))
        return opened[0]

    app = TradetermApp(open_workstation, refresh_hz=20)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: bool(opened) and opened[0].engine.started)
        engine = opened[0].engine
        assert list(engine.feeds) == ["sim", "tape"]
        await until(pilot, lambda: engine.state.books.get(TAPE_BTC) is not None)
        await until(pilot, lambda: engine.state.books[TAPE_BTC].mid() is not None)
        await until(pilot, lambda: "BTC/USDT@tape" in app.scanner.table.ordered_keys)
        keys = set(app.scanner.table.ordered_keys)
        assert {"BTC/USDT@sim", "BTC/USDT@tape", "ETH/USDT", "SOL/USDT"} <= keys

        await pilot.press("colon", *"symbol btc/usdt@tape", "enter")
        await until(pilot, lambda: engine.state.active == TAPE_BTC)
        await until(pilot, lambda: "BTC/USDT@tape" in str(app.book_pane.border_title))
        mid = engine.state.books[TAPE_BTC].mid()
        assert mid is not None and Decimal(55_000) < mid < Decimal(65_000)  # Binance's book
        rows = [app.ladder.render_line(y).text for y in range(app.ladder.size.height)]
        assert any(f"{int(mid) // 1000:,}," in row for row in rows)  # "61,6xx" on the ladder

        await pilot.press("b")  # the active account trades on the sim, not on the tape
        await pilot.pause()
        assert not isinstance(app.screen, TicketScreen)
        said = [n.message for n in app.notices]
        assert any(
            "BTC/USDT is on tape, and account paper trades on sim: switch to tape-paper" in m
            for m in said
        ), said

        engine.switch_account("tape-paper")
        await pilot.press("b")
        await until(pilot, showing(app, TicketScreen))
        assert "BTC/USDT@tape" in str(app.screen.query_one("#ticket-box").border_title)
        await pilot.press("escape")
        await asyncio.sleep(0)
