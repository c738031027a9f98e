"""The command line's alert words: every form, and errors that point at the word and show the
alert forms."""

from __future__ import annotations

import pytest

from tradeterm.analysis.alerts import AlertBook
from tradeterm.ui.cmdalert import ALERT_FORM, AddAlert, RemoveAlert, ShowAlerts
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import ANY_FORM, parse_command
from tradeterm.ui.commands import describe

SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC"]


def parse(text: str, active: str = "BTC/USDT"):  # type: ignore[no-untyped-def]
    return parse_command(text, SYMBOLS, active)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("alert BTC/USDT > 70000", AddAlert("BTC/USDT", "> 70000")),
        ("alert btcusdt >= 70,000.5", AddAlert("BTC/USDT", ">= 70000.5")),
        ("alert sol <1.5k", AddAlert("SOL/USDT", "< 1500")),
        ("alert <= 0.00012", AddAlert("BTC/USDT", "<= 0.00012")),
        ("alert ETH/USDT rsi < 25", AddAlert("ETH/USDT", "rsi < 25")),
        ("alert rsi<25", AddAlert("BTC/USDT", "rsi<25")),
        (
            'ALERT repeat ETH/BTC chg_1h > 3 and trend == "up"',
            AddAlert("ETH/BTC", 'chg_1h > 3 and trend == "up"', repeat=True),
        ),
        ("alert (rsi < 30 or vol_z > 2)", AddAlert("BTC/USDT", "(rsi < 30 or vol_z > 2)")),
        ("alert last > 5", AddAlert("BTC/USDT", "last > 5")),
        ("alert remove a3", RemoveAlert("a3")),
        ("unalert A2", RemoveAlert("A2")),
        ("alerts", ShowAlerts()),
    ],
)
def test_alert_forms(text: str, command: object) -> None:
    assert parse(text) == command


def test_price_conditions_are_what_the_alert_book_reads_as_prices() -> None:
    book = AlertBook(None, None, lambda _e: None, lambda: 0)
    for text in ("alert > 70000", "alert >= 1.5k", "alert < 0.00012", "alert <= 1,234.5"):
        command = parse(text)
        assert isinstance(command, AddAlert)
        assert book.add(command.symbol, command.condition).is_price, text
    assert not book.add("BTC/USDT", parse("alert rsi < 3").condition).is_price


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("alert", 5, "missing condition"),
        ("alert BTC/USDT", 14, "missing condition for BTC/USDT"),
        ("alert repeat", 12, "missing condition"),
        ("alert ethusd rsi < 3", 6, "did you mean 'ETH/USDT'"),
        ("alert eth rsi < 3", 6, "ambiguous: ETH/USDT or ETH/BTC"),
        ("alert BTC/USDT > abc", 17, "not a number above zero"),
        ("alert BTC/USDT > -5", 17, "not a number above zero"),
        ("alert BTC/USDT > CHG_24H", 17, "a filter names its column first (chg_24h > 5)"),
        ("alert BTC/USDT >", 16, "missing price after >"),
        ("alert BTC/USDT rsi <", 20, "expected a number after '<'"),
        ("alert BTC/USDT rsx < 3", 15, "did you mean rsi?"),
        ("alert trend == up", 15, 'write "up"'),
        ("alert BTC/USDT __import__('os')", 15, "condition:"),
        ("alert remove", 12, "missing alert id"),
        ("unalert a1 a2", 11, "unexpected 'a2'"),
        ("alerts now", 7, "unexpected 'now'"),
    ],
)
def test_alert_errors_point_at_the_word(text: str, position: int, words: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    err = caught.value
    assert err.position == position, err
    assert words in err.message, err
    assert err.expected


def test_alert_errors_show_the_alert_forms_and_commands_list_them() -> None:
    with pytest.raises(CommandError) as caught:
        parse("alert BTC/USDT rsi <")
    assert caught.value.expected == ALERT_FORM
    assert "alert, alerts, unalert" in ANY_FORM
    with pytest.raises(CommandError) as caught:
        parse("alret BTC/USDT > 5")
    assert "did you mean 'alert'" in caught.value.message


def test_no_symbol_and_none_active() -> None:
    with pytest.raises(CommandError, match="no symbol given and none is active"):
        parse("alert rsi < 30", active="")


def test_palette_words() -> None:
    assert (
        describe(AddAlert("ETH/USDT", "rsi < 25", repeat=True)) == "alert repeat ETH/USDT rsi < 25"
    )
    assert describe(RemoveAlert("a1")) == "unalert a1"
    assert describe(ShowAlerts()) == "alerts"
