"""Fuzzing the engine's pre-trade checks: any numbers in any order field get problems in
words from ``Engine.preview`` (which ``Engine.place`` runs first), never an exception."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from engine_rig import make_rig
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.engine.engine import Engine

D = Decimal
FUZZ = settings(max_examples=250, deadline=None)
LIMIT = D("1e15")

number = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in digits), exponent)),
    st.integers(0, 1),
    st.text("0123456789", min_size=1, max_size=500),
    st.one_of(st.integers(-12, 6), st.integers(-(10**9), 10**9)),
)
plain = st.sampled_from(["0.01", "0.5", "3", "60000.0", "67000", "$500"]).map(
    lambda t: D(t.lstrip("$"))
)
special = st.sampled_from([D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D("-0"), D(0)])
field = st.one_of(st.none(), plain, number, special, st.decimals(allow_nan=True))
NAMES = {
    "qty": "quantity",
    "quote_qty": "order value",
    "price": "price",
    "stop_price": "stop price",
    "trail": "trail",
    "take_profit": "take-profit",
    "stop_loss": "stop-loss",
}


@cache
def engine() -> Engine:
    """One engine for the module, built on first use (not on import)."""
    rig = make_rig()
    rig.engine.load_markets([flow.market for flow in rig.feed.flows.values()])
    rig.feed.bootstrap(rig.engine)
    rig.feed.step(rig.engine, 50)
    return rig.engine


def _wild(value: Decimal | None) -> bool:
    return value is not None and (not value.is_finite() or not -LIMIT <= value <= LIMIT)


@FUZZ
@given(
    symbol=st.sampled_from(["BTC/USDT", "ETH/USDT", "SOL/USDT"]),
    side=st.sampled_from(Side),
    kind=st.sampled_from(OrderType),
    tif=st.sampled_from(TimeInForce),
    flags=st.tuples(st.booleans(), st.booleans()),
    values=st.fixed_dictionaries(dict.fromkeys(NAMES, field)),
)
def test_preview_answers_any_numbers_in_words(
    symbol: str,
    side: Side,
    kind: OrderType,
    tif: TimeInForce,
    flags: tuple[bool, bool],
    values: dict[str, Decimal | None],
) -> None:
    cmd = PlaceOrder(symbol, side, kind, tif=tif, post_only=flags[0], reduce_only=flags[1],
                     **values)  # type: ignore[arg-type]  # fmt: skip
    plan = engine().preview(cmd)
    assert all(isinstance(problem, str) and problem for problem in plan.problems)
    assert all(len(problem) < 300 for problem in plan.problems), plan.problems
    for key, name in NAMES.items():
        if _wild(values[key]):
            assert any(problem.startswith(name) for problem in plan.problems), (
                key,
                plan.problems,
            )
    if not plan.problems:
        assert plan.qty.is_finite() and 0 < plan.qty <= LIMIT
