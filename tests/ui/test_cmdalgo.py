"""The command line's twap/vwap words: a market order sized in base or quote, with a
duration; every mistake points at the word and says what is allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.algos import PlaceAlgo
from tradeterm.ui.cmdalgo import duration_text, parse_duration
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import parse_command

D = Decimal
SYMBOLS = ["BTC/USDT", "ETH/USDT"]


def parse(text: str) -> object:
    return parse_command(text, SYMBOLS, "BTC/USDT")


def test_the_two_forms_of_the_issue() -> None:
    assert parse("buy 2 ETH/USDT twap 10m") == PlaceAlgo(
        PlaceOrder("ETH/USDT", Side.BUY, OrderType.MARKET, qty=D(2)), "twap", 600.0
    )
    assert parse("sell $5000 BTC/USDT vwap 30m") == PlaceAlgo(
        PlaceOrder("BTC/USDT", Side.SELL, OrderType.MARKET, quote_qty=D(5000)), "vwap", 1800.0
    )
    assert parse("BUY 1 VWAP 1H30M") == PlaceAlgo(  # any case; the active symbol
        PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D(1)), "vwap", 5400.0
    )


@pytest.mark.parametrize(
    ("text", "at", "words"),
    [
        ("buy 2 twap", 10, "missing duration after twap"),
        ("buy 2 twap 10x", 11, "'10x' is not a duration"),
        ("buy 2 twap 5s", 11, "allowed 10s to 24h"),
        ("buy 2 vwap 25h", 11, "allowed 10s to 24h"),
        ("buy 2 @ 3000 twap 10m", 13, "leave out @"),
        ("buy 2 twap 10m ioc", 6, "takes no ioc"),
        ("sell 50% vwap 10m", 9, "not a share of what is held"),
        ("buy 2 twap 10m vwap 5m", 15, "given twice"),
    ],
)
def test_mistakes_point_at_the_word(text: str, at: int, words: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert words in caught.value.message
    assert caught.value.position == at


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10m", 600), ("90s", 90), ("1h30m", 5400), ("1.5h", 5400), ("2H", 7200)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "m", "10m5", "ten", "-5m", "5m 3s"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_duration_text() -> None:
    assert [duration_text(s) for s in (600, 90, 5400, 9.6, 0)] == ["10m", "1m30s", "1h30m",
                                                                   "10s", "0s"]  # fmt: skip
