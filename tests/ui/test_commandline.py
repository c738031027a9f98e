"""The command-line grammar: every form, numbers, symbols in any spelling, and errors that
point at the word and show the form expected."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    PlaceOrder,
    SelectSymbol,
    SwitchAccount,
)
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.ui.cmdwords import CommandError, parse_number, resolve_symbol
from tradeterm.ui.commandline import (
    ORDER_FORM,
    PlaceOco,
    ResetAccount,
    ShowHelp,
    parse_command,
)

D = Decimal
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC", "DOGE/USDT"]
ACCOUNTS = ["paper", "live-main"]


def parse(text: str, active: str = "BTC/USDT"):  # type: ignore[no-untyped-def]
    return parse_command(text, SYMBOLS, active, ACCOUNTS)


def error(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return caught.value


# --- orders -----------------------------------------------------------------------


def test_limit_order_with_symbol() -> None:
    assert parse("buy 0.5 ETH/USDT @ 3100") == PlaceOrder(
        "ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.5"), price=D("3100")
    )


def test_market_order_sized_in_quote() -> None:
    assert parse("sell $250 BTC/USDT") == PlaceOrder(
        "BTC/USDT", Side.SELL, OrderType.MARKET, quote_qty=D("250")
    )


def test_stop_limit_and_stop_market() -> None:
    assert parse("buy 1 SOL/USDT @ 150 stop 148") == PlaceOrder(
        "SOL/USDT", Side.BUY, OrderType.STOP_LIMIT, qty=D(1), price=D(150), stop_price=D(148)
    )
    assert parse("sell 1 sol/usdt stop 140") == PlaceOrder(
        "SOL/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D(1), stop_price=D(140)
    )


def test_trailing_stop_and_bracket() -> None:
    assert parse("sell 0.1 trail 50") == PlaceOrder(
        "BTC/USDT", Side.SELL, OrderType.TRAILING_STOP, qty=D("0.1"), trail=D(50)
    )
    bracket = parse("buy 0.1 @ 60000 tp 65000 sl 58000")
    assert bracket == PlaceOrder(
        "BTC/USDT",
        Side.BUY,
        OrderType.LIMIT,
        qty=D("0.1"),
        price=D(60000),
        take_profit=D(65000),
        stop_loss=D(58000),
    )


def test_flags_and_time_in_force_in_any_order_and_case() -> None:
    order = parse("BUY 2 @ 100 REDUCE ioc Post")
    assert isinstance(order, PlaceOrder)
    assert (order.tif, order.post_only, order.reduce_only) == (TimeInForce.IOC, True, True)
    assert parse("sell 1 fok @ 100 ethusdt") == PlaceOrder(
        "ETH/USDT", Side.SELL, OrderType.LIMIT, qty=D(1), price=D(100), tif=TimeInForce.FOK
    )


def test_symbol_defaults_to_the_active_one() -> None:
    order = parse("buy 1 @ 0.12", active="DOGE/USDT")
    assert isinstance(order, PlaceOrder) and order.symbol == "DOGE/USDT"


@pytest.mark.parametrize(
    ("written", "symbol"),
    [
        ("ETH/USDT", "ETH/USDT"),
        ("eth/usdt", "ETH/USDT"),
        ("ethusdt", "ETH/USDT"),
        ("ETH-USDT", "ETH/USDT"),
        ("eth_usdt", "ETH/USDT"),
        ("ethbtc", "ETH/BTC"),
        ("doge", "DOGE/USDT"),
        ("SOL", "SOL/USDT"),
    ],
)
def test_symbols_in_any_spelling(written: str, symbol: str) -> None:
    order = parse(f"buy 1 {written} @ 5")
    assert isinstance(order, PlaceOrder) and order.symbol == symbol
    assert resolve_symbol(written, SYMBOLS) == symbol


def test_a_base_that_two_markets_trade_is_ambiguous() -> None:
    err = error("buy 1 eth @ 5")
    assert "ambiguous" in err.message and "ETH/USDT" in err.message and "ETH/BTC" in err.message
    assert err.position == 6


def test_at_sign_may_touch_its_neighbours() -> None:
    assert parse("buy 0.5 ethusdt@3100") == parse("buy 0.5 ETH/USDT @ 3100")
    assert parse("buy 0.5 @3100") == parse("buy 0.5 @ 3100")


# --- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.5", D("0.5")),
        (".5", D("0.5")),
        ("1500", D(1500)),
        ("1,500", D(1500)),
        ("1,500.25", D("1500.25")),
        ("1.5k", D(1500)),
        ("2M", D(2_000_000)),
        ("0.00001051", D("0.00001051")),
    ],
)
def test_numbers(text: str, value: Decimal) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "0.5.1", "1e3", "1,50", "--1", "1.5kk", "$5", "", "k"])
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_quote_value_with_suffix() -> None:
    order = parse("buy $1.5k ethusdt")
    assert isinstance(order, PlaceOrder) and order.quote_qty == D(1500) and order.qty is None


@given(st.decimals(min_value=D("0.00000001"), max_value=D(10**9), places=8))
def test_any_plain_decimal_reads_back_exactly(value: Decimal) -> None:
    assert parse_number(f"{value:f}") == value


# --- other commands ----------------------------------------------------------------------


def test_oco() -> None:
    assert parse("oco sell 1 SOL/USDT tp 160 sl 140") == PlaceOco(
        "SOL/USDT", Side.SELL, D(1), D(160), D(140)
    )
    assert parse("OCO buy 0.1 sl 70000 tp 60000") == PlaceOco(
        "BTC/USDT", Side.BUY, D("0.1"), D(60000), D(70000)
    )


def test_cancel_forms() -> None:
    assert parse("cancel all") == CancelAll("*")
    assert parse("cancel ETH*") == CancelAll("ETH*")
    assert parse("cancel eth*") == CancelAll("ETH*")
    assert parse("cancel solusdt") == CancelAll("SOL/USDT")
    assert parse("cancel eth") == CancelAll("ETH")  # a base that two markets trade
    assert parse("cancel tt1a2b3") == CancelOrder("tt1a2b3")


def test_amend_forms() -> None:
    assert parse("amend tt7 @ 3101") == AmendOrder("tt7", D(3101), None)
    assert parse("amend tt7 qty 0.4") == AmendOrder("tt7", None, D("0.4"))
    assert parse("amend tt7 qty 0.4 @ 3101") == AmendOrder("tt7", D(3101), D("0.4"))


def test_account_symbol_reset_help() -> None:
    assert parse("account paper") == SwitchAccount("paper")
    assert parse("account LIVE-MAIN") == SwitchAccount("live-main")
    assert parse("symbol ethbtc") == SelectSymbol("ETH/BTC")
    assert parse("solusdt") == SelectSymbol("SOL/USDT")
    assert parse("reset") == ResetAccount()
    assert parse("help") == ShowHelp()


# --- errors -------------------------------------------------------------------------------


def test_unknown_command_suggests_the_nearest() -> None:
    err = error("biy 1 @ 5")
    assert err.position == 0
    assert "unknown command 'biy'" in err.message and "did you mean 'buy'" in err.message
    assert "buy, sell, oco, cancel" in err.expected


def test_unknown_word_in_an_order_points_at_it() -> None:
    err = error("buy 0.5 ETH/USDT @ 3100 gtx")
    assert err.position == len("buy 0.5 ETH/USDT @ 3100 ")
    assert "'gtx'" in err.message and "did you mean 'gtc'" in err.message
    assert err.expected == ORDER_FORM
    assert "column 25" in str(err)


def test_misspelt_symbol_suggests_the_symbol() -> None:
    err = error("buy 1 ethusd @ 5")
    assert err.position == 6 and "did you mean 'ETH/USDT'" in err.message


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("buy", 3, "missing quantity"),
        ("buy 0.5.1", 4, "not a number"),
        ("buy abc", 4, "not a number"),
        ("buy -1", 4, "above zero"),
        ("buy 0", 4, "above zero"),
        ("buy $x", 4, "not a number"),
        ("buy 1 @", 7, "missing limit price"),
        ("buy 1 @ 1x", 8, "not a number"),
        ("buy 1 @ 5 @ 6", 10, "given twice"),
        ("buy 1 ioc fok", 10, "time in force given twice"),
        ("buy 1 tp 100", 6, "needs both tp and sl"),
        ("buy 1 trail 5 @ 3", 14, "takes no @"),
        ("buy 1 stop 5 tp 6 sl 4", 13, "market or limit"),
        ("buy 1 ethusdt solusdt", 14, "one symbol per order"),
        ("oco sell $5 tp 1 sl 2", 9, "base quantity"),
        ("oco hold 1 tp 1 sl 2", 4, "buy or sell"),
        ("oco sell 1 tp 1", 15, "missing sl"),
        ("cancel", 6, "missing what to cancel"),
        ("cancel all now", 11, "unexpected 'now'"),
        ("amend tt1", 9, "nothing to change"),
        ("amend tt1 price 5", 10, "write @ PRICE"),
        ("amend tt1 qtty 5", 10, "did you mean 'qty'"),
        ("account nobody", 8, "accounts: paper, live-main"),
        ("symbol btcusd", 7, "did you mean 'BTC/USDT'"),
        ("reset now", 6, "unexpected"),
        ("", 0, "type a command"),
    ],
)
def test_errors_point_at_the_word(text: str, position: int, words: str) -> None:
    err = error(text)
    assert err.position == position, err
    assert words in err.message, err
    assert err.expected


def test_the_parser_never_evaluates_text() -> None:
    err = error("__import__('os').system('true')")
    assert "unknown command" in err.message
    assert error("buy 1 @ 2+3").message.startswith("limit price after @: '2+3' is not a number")
