"""Every theme draws: Textual's own ANSI themes name terminal colours Rich cannot read
(``ansi_default``, ``ansi_green 50%``), and a user's theme file may name any colour Textual
reads; the palette takes them all, and a colour neither reads falls back, never a traceback."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from rich.color import Color, ColorType
from textual.theme import Theme

from conftest import build_rig, ladder_text
from tradeterm.ui.chart_render import ChartColors
from tradeterm.ui.palette import Palette, rich_color
from tradeterm.ui.themes import builtin_theme_dir, load_themes

BUILTIN = builtin_theme_dir()


async def test_the_workstation_draws_under_every_theme_textual_ships() -> None:
    rig = build_rig()
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        names = sorted(rig.app.available_themes)
        assert {"ansi-dark", "ansi-light"} <= set(names)
        for name in names:
            rig.app.theme = name
            rig.feed.step(rig.engine, 20)
            rig.app.refresher.tick()
            await pilot.pause()
            assert any("spread" in line for line in ladder_text(rig.app)), name
            if name == "ansi-dark":  # its colours are the terminal's own, as it says
                palette = Palette.from_app(rig.app)
                assert palette.text.color == Color.default()
                assert palette.error.color is not None
                assert palette.error.color.type is ColorType.STANDARD
        assert rig.app.screen.is_active
    assert rig.app.return_code in (None, 0)


async def test_a_theme_naming_terminal_colours_with_alpha_is_drawn_in_them() -> None:
    rig = build_rig()
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        variables = {"bid": "ansi_cyan", "ask": "ansi_bright_red 40%", "flash": "transparent"}
        rig.app.register_theme(Theme("odd", primary="#0178d4", variables=variables))
        rig.app.theme = "odd"
        rig.feed.step(rig.engine, 20)
        rig.app.refresher.tick()
        await pilot.pause()
        assert any("spread" in line for line in ladder_text(rig.app))
        palette = Palette.from_app(rig.app)
        assert palette.bid.color == Color.from_ansi(6)
        assert palette.ask.color == Color.from_ansi(9)  # the alpha is dropped
        assert palette.flash.bgcolor is None  # transparent: no colour
    assert rig.app.return_code in (None, 0)


def test_the_chart_takes_any_theme_colour_as_rgb() -> None:
    variables = {
        "foreground": "ansi_default",
        "pnl-up": "ansi_green 50%",
        "pnl-down": "#ff0000",
        "bid": "transparent",
        "ask": "nonsense",
        "muted": "hsl(0,0%,50%)",
    }
    colors = ChartColors.from_variables(variables)
    text = (216, 222, 233)  # the terminal's own default colour has no RGB: the fallback
    assert colors.up == (0, 128, 0) and colors.down == (255, 0, 0)
    assert colors.buy == colors.sell == colors.accent == colors.second == text
    assert colors.muted == (128, 128, 128)


def test_rich_colours_stay_as_rich_reads_them() -> None:
    fallback = Color.parse("#123456")
    assert rich_color("red", fallback) == Color.parse("red")  # (Rich's terminal red)
    assert rich_color("#88c0d0", fallback) == Color.parse("#88c0d0")
    assert rich_color("hsl(120,50%,50%)", fallback) == Color.parse("#40bf40")
    for bad in ("", "  ", "#zzz", "ansi_nothing"):
        assert rich_color(bad, fallback) == fallback


def test_a_theme_file_with_a_colour_textual_cannot_read_is_refused_by_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Textual would refuse the whole stylesheet (the app would not start): the file is
    skipped with a warning that names the key, and the other themes load."""
    good = (BUILTIN / "tradeterm-dark.toml").read_text(encoding="utf-8")
    for name, key, value in [
        ("bad-bid", "bid", "nonsense"),
        ("bad-primary", "primary", "blu"),
        ("bad-alpha", "ask", "#ff0000 lots"),
        ("fine", "flash", "ansi_yellow 50%"),  # (as Textual's own ANSI themes write)
    ]:
        text = good.replace('name = "tradeterm-dark"', f'name = "{name}"')
        text = re.sub(rf'(?m)^{key} = ".*"$', f'{key} = "{value}"', text)
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, "tradeterm.ui"):
        names = [theme.name for theme in load_themes(tmp_path)]
    assert "fine" in names and not {"bad-bid", "bad-primary", "bad-alpha"} & set(names)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "bid = 'nonsense' is not a colour" in said
    assert "primary = 'blu' is not a colour" in said
    assert "ask = '#ff0000 lots' is not a colour" in said
