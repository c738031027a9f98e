"""Property tests of the risk rules: no order passes a rule it breaks, and every veto names
its rule; on a real engine, a HALTED account lets only cancels through."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce, TradingState
from tradeterm.domain.errors import OrderRejected
from tradeterm.engine.risk_rules import RiskLimits, RiskSnapshot, vetoes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trading"))
from trading_rig import build_stack

D = Decimal
NOW = 1_767_225_600_000_000_000 + 3600 * 10**9
SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT")
qtys = st.decimals(min_value=D("0"), max_value=D("5"), places=2)
held = st.one_of(st.just(D(0)), st.decimals(min_value=D("-5"), max_value=D("5"), places=2))
equities = st.one_of(st.none(), st.decimals(min_value=D("1"), max_value=D("20000"), places=2))


@st.composite
def limits(draw: st.DrawFn) -> RiskLimits:
    def maybe(s: st.SearchStrategy[object]) -> object:
        return draw(st.one_of(st.none(), s))

    override = RiskLimits(
        max_positions=maybe(st.integers(0, 4)),  # type: ignore[arg-type]
        cooldown_s=maybe(st.floats(0, 120)),  # type: ignore[arg-type]
        max_orders_per_minute=maybe(st.integers(0, 6)),  # type: ignore[arg-type]
    )
    return RiskLimits(
        daily_loss=maybe(st.decimals(min_value=D("0"), max_value=D("5000"), places=2)),  # type: ignore[arg-type]
        max_drawdown_pct=maybe(st.decimals(min_value=D("0"), max_value=D("50"), places=1)),  # type: ignore[arg-type]
        max_positions=maybe(st.integers(0, 4)),  # type: ignore[arg-type]
        cooldown_s=maybe(st.floats(0, 120)),  # type: ignore[arg-type]
        max_orders_per_minute=maybe(st.integers(0, 6)),  # type: ignore[arg-type]
        strategies={"bot": override},
    )


@st.composite
def snapshots(draw: st.DrawFn) -> RiskSnapshot:
    ago = st.integers(0, 200 * 10**9)
    return RiskSnapshot(
        now_ns=NOW,
        positions=draw(st.dictionaries(st.sampled_from(SYMBOLS), held)),
        last_fill_ns={
            s: NOW - t for s, t in draw(st.dictionaries(st.sampled_from(SYMBOLS), ago)).items()
        },
        recent_orders_ns=[NOW - t for t in draw(st.lists(ago, max_size=8))],
        equity=draw(equities),
        day_start_equity=draw(equities),
        peak_equity=draw(equities),
    )


orders = st.builds(
    PlaceOrder,
    symbol=st.sampled_from(SYMBOLS),
    side=st.sampled_from(Side),
    type=st.just(OrderType.LIMIT),
    qty=qtys,
    price=st.just(D("100")),
    tag=st.sampled_from(["", "bot", "other"]),
)


def broken(cmd: PlaceOrder, lim: RiskLimits, snap: RiskSnapshot) -> set[str]:
    """Each rule ``cmd`` breaks, restated from the rules as written in docs/risk.md."""
    qty = cmd.qty or D(0)
    own = lim.strategies.get(cmd.tag) if cmd.tag else None

    def pick(name: str) -> object:
        value = getattr(own, name) if own is not None else None
        return value if value is not None else getattr(lim, name)

    out = set()
    eq, start, peak = snap.equity, snap.day_start_equity, snap.peak_equity
    limit_pct = lim.max_drawdown_pct
    if eq is not None and peak is not None and limit_pct is not None and peak > 0:
        out |= {"maximum drawdown"} if (peak - eq) * 100 >= limit_pct * peak else set()
    have = snap.positions.get(cmd.symbol, D(0))
    exit_only = qty > 0 and (
        (cmd.side is Side.SELL and 0 < qty <= have) or (cmd.side is Side.BUY and 0 < qty <= -have)
    )
    if exit_only:
        return out
    if lim.daily_loss is not None and None not in (eq, start) and start - eq >= lim.daily_loss:  # type: ignore[operator]
        out.add("daily loss limit")
    most = pick("max_positions")
    others = [s for s, q in snap.positions.items() if q != 0]
    if most is not None and have == 0 and len(others) >= most:  # type: ignore[operator]
        out.add("maximum concurrent positions")
    wait = pick("cooldown_s")
    last = snap.last_fill_ns.get(cmd.symbol)
    if wait is not None and last is not None and (NOW - last) < wait * 1e9:  # type: ignore[operator]
        out.add("cooldown")
    rate = pick("max_orders_per_minute")
    recent = [t for t in snap.recent_orders_ns if NOW - t < 60 * 10**9]
    if rate is not None and len(recent) >= rate:  # type: ignore[operator]
        out.add("maximum order rate")
    return out


@settings(max_examples=600)
@given(orders, limits(), snapshots())
def test_no_order_passes_a_rule_it_breaks(
    cmd: PlaceOrder, lim: RiskLimits, snap: RiskSnapshot
) -> None:
    found = vetoes(cmd, cmd.qty or D(0), lim, snap)
    rules = broken(cmd, lim, snap)
    named = {rule for rule in rules if any(v.startswith(rule) for v in found)}
    assert named == rules  # every broken rule is refused, by name
    assert len(found) == len(rules)  # and nothing else is


def test_halted_lets_only_cancels_through() -> None:
    loop = asyncio.new_event_loop()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _halted_property(loop, Path(tmp))
    finally:
        loop.close()


def _halted_property(loop: asyncio.AbstractEventLoop, tmp: Path) -> None:
    s = loop.run_until_complete(build_stack(tmp, balances={"USDT": D("10000"), "ETH": D("2")}))
    eth = "ETH/USDT"
    s.book(
        eth,
        [(f"{3000 - i}.00", "5") for i in range(5)],
        [(f"{3001 + i}.00", "5") for i in range(5)],
    )
    s.engine.risk.set_limits("paper", RiskLimits(max_drawdown_pct=D("3")))
    place = s.engine.place
    resting = [
        loop.run_until_complete(
            place(PlaceOrder(eth, Side.BUY, OrderType.LIMIT, qty=D("0.1"), price=D(p)))
        )
        for p in ("2000", "2100", "2200")
    ]
    s.book(eth, [("2700.00", "5")], [("2701.00", "5")])  # equity falls 600 of 16,001: 3.7%
    with pytest.raises(OrderRejected, match="maximum drawdown"):
        loop.run_until_complete(place(PlaceOrder(eth, Side.SELL, OrderType.MARKET, qty=D("0.1"))))
    assert s.account.trading_state is TradingState.HALTED

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.builds(
            PlaceOrder,
            symbol=st.sampled_from(["ETH/USDT", "SOL/USDT", "BTC/USDT"]),
            side=st.sampled_from(Side),
            type=st.sampled_from([OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_LIMIT]),
            qty=st.decimals(min_value=D("0.001"), max_value=D("3"), places=3),
            price=st.one_of(
                st.none(), st.decimals(min_value=D("100"), max_value=D("4000"), places=2)
            ),
            stop_price=st.one_of(
                st.none(), st.decimals(min_value=D("100"), max_value=D("4000"), places=2)
            ),
            tif=st.sampled_from(TimeInForce),
            reduce_only=st.booleans(),
            tag=st.sampled_from(["", "bot"]),
        )
    )
    def no_order_passes(cmd: PlaceOrder) -> None:
        with pytest.raises(OrderRejected, match="HALTED"):
            loop.run_until_complete(place(cmd))

    no_order_passes()
    for order in resting:
        loop.run_until_complete(s.engine.cancel(order.client_id))
    loop.run_until_complete(s.settle())
    assert [o.status for o in resting] == [OrderStatus.CANCELED] * 3
    assert s.account.trading_state is TradingState.HALTED
