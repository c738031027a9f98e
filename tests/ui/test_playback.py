"""Replay controls: the playback bar, the jump-to-time modal and the session report screen."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tradeterm.analysis.session_report import SessionReport, build_report
from tradeterm.domain.enums import Liquidity, Side
from tradeterm.domain.fills import Fill
from tradeterm.ui.screens.jump import JumpError, JumpScreen, parse_jump
from tradeterm.ui.screens.report import ReportScreen, ReportView, fmt_duration
from tradeterm.ui.themes import default_variables, load_themes
from tradeterm.ui.widgets.playback import PlaybackBar

D = Decimal
S = 1_000_000_000
T0 = 1_767_261_600 * S  # 2026-01-01 10:00:00 UTC
END = T0 + 420 * S  # 10:07:00


@dataclass(frozen=True)
class Progress:
    """The replay's Progress, as the bar sees it (the ui never imports venues)."""

    start_ns: int | None = T0
    end_ns: int | None = END
    now_ns: int | None = T0 + 63 * S + 250_000_000
    fraction: float = 0.25
    messages: int = 1234
    total_messages: int | None = 5678


class Host(App[None]):
    """tradeterm's themes and variables, and whatever widget or screen a test needs."""

    def __init__(self, bar_height: int = 1, early: Progress | None = None) -> None:
        super().__init__()
        self.bar_height = bar_height
        self.early = early
        self.results: list[object] = []
        for theme in load_themes(None):
            self.register_theme(theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **default_variables()}

    def compose(self) -> ComposeResult:
        bar = PlaybackBar(id="playback")
        bar.styles.height = self.bar_height
        if self.early is not None:  # before the bar is mounted or has a size
            bar.show(self.early, paused=True, speed=1.0, finished=False)
        yield bar

    def on_mount(self) -> None:
        self.theme = "tradeterm-dark"


def text(bar: PlaybackBar) -> list[str]:
    return [bar.render_line(y).text for y in range(bar.size.height)]


# --- the playback bar --------------------------------------------------------


async def test_bar_shows_state_speed_clock_progress_and_counts() -> None:
    app = Host()
    async with app.run_test(size=(100, 5)) as pilot:
        bar = app.query_one(PlaybackBar)
        bar.show(Progress(), paused=False, speed=4.0, finished=False)
        await pilot.pause()
        (row,) = text(bar)
        assert row.startswith(" ▶ playing 4x │ 2026-01-01 10:01:03.250 UTC ")
        assert row.rstrip().endswith("25.0% │ 1,234/5,678")
        assert len(row) == 100
        cells = row[row.index("UTC") + 4 : row.index("%") - 5].strip()
        filled = cells.count("█") + sum(cells.count(c) for c in "▏▎▍▌▋▊▉")
        assert cells.count("░") > 0 and filled / len(cells) == pytest.approx(0.25, abs=0.05)

        bar.show(Progress(), paused=True, speed=0.25, finished=False)
        await pilot.pause()
        assert text(bar)[0].startswith(" ⏸ paused 0.25x │ ")

        bar.show(Progress(fraction=0.5), paused=False, speed=None, finished=False)
        await pilot.pause()
        assert text(bar)[0].startswith(" ⏩ fastest │ ") and "50.0%" in text(bar)[0]

        bar.show(Progress(), paused=True, speed=None, finished=False)
        await pilot.pause()
        assert text(bar)[0].startswith(" ⏸ paused max │ ")

        done = Progress(now_ns=END, fraction=1.0, messages=5678)
        bar.show(done, paused=False, speed=4.0, finished=True)
        await pilot.pause()
        row = text(bar)[0]
        assert row.startswith(" ■ finished 4x │ 2026-01-01 10:07:00 UTC ")
        assert "░" not in row and "100.0%" in row and "5,678/5,678" in row


async def test_bar_shown_before_it_is_mounted_draws_once_it_has_a_size() -> None:
    app = Host(early=Progress())
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        assert text(app.query_one(PlaybackBar))[0].startswith(" ⏸ paused 1x │ 2026-01-01 ")


async def test_bar_before_the_session_is_scanned() -> None:
    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(PlaybackBar)
        unknown = Progress(end_ns=None, now_ns=None, fraction=0.0, messages=0, total_messages=None)
        bar.show(unknown, paused=True, speed=1.0, finished=False)
        await pilot.pause()
        row = text(bar)[0]
        assert "--:--:--" in row and "--.-%" in row and "0 msgs" in row


async def test_bar_drops_detail_to_fit_80_columns_and_narrower() -> None:
    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(PlaybackBar)
        bar.show(Progress(), paused=False, speed=100.0, finished=False)
        await pilot.pause()
        row = text(bar)[0]
        assert "1,234/5,678" in row and "2026-01-01 10:01:03.250" in row and "25.0%" in row
        await pilot.resize_terminal(50, 5)
        await pilot.pause()
        row = text(bar)[0]
        assert "1,234" not in row and "2026-01-01" not in row
        assert "10:01:03.250" in row and "25.0%" in row and len(row) == 50


async def test_two_line_bar_puts_the_progress_on_its_own_line() -> None:
    app = Host(bar_height=2)
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(PlaybackBar)
        bar.show(Progress(), paused=False, speed=2.0, finished=False)
        await pilot.pause()
        head, progress = text(bar)
        assert head.startswith(" ▶ playing 2x │ 2026-01-01 10:01:03.250 UTC │ 1,234/5,678")
        assert progress.startswith(" 10:00:00 █")  # the session's start, the bar, its end
        assert progress.rstrip().endswith("░ 10:07:00  25.0%") and len(progress) == 80


async def test_bar_repaints_only_when_something_visible_changed() -> None:
    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(PlaybackBar)
        bar.show(Progress(), paused=False, speed=1.0, finished=False)
        await pilot.pause()
        repaints: list[object] = []
        real_refresh = bar.refresh

        def counting_refresh(*regions: object, **kwargs: object) -> PlaybackBar:
            repaints.append(regions)
            return real_refresh(*regions, **kwargs)  # type: ignore[arg-type]

        bar.refresh = counting_refresh  # type: ignore[method-assign]
        for _ in range(5):  # the same frame, tick after tick
            bar.show(Progress(), paused=False, speed=1.0, finished=False)
        # a change below what the bar can show (under a microsecond of clock, 1e-6 of progress)
        bar.show(replace(Progress(), fraction=0.2500001), paused=False, speed=1.0, finished=False)
        assert repaints == []
        bar.show(replace(Progress(), messages=1235), paused=False, speed=1.0, finished=False)
        assert len(repaints) == 1
        await pilot.pause()
        assert "1,235/5,678" in text(bar)[0]


# --- jump to a time ---------------------------------------------------------------

NOW = T0 + 60 * S  # 10:01:00


@pytest.mark.parametrize(
    ("typed", "expected_s"),
    [
        ("10:05", 300),
        ("10:05:30", 330),
        ("10:05:30.25", 330.25),
        ("+30s", 90),
        ("+5m", 360),
        ("-1m", 0),
        ("+1m30s", 150),
        ("+0.5m", 90),
        ("2026-01-01T10:03:00", 180),
        ("2026-01-01 10:03:00Z", 180),
        ("2026-01-01T11:03:00+01:00", 180),
        ("  10:07  ", 420),
    ],
)
def test_parse_jump_accepts(typed: str, expected_s: float) -> None:
    assert parse_jump(typed, NOW, T0, END) == T0 + int(expected_s * S)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "type a time"),
        ("soon", "can't read 'soon'"),
        ("+5", "needs a unit"),
        ("25:00", "is not a time of day"),
        ("+10m", "2026-01-01 10:11:00 UTC is outside the session: the session runs from "
                 "10:00:00 to 10:07:00 UTC on 2026-01-01"),
        ("-2m", "09:59:00 UTC is outside the session"),
        ("09:00", "09:00:00 UTC is outside the session"),
        ("2025-12-31T10:03:00", "2025-12-31 10:03:00 UTC is outside the session"),
    ],
)  # fmt: skip
def test_parse_jump_rejects_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(JumpError) as err:
        parse_jump(typed, NOW, T0, END)
    assert message in str(err.value)
    if typed in ("", "soon"):
        assert "HH:MM" in str(err.value) and "+30s" in str(err.value)  # says what is allowed


def test_parse_jump_time_of_day_picks_the_session_day_across_midnight() -> None:
    start = T0 + 13 * 3600 * S + 50 * 60 * S  # 2026-01-01 23:50
    end = start + 20 * 60 * S  # 2026-01-02 00:10
    assert parse_jump("00:05", start + 60 * S, start, end) == T0 + 14 * 3600 * S + 5 * 60 * S
    assert parse_jump("23:55", end, start, end) == start + 5 * 60 * S


def test_parse_jump_without_a_span_or_a_clock() -> None:
    assert parse_jump("+1h", NOW) == NOW + 3600 * S  # span unknown: nothing to check against
    with pytest.raises(JumpError, match="has not started"):
        parse_jump("+30s", None, T0, END)
    assert parse_jump("10:02", None, T0, END) == T0 + 120 * S  # the session's start day
    with pytest.raises(JumpError, match="date is not known"):
        parse_jump("10:02", None)


async def test_jump_modal_rejects_then_returns_the_target() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JumpScreen(NOW, T0, END), app.results.append)
        await pilot.pause()
        await pilot.press(*"+10m", "enter")
        error = app.screen.query_one("#jump-error", Static)
        assert "outside the session" in str(error.render())
        assert isinstance(app.screen, JumpScreen)  # still open
        app.screen.query_one(Input).value = ""
        await pilot.press(*"+30s", "enter")
        await pilot.pause()
        assert app.results == [NOW + 30 * S]
        assert not isinstance(app.screen, JumpScreen)


async def test_jump_modal_escape_returns_none() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JumpScreen(NOW, T0, END), app.results.append)
        await pilot.pause()
        await pilot.press("1", "escape")
        await pilot.pause()
        assert app.results == [None]


# --- the session report ---------------------------------------------------------------


def fixed_report() -> SessionReport:
    """Two BTC trades (one won, one still open) and an ETH round trip that lost."""

    def f(n: int, symbol: str, side: Side, qty: str, price: str, fee: str, at_s: int) -> Fill:
        asset = symbol.partition("/")[0] if side is Side.BUY else "USDT"
        return Fill(f"f{n}", f"o{n}", "paper", symbol, side, D(price), D(qty), D(fee), asset,
                    Liquidity.TAKER, T0 + at_s * S)  # fmt: skip

    fills = [
        f(1, "BTC/USDT", Side.BUY, "0.5", "67250.5", "0.0005", 0),
        f(2, "BTC/USDT", Side.SELL, "0.5", "67480.0", "33.74", 95),
        f(3, "ETH/USDT", Side.SELL, "3", "3512.25", "10.53675", 130),
        f(4, "ETH/USDT", Side.BUY, "3", "3520.00", "0.003", 250),
        f(5, "BTC/USDT", Side.BUY, "0.2", "67300.0", "0.0002", 300),
    ]
    mids = {"o1": D("67249.8"), "o2": D("67481.1"), "o3": D("3512.5"), "o5": D("67299.0")}
    path = {"BTC/USDT": [(T0 + 30 * S, D("67150.0")), (T0 + 330 * S, D("67210.0"))]}
    return build_report(fills, mids, path, {"BTC/USDT": D("67220.0")}, start_ns=T0, end_ns=END)


def report_lines(app: App[None]) -> list[str]:
    return app.screen.query_one(ReportView).text_lines()


async def test_report_screen_shows_the_numbers_and_saves(tmp_path: Path) -> None:
    report = fixed_report()
    saves: list[Path] = []

    def save() -> Path:
        path = report.save_beside(tmp_path / "s1.ndjson.gz")
        saves.append(path)
        return path

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReportScreen(report, save), app.results.append)
        await pilot.pause()
        lines = report_lines(app)
        summary = "\n".join(lines[:8])
        # BTC: 0.5*(67480-67250.5) - 0.0005*67250.5 - 33.74 = 114.75 - 33.62525 - 33.74
        # ETH short: 3*(3512.25-3520) = -23.25, fees 10.53675 + 0.003*3520 = 21.09675
        # open BTC 0.2 @ 67300 at 67220: -16; fee 0.0002*67300 = 13.46
        assert report.net_pnl == D("47.38475") - D("44.34675") - D("29.46") == D("-26.422")
        assert "Net PnL      -26.422 USDT" in summary
        assert "Realized     +91.50" in summary and "Unrealized   -16.00" in summary
        assert "Fees         101.922" in summary
        assert "Fills         5 in 5 orders" in summary
        assert "Hit rate      50.0% (1 of 2 closed)" in summary
        assert "In position  5m 35s" in summary  # 95 s + 120 s + 120 s (open, to 10:07)
        assert "(1 without mid)" in summary
        trades = [line for line in lines if "BTC/USDT" in line or "ETH/USDT" in line]
        assert any("short" in t and "-44.34675" in t and "2m 00s" in t for t in trades)
        assert any("long" in t and "open" in t for t in trades)
        await pilot.press("s")
        await pilot.pause()
        assert saves == [tmp_path / "s1.report.json"] and saves[0].exists()
        status = app.screen.query_one("#report-status", Static)
        assert f"Saved to {saves[0]}" in str(status.render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and not isinstance(app.screen, ReportScreen)


async def test_report_screen_save_failure_and_no_recording() -> None:
    def broken() -> Path:
        raise PermissionError("read-only file system")

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReportScreen(fixed_report(), broken))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "Not saved: read-only file system" in str(
            app.screen.query_one("#report-status", Static).render()
        )
        app.pop_screen()
        app.push_screen(ReportScreen(build_report([], {}, {}, {})))
        await pilot.pause()
        assert any("No fills in this session." in line for line in report_lines(app))
        await pilot.press("s")
        await pilot.pause()
        assert "Nothing to save to" in str(app.screen.query_one("#report-status", Static).render())


async def test_report_scrolls_when_the_trades_do_not_fit() -> None:
    fills = [
        Fill(f"f{i}", f"o{i}", "paper", "BTC/USDT", Side.BUY if i % 2 == 0 else Side.SELL,
             D(100 + i % 4), D("1"), D("0"), "USDT", Liquidity.TAKER, T0 + i * S)
        for i in range(80)
    ]  # fmt: skip
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReportScreen(build_report(fills, {}, {}, {})))
        await pilot.pause()
        lines = report_lines(app)
        assert sum("BTC/USDT  long" in line or "BTC/USDT long" in line for line in lines) == 40
        body = app.screen.query_one("#report-body")
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y


def test_fmt_duration() -> None:
    assert [fmt_duration(n) for n in (250_000_000, 45 * S, 125 * S, 3900 * S, 183_600 * S)] == [
        "250ms", "45s", "2m 05s", "1h 05m", "2d 03h",
    ]  # fmt: skip


def test_report_snapshot_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    class ReportHost(Host):
        def on_mount(self) -> None:
            super().on_mount()
            self.push_screen(ReportScreen(fixed_report(), title="Session report — s1"))

    assert snap_compare(ReportHost(), terminal_size=(80, 24))
