"""Helpers for the trading Pilot tests: a rig with paper venues and a ledger, typing commands,
and reading what the panes show."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from tests.ui.conftest import Rig, build_rig
from tradeterm.domain.book import Level
from tradeterm.domain.events import BookChanged
from tradeterm.domain.orders import Order

D = Decimal
WIDE = (160, 48)


def paper_rig(tmp_path: Path, **kwargs: object) -> Rig:
    """The standard rig, trading on real paper venues (latency 0) and a ledger in tmp."""
    return build_rig(paper_dir=tmp_path, export_dir=tmp_path / "exports", **kwargs)  # type: ignore[arg-type]


async def until(pilot: Pilot[None], check: Callable[[], bool], timeout: float = 20) -> None:
    """Let the app run until ``check()`` holds (real time: a loaded machine is slow)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def showing(app: App[None], screen: type[Screen[Any]]) -> Callable[[], bool]:
    """For ``until``: ``screen`` is on top and mounted (its widgets can be queried)."""
    return lambda: isinstance(app.screen, screen) and app.screen.is_mounted


async def command(rig: Rig, pilot: Pilot[None], text: str) -> None:
    """Type ``:text`` key by key and Enter, then let the order path finish."""
    await pilot.press("colon", *text, "enter")
    await rig.settle(pilot)


async def run(rig: Rig, pilot: Pilot[None], text: str) -> None:
    """Open the command line with ``text`` already typed, then Enter."""
    rig.app.action_command_line(text)
    await pilot.press("enter")
    await rig.settle(pilot)


async def execute(rig: Rig, pilot: Pilot[None], text: str) -> None:
    """Run ``text`` the way the command line does on Enter (parse, check, run), without the
    focus changes of opening and closing the line, which make Pilot tests slow."""
    rig.app.desk.run(rig.app.desk.parse(text))
    await rig.settle(pilot)


def orders(rig: Rig) -> list[Order]:
    """The active account's orders, oldest first."""
    return sorted(rig.engine.state.account.orders.values(), key=lambda o: o.client_id)


def newest(rig: Rig) -> Order:
    return orders(rig)[-1]


def table_text(table: object) -> list[str]:
    """A FastTable's lines as the user sees them."""
    height = table.size.height  # type: ignore[attr-defined]
    return [table.render_line(y).text for y in range(height)]  # type: ignore[attr-defined]


def parent_row(app: object, tag: str) -> list[str]:
    """The words of algo parent ``tag``'s one row in the orders pane, as drawn."""
    lines = table_text(app.orders.table)  # type: ignore[attr-defined]
    parent = [line for line in lines if line.lstrip().startswith(tag)]
    assert len(parent) == 1, lines
    return parent[0].split()


def notifications(rig: Rig) -> list[str]:
    return [n.message for n in rig.app.notices]


def set_book(
    rig: Rig, symbol: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> None:
    """Replace a symbol's book with hand-made levels (as a venue snapshot would)."""

    def levels(pairs: list[tuple[str, str]]) -> list[Level]:
        return [(D(p), D(q)) for p, q in pairs]

    rig.engine.on_market(
        BookChanged(symbol, levels(bids), levels(asks), snapshot=True, ts_ns=rig.clock.now_ns())
    )
