"""Stale data shown honestly: while the feed is silent past its threshold or reconnecting, the
ladder greys its rows and titles itself with the age, the scanner greys every row with the age,
and the status bar says so in the warning role; all of it goes back to normal on fresh data."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig
from tests.ui.scanner_kit import WIDE, cell
from tests.ui.trading_kit import set_book
from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import FeedStateChanged
from tradeterm.ui.widgets.status import staleness

SYMBOL = "BTC/USDT"


async def _redraw(rig: Rig, pilot: Pilot[None]) -> None:
    """Let the refresh tick draw every pane, the slow scanner included."""
    await asyncio.sleep(0.3)  # past the scanner's slow-pane period
    await rig.settle(pilot)


def _status(rig: Rig) -> str:
    return rig.app.status.render_line(0).text


def _ladder_colours(rig: Rig) -> set[str]:
    """The colours of the price cells of every ladder row on screen."""
    ladder = rig.app.ladder
    colours = set()
    for y in range(1, ladder.size.height):
        segments = list(ladder.render_line(y))
        for segment in segments[1:2]:  # the price cell follows the own-order marker
            if segment.text.strip() and segment.style is not None and segment.style.color:
                colours.add(str(segment.style.color.name))
    return colours


def _colour(style: object) -> str:
    return str(style.color.name)  # type: ignore[attr-defined]


def _fresh(rig: Rig) -> None:
    app = rig.app
    palette = app.ladder.palette
    assert app.ladder.stale == ""
    assert "stale" not in app.ladder.title and "stale" not in _status(rig)
    assert "stale" not in str(app.book_pane.border_title)
    assert _ladder_colours(rig) == {_colour(palette.bid), _colour(palette.ask)}
    assert not cell(rig, SYMBOL, "spark").startswith(("stale", "reconnecting"))


async def test_a_silent_feed_greys_the_ladder_and_scanner_with_its_age_until_data_comes() -> None:
    rig = build_rig()
    app, engine = rig.app, rig.engine
    async with app.run_test(size=WIDE) as pilot:
        await _redraw(rig, pilot)
        assert engine.state.active_symbol == SYMBOL
        _fresh(rig)
        muted = _colour(app.ladder.palette.muted)

        rig.clock.advance(12)
        engine.check_stale()
        assert engine.state.feed.state is FeedState.STALE
        await _redraw(rig, pilot)
        assert "● stale 12s " in _status(rig)
        assert app.ladder.title.endswith(" · stale 12s")
        assert "stale 12s" in str(app.book_pane.border_title)
        assert _ladder_colours(rig) == {muted}
        assert cell(rig, SYMBOL, "spark") == "stale 12s"
        assert app.scanner.table.row_count == len(engine.state.markets_on(engine.feed.venue))
        assert all(
            cell(rig, symbol, "spark") == "stale 12s"
            for symbol in engine.state.markets_on(engine.feed.venue)
        )

        rig.clock.advance(3)  # the age goes on counting with nothing new from the feed
        await _redraw(rig, pilot)
        assert "● stale 15s " in _status(rig)
        assert app.ladder.title.endswith(" · stale 15s")
        assert cell(rig, SYMBOL, "spark") == "stale 15s"

        set_book(rig, SYMBOL, [("50000", "1")], [("50001", "2")])  # a message: fresh again
        assert str(engine.state.feed.state) == "connected"
        await _redraw(rig, pilot)
        _fresh(rig)


async def test_reconnecting_shows_the_age_of_the_last_update_in_all_three_places() -> None:
    rig = build_rig()
    app, engine = rig.app, rig.engine
    async with app.run_test(size=WIDE) as pilot:
        await _redraw(rig, pilot)
        venue = engine.state.feed.venue
        rig.clock.advance(2)
        engine.on_market(FeedStateChanged(venue, FeedState.RECONNECTING, "connection closed"))
        await _redraw(rig, pilot)
        label = "reconnecting · last update 2s ago"
        assert "● reconnecting 2s (connection closed) " in _status(rig)
        assert app.ladder.title.endswith(f" · {label}")
        assert _ladder_colours(rig) == {_colour(app.ladder.palette.muted)}
        assert cell(rig, SYMBOL, "spark") == label

        engine.on_market(FeedStateChanged(venue, FeedState.CONNECTED))
        set_book(rig, SYMBOL, [("50000", "1")], [("50001", "2")])
        await _redraw(rig, pilot)
        _fresh(rig)
        assert "● connected " in _status(rig)


async def test_a_book_older_than_the_threshold_is_stale_before_the_feed_is_marked() -> None:
    rig = build_rig()
    app, engine = rig.app, rig.engine
    async with app.run_test(size=WIDE) as pilot:
        await _redraw(rig, pilot)
        rig.clock.advance(7)  # nobody has checked the feed yet: it still says connected
        assert engine.state.feed.state is FeedState.CONNECTED
        await _redraw(rig, pilot)
        assert app.ladder.title.endswith(" · stale 7s")
        assert _ladder_colours(rig) == {_colour(app.ladder.palette.muted)}

        set_book(rig, SYMBOL, [("50000", "1")], [("50001", "2")])
        await _redraw(rig, pilot)
        assert app.ladder.stale == ""
        assert "stale" not in app.ladder.title


def test_the_staleness_label_for_each_feed_state() -> None:
    s = 1_000_000_000
    now = 100 * s
    assert staleness(FeedState.CONNECTED, now - 5 * s, now, 5 * s) == ""  # at the threshold
    assert staleness(FeedState.CONNECTED, now - 6 * s, now, 5 * s) == "stale 6s"
    assert staleness(FeedState.CONNECTING, 0, now, 5 * s) == ""  # nothing shown yet
    assert staleness(FeedState.STALE, now - 3 * s, now, 5 * s) == "stale 3s"
    assert staleness(FeedState.DISCONNECTED, 0, now, 5 * s) == "disconnected"
    assert staleness(FeedState.DISCONNECTED, now - 40 * s, now, 5 * s) == (
        "disconnected · last update 40s ago"
    )
    assert staleness(FeedState.CONNECTED, now + s, now, 5 * s) == ""  # a stamp from ahead
