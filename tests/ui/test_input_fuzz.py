"""Fuzzing every number parser a user reaches in the workstation, through the real parsers
and the engine's checks they feed: the command line (orders, amend, alerts), the ticket's
fields with their live preview, ``parse_number`` and the replay's jump-to-time. Any text
yields a command or a CommandError / problem lines that name the field (a JumpError for a
time), never another exception."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ui.conftest import build_rig
from tradeterm.analysis.alerts import AlertBook
from tradeterm.domain.commands import AmendOrder, PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.engine.engine import Engine
from tradeterm.ui.cmdalert import AddAlert
from tradeterm.ui.cmdwords import CommandError, parse_number
from tradeterm.ui.commandline import PlaceOco, parse_command
from tradeterm.ui.screens.jump import JumpError, parse_jump
from tradeterm.ui.screens.ticket_form import (
    TYPES,
    TicketFields,
    build_order,
    preview_lines,
    problem_lines,
)

FUZZ = settings(max_examples=200, deadline=None)


@cache
def engine() -> Engine:
    """One engine on a seeded sim for the whole module, built on first use (not on import)."""
    return build_rig(steps=50, history_minutes=30).engine


def symbols() -> list[str]:
    return list(engine().state.markets_on(engine().feed.venue))


def btc() -> Market:
    return engine().state.markets_on(engine().feed.venue)["BTC/USDT"]


ONE_WORD = re.compile(r"[^\s@]+")

#: What a user may type where a number goes: plain and grouped numbers of any length,
#: k/m, $, signs, exponents, unicode digits, long strings and anything else.
number_text = st.one_of(
    st.from_regex(r"\$?-?[0-9]{1,600}(\.[0-9]{0,600})?[kKmM]?", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(,[0-9]{3}){1,40}(\.[0-9]*)?", fullmatch=True),
    st.from_regex(r"[0-9]\.?[0-9]*[eE][+-]?[0-9]{1,12}", fullmatch=True),
    st.sampled_from(["NaN", "nan", "inf", "Infinity", "-0", "0", "1e-999999", "-1e999999"]),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=30),
    st.builds(lambda n: "9" * n, st.integers(300, 5000)),
    st.builds(lambda n: "0." + "0" * n + "1", st.integers(30, 3000)),
    st.text(min_size=1, max_size=60),
)
word = number_text.filter(lambda t: ONE_WORD.fullmatch(t) is not None)


def _check_command(text: str, field: str) -> None:
    """Parse ``text``; a refusal must name ``field``; an order goes through the checks."""
    try:
        command = parse_command(text, symbols(), "BTC/USDT")
    except CommandError as exc:
        assert field in exc.message, (text[:80], exc.message)
        assert len(exc.message) < 300, exc.message
        assert 0 <= exc.position <= len(text)
        return
    if isinstance(command, PlaceOrder):
        for problem in engine().preview(command).problems:
            assert isinstance(problem, str) and len(problem) < 300
    if isinstance(command, PlaceOco):
        engine().preview(PlaceOrder(command.symbol, command.side, OrderType.LIMIT,
                                  qty=command.qty, price=command.take_profit))  # fmt: skip
    if isinstance(command, AmendOrder):
        for value, check in ((command.price, btc().price_error), (command.qty, btc().qty_error)):
            problem = None if value is None else check(value)  # what the amend dialog shows
            assert problem is None or field.rsplit(maxsplit=1)[-1] in problem, problem
    if isinstance(command, AddAlert):
        book = AlertBook(None, None, lambda _: None, lambda: 0)
        book.add(command.symbol, command.condition)
        trade = Trade(command.symbol, Decimal("67000.5"), Decimal("0.1"), Side.BUY, 0, "t")
        book.on_trade(TradePrinted(trade))


@FUZZ
@given(text=st.text(max_size=30))
def test_parse_number_answers_any_text(text: str) -> None:
    value = parse_number(text)
    assert value is None or (value.is_finite() and value >= 0)


@FUZZ
@given(number=word, side=st.sampled_from(["buy", "sell"]))
def test_order_quantities_of_any_kind(number: str, side: str) -> None:
    field = "quote value" if number.startswith("$") else "quantity"
    _check_command(f"{side} {number} BTC/USDT @ 60000", field)


@FUZZ
@given(
    number=word,
    where=st.sampled_from([("@", "limit price"), ("stop", "stop price"), ("trail", "trail"),
                           ("tp", "tp price"), ("sl", "sl price")]),
)  # fmt: skip
def test_order_prices_of_any_kind(number: str, where: tuple[str, str]) -> None:
    word_, field = where
    extra = {"tp": " sl 50000", "sl": " tp 70000"}.get(word_, "")
    _check_command(f"buy 0.01 BTC/USDT {word_} {number}{extra}", field)


@FUZZ
@given(number=word, which=st.sampled_from([("@", "limit price"), ("qty", "quantity")]))
def test_amend_and_oco_numbers(number: str, which: tuple[str, str]) -> None:
    _check_command(f"amend t1 {which[0]} {number}", which[1])
    _check_command(f"oco sell {number} tp 70000 sl 60000", "quantity")


@FUZZ
@given(number=word, op=st.sampled_from([">", ">=", "<", "<="]))
def test_alert_price_levels(number: str, op: str) -> None:
    _check_command(f"alert BTC/USDT {op} {number}", "price")


@FUZZ
@given(text=st.text(max_size=200))
def test_any_command_line(text: str) -> None:
    try:
        parse_command(text, symbols(), "BTC/USDT", ["paper"])
    except CommandError as exc:
        assert 0 <= exc.position <= len(text)
        assert str(exc)


LABELS = {"qty": "quantity", "price": "limit price", "stop": "trigger price",
          "trail": "trail distance", "tp": "take-profit", "sl": "stop-loss"}  # fmt: skip
FIELD_NAMES = {"qty": ("quantity", "order value"), "price": ("price",), "stop": ("stop price",),
               "trail": ("trail",), "tp": ("take-profit",), "sl": ("stop-loss",)}  # fmt: skip


@FUZZ
@given(
    kind=st.sampled_from([value for value, _ in TYPES]),
    side=st.sampled_from(["buy", "sell"]),
    texts=st.fixed_dictionaries(dict.fromkeys(LABELS, st.one_of(st.just(""), number_text))),
)
def test_ticket_fields_of_any_kind_preview_in_words(
    kind: str, side: str, texts: dict[str, str]
) -> None:
    fields = TicketFields("BTC/USDT", side, kind, **texts)
    cmd, problems = build_order(fields, btc())
    if cmd is None:
        for problem in problems:
            assert any(label in problem for label in LABELS.values()), problem
            assert len(problem) < 200, problem
        problem_lines(problems)
        return
    plan = engine().preview(cmd)
    lines = preview_lines(plan, cmd, btc()) + problem_lines(plan.problems)
    assert all(len(line.plain) < 300 for line in lines), [line.plain[:80] for line in lines]
    for name, text in texts.items():
        value = parse_number(text.lstrip("$").strip()) if text.strip() else None
        if value is not None and value > Decimal("1e15") and getattr(cmd, _ATTR[name]) is not None:
            assert any(problem.startswith(FIELD_NAMES[name]) for problem in plan.problems), (
                name,
                plan.problems,
            )


_ATTR = {"qty": "qty", "price": "price", "stop": "stop_price", "trail": "trail",
         "tp": "take_profit", "sl": "stop_loss"}  # fmt: skip


def test_a_dollar_quantity_is_the_order_value() -> None:
    cmd, _ = build_order(TicketFields("BTC/USDT", "buy", "limit", qty="$" + "9" * 30), btc())
    assert cmd is not None and cmd.quote_qty is not None and cmd.qty is None
    plan = engine().preview(cmd)
    assert plan.problems[0].startswith("order value too large: at most 1,000,000,000,000,000")


NOW = 1_767_270_896_000_000_000
jump_text = st.one_of(
    st.from_regex(r"[+-] ?([0-9]{1,40}(\.[0-9]{1,40})? ?[hmsHMS]){1,5}", fullmatch=True),
    st.builds(lambda sign, n: f"{sign}{'9' * n}s", st.sampled_from("+-"), st.integers(20, 5000)),
    st.from_regex(r"[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?", fullmatch=True),
    st.text(max_size=60),
)


@FUZZ
@given(text=jump_text, session=st.booleans())
def test_replay_jump_times_of_any_size(text: str, session: bool) -> None:
    start, end = (NOW - 10**12, NOW + 10**12) if session else (None, None)
    try:
        target = parse_jump(text, NOW, start, end)
    except JumpError as exc:
        assert str(exc) and len(str(exc)) < 400
        return
    assert start is None or end is None or start <= target <= end


def test_a_jump_of_twenty_digits_of_hours_is_too_far() -> None:
    for text in ("+99999999999999999999h", "-" + "9" * 5000 + "s"):
        try:
            parse_jump(text, NOW, NOW - 10**12, NOW + 10**12)
        except JumpError as exc:
            assert "is too far: a jump goes at most 100 years either way" in str(exc)
        else:
            raise AssertionError(text)
