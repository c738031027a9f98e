"""Opening the workstation the way ``tradeterm`` does: the frame, the status bar and the keys
first, then the market and the panes' contents, built by a function the app calls once that
first frame is on screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.strip import Strip

import tradeterm.ui.app as tradeterm_ui_app
from tests.ui.conftest import Rig, ladder_text
from tests.ui.trading_kit import until
from tradeterm.domain.errors import ConfigError, DataError, TradetermError
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.help import HelpScreen
from tradeterm.ui.screens.workstation import WorkstationScreen
from tradeterm.ui.session import Session
from tradeterm.ui.widgets.keybar import KeyBar
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.status import StatusBar


def _opening_app(rig: Rig, seen: dict[str, object]) -> TradetermApp:
    """A workstation on ``rig``'s market that builds its session only when asked, noting
    what the screen showed at that moment."""

    def open_session() -> Session:
        screen = app.export_screenshot()
        seen["frame"] = screen
        seen["ladder mounted"] = bool(app.query("#ladder"))
        seen["opened"] = app.opened
        seen["screen"] = screen = app.screen
        seen["status"] = screen.query_one(StatusBar)
        seen["workstation"] = getattr(screen, "workstation", "no such attribute")
        seen["boxes"] = {pane: box for pane, box in app.chrome.boxes.items() if box.is_mounted}
        keys, _ = app.query_one(KeyBar).keys
        seen["keys"] = {k.display: k.enabled for k in keys}
        return Session(rig.engine, rig.app.logbook)

    app = TradetermApp(open_session, start_feed=False, refresh_hz=20)
    return app


async def test_the_frame_is_on_screen_before_the_market_is_built(rig: Rig) -> None:
    seen: dict[str, object] = {}
    app = _opening_app(rig, seen)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(50):
            await pilot.pause()
            if app.opened:
                break
        assert app.opened
        # when the session was asked for, the frame was drawn and the panes were empty
        frame = str(seen["frame"])
        for title in ("1 Order book", "2 Trades", "3 Scanner", "6 Orders", "9 Alerts"):
            assert title.replace(" ", "&#160;") in frame, title
        assert seen["ladder mounted"] is False and seen["opened"] is False
        # the keys were shown but waited, all but quit
        keys = seen["keys"]
        assert isinstance(keys, dict)
        assert keys["q"] is True
        assert keys["b"] is False and keys["?"] is False
        # now the panes are filled, the keys work and the book is drawn
        assert app.ladder.parent is app.book_pane
        assert rig.engine.started
        bar = app.screen.query_one(KeyBar)  # the bar on screen, not the frame's
        await until(pilot, lambda: all(k.enabled for k in bar.keys[0]))
        for _ in range(50):
            await pilot.pause()
            if any("spread" in row for row in ladder_text(app)):
                break
        assert any("spread" in row for row in ladder_text(app))
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_book_is_drawn_before_the_other_panes_are_mounted(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The book's content mounts and is drawn first, alone; the other panes' contents mount
    in the frame after it, and are drawn with it. The keys work once they are all there."""
    drawn: list[tuple[bool, bool]] = []  # (another pane mounted, the keys work)
    render_lines = Ladder.render_lines

    def watched(ladder: Ladder, crop: Region) -> list[Strip]:
        strips = render_lines(ladder, crop)
        if not drawn and any("spread" in strip.text for strip in strips):
            drawn.append((app.scanner.is_mounted or app.orders.is_mounted, app.opened))
        return strips

    monkeypatch.setattr(Ladder, "render_lines", watched)
    app = _opening_app(rig, {})
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.opened)
        await pilot.pause()
        assert drawn == [(False, False)]
        contents = app.workstation.contents if app.workstation is not None else {}
        assert set(contents) == set(app.boxes)
        for pane, content in contents.items():
            assert content.parent is app.boxes[pane], pane
        assert app.scanner.table.row_count > 0  # drawn once mounted
        assert any("spread" in row for row in ladder_text(app))


@pytest.mark.parametrize(
    ("size", "shown", "hidden"),
    [
        ((80, 24), ("1·2 Book & tape", "6·7 Orders", "1 Order book"), ("6 Orders", "4 Positions")),
        ((220, 60), ("1 Order book", "3 Scanner", "6 Orders", "7 Fills"), ("Book & tape",)),
    ],
)
async def test_the_frame_is_laid_out_for_the_terminal_before_it_is_first_drawn(
    rig: Rig, size: tuple[int, int], shown: tuple[str, ...], hidden: tuple[str, ...]
) -> None:
    """The app no longer waits for its frame to mount before laying it out (a frame drawn
    while it waited was thrown away): the tabs of a small terminal and the groups they hide
    are in place in the frame on screen when the market is asked for."""
    seen: dict[str, object] = {}
    app = _opening_app(rig, seen)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.opened)
    frame = str(seen["frame"]).replace("&#160;", " ").replace("&amp;", "&")
    for text in shown:
        assert text in frame, text
    for text in hidden:
        assert text not in frame, text


async def test_the_market_is_built_right_after_the_first_frame(rig: Rig) -> None:
    """The session is built as soon as the first frame is drawn, not after the repaints that
    follow it (Textual's resize at start, the toasts' layer laid out): those were three full
    frames and a repaint tick between the first frame and the first book. The frame was laid
    out once when the market is asked for; the layouts that follow it come after."""
    layouts: list[str] = []
    seen: dict[str, object] = {}

    class Counting(TradetermApp):
        def on_mount(self) -> None:  # runs before TradetermApp's
            signal = self.screen.screen_layout_refresh_signal  # each layout after the first
            signal.subscribe(self, lambda screen: layouts.append("layout"))

    def open_session() -> Session:
        seen["frame"] = app.export_screenshot()
        seen["layouts"] = len(layouts)
        return Session(rig.engine, rig.app.logbook)

    app = Counting(open_session, start_feed=False, refresh_hz=20)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.opened)
        await until(pilot, lambda: any("spread" in row for row in ladder_text(app)))
    assert "1&#160;Order&#160;book" in str(seen["frame"])  # the frame was drawn
    assert seen["layouts"] == 0
    assert layouts  # the layouts after it were counted


async def test_on_open_is_called_once_the_opened_workstation_has_drawn_its_market(
    rig: Rig,
) -> None:
    """The CLI turns the garbage collector back on from ``on_open``: once, after the session
    is built and its book drawn, never before the panes are filled."""
    calls: list[tuple[bool, bool]] = []

    def opened() -> None:
        calls.append((app.opened, any("spread" in row for row in ladder_text(app))))

    def open_session() -> Session:
        assert not calls
        return Session(rig.engine, rig.app.logbook)

    app = TradetermApp(open_session, start_feed=False, refresh_hz=20, on_open=opened)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: bool(calls))
        for _ in range(5):
            await pilot.pause()
    assert calls == [(True, True)]


async def test_the_frame_on_screen_takes_the_workstation_made_once_the_market_is_built(
    rig: Rig,
) -> None:
    """The workstation's parts are made at once from the ready session and go into the frame
    already on screen: only the panes' contents mount (a second frame composed for them, and
    the switch to it, were about a sixth of the time to the first book)."""
    seen: dict[str, object] = {}
    app = _opening_app(rig, seen)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.opened)
        frame, framed = seen["screen"], seen["boxes"]  # as the market was being built
        assert isinstance(frame, WorkstationScreen) and isinstance(framed, dict)
        assert len(framed) == len(app.chrome.boxes) and seen["workstation"] is None
        screen = app.screen
        assert screen is frame and app.screen_stack == [screen]  # dialogs stack over it
        assert screen.workstation is app.workstation is not None
        assert screen.query_one(StatusBar) is seen["status"]
        # its boxes are the frame's, now holding the panes the workstation was made with
        for pane, content in app.workstation.contents.items():
            assert app.boxes[pane] is framed[pane], pane
            assert content.parent is framed[pane] and content.screen is screen, pane
        await pilot.press("b")
        await until(pilot, lambda: len(app.screen_stack) == 2)
        assert app.screen_stack[0] is screen


async def test_a_ready_session_is_whole_before_its_first_frame(rig: Rig) -> None:
    app = rig.app
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, WorkstationScreen)
        assert screen.workstation is app.workstation is not None
        assert app.ladder.screen is screen and app.ladder.parent is app.book_pane
        assert app.opened and app.screen_stack == [screen]
        await pilot.pause()


async def test_quit_works_before_the_market_is_open(rig: Rig) -> None:
    opened: list[bool] = []

    def open_session() -> Session:
        opened.append(True)
        return Session(rig.engine, rig.app.logbook)

    app = TradetermApp(open_session, start_feed=False)
    assert app.check_action("quit", ()) is True
    assert app.check_action("ticket", ("buy",)) is None  # waits, shown dimmed
    assert app.check_action("focus_pane", ("book",)) is None
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize(
    ("error", "code"),
    [(ConfigError("config key x: bad"), 2), (DataError("the ledger is not a ledger"), 1)],
)
async def test_a_market_that_cannot_be_built_ends_the_app_with_its_reason(
    error: TradetermError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    def open_session() -> Session:
        raise error

    app = TradetermApp(open_session, start_feed=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.pause()
    assert app.return_code == code
    assert not app.opened
    err = capsys.readouterr().err
    assert f"tradeterm: {error}" in err and "Traceback" not in err


def _looks(app: TradetermApp) -> dict[str, tuple[str, ...]]:
    """Every widget with an id on the screen, and how its CSS styled it."""
    looks = {}
    for widget in app.screen.query("*"):
        if widget.id:
            styles = widget.styles
            looks[widget.id] = (
                str(styles.background),
                str(styles.color),
                str(styles.border),
                str(styles.display),
                str(styles.height),
                str(styles.padding),
            )
    return looks


async def test_the_workstation_opened_later_is_styled_as_one_opened_ready(
    rig_factory: Callable[..., Rig],
) -> None:
    """The screen made after the first frame skips Textual's restyling of the whole app and
    of every node on its first resumes (together a third of the time to the first book): its
    widgets must still get every rule, as a full restyle gives them."""
    ready = rig_factory()
    async with ready.app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: ready.app.opened)
        await pilot.pause()
        ready.app.screen.update_node_styles(animate=False)  # the reference: every node restyled
        await pilot.pause()
        expected = _looks(ready.app)
    seen: dict[str, object] = {}
    app = _opening_app(rig_factory(), seen)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.opened)
        await pilot.pause()
        got = _looks(app)
    assert len(expected) > 20
    assert got == expected


@pytest.mark.parametrize("theme", ["tradeterm-light", "tradeterm-dark"])
async def test_the_configured_theme_is_parsed_once_and_drawn_in_the_first_frame(
    rig: Rig, theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The theme set as the app is made used to have Textual parse every stylesheet into a
    new one at start, and the first screen parsed them all again (each about 4 % of the work
    to the first frame): the app's stylesheet is parsed once, with the theme's colours."""
    from textual.css import stylesheet

    app_css = (Path(tradeterm_ui_app.__file__).with_name("app.tcss")).read_text("utf-8")
    parsed: list[str] = []
    real_parse = stylesheet.parse

    def counting_parse(scope: str, css: str, *args: object, **kwargs: object) -> object:
        if css == app_css:
            parsed.append(css)
        return real_parse(scope, css, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stylesheet, "parse", counting_parse)
    seen: dict[str, object] = {}
    app = _opening_app(rig, seen)
    app.apply_theme(theme, save=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.opened)
        background = app.screen.styles.background
    assert len(parsed) == 1
    expected = app.get_theme(theme)
    assert expected is not None and expected.background is not None
    assert background.hex.lower() == expected.background.lower()
    # the frame drawn before the market was in the theme's colours too
    assert expected.background.lower() in str(seen["frame"]).lower()
