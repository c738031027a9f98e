"""Property tests: random orders, cancels, amends and market events on two symbols.

Checked on every event as it is emitted, and at the end:

* filled never exceeds the order's (current) quantity, and the fills sum to
  what the venue reports as filled;
* a taker fill is at a price that is on the book at that moment, within the
  order's limit, for no more than the level shows; a maker fill is at the
  order's limit price;
* nothing happens to an order after its final event (no fill after its cancel
  arrived), and every order ends in exactly one final state;
* every fee is exactly rate × notional, in the right asset;
* taker fills plus public prints at a level, since the feed last sent that
  level, never add up to more than the size the feed shows there.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paperkit import ETH, Checker, D, Harness, run_now

from tradeterm.domain.enums import FillModel, OrderType, Side, TimeInForce
from tradeterm.domain.errors import OrderRejected as OrderRejectedError
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order

SOL = Market(
    "test",
    "SOL/USDT",
    "SOL",
    "USDT",
    D("0.01"),
    D("0.001"),
    D("0.001"),
    D("5"),
    D("0.0005"),
    D("0.002"),
)
MARKETS = {m.symbol: m for m in (ETH, SOL)}
REF = {"ETH/USDT": D("3099.50"), "SOL/USDT": D("150.00")}
STEP = D("0.25")
LOT = D("0.5")


def price(symbol: str, offset: int) -> Decimal:
    return REF[symbol] + offset * STEP


place = st.tuples(
    st.just("place"),
    st.sampled_from(sorted(MARKETS)),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from([t for t in OrderType if t is not OrderType.TRAILING_STOP]),
    st.integers(1, 6),  # qty in lots
    st.integers(-5, 5),  # limit price offset
    st.integers(-8, 8),  # trigger price offset
    st.sampled_from([TimeInForce.GTC] * 4 + [TimeInForce.IOC, TimeInForce.FOK]),
    st.sampled_from([False, False, False, True]),  # post-only
)
cancel = st.tuples(st.just("cancel"), st.integers(0, 50))
amend = st.tuples(
    st.just("amend"),
    st.integers(0, 50),
    st.one_of(st.none(), st.integers(-8, 8)),
    st.integers(1, 6),
)
level = st.tuples(
    st.just("level"), st.sampled_from(sorted(MARKETS)), st.integers(-8, 8), st.integers(0, 8)
)
trade = st.tuples(
    st.just("trade"),
    st.sampled_from(sorted(MARKETS)),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 8),
    st.booleans(),
    st.one_of(st.none(), st.integers(-8, 8)),
)
advance = st.tuples(st.just("advance"), st.sampled_from([0, 10, 30, 60]))
WEIGHTED = [(30, place), (30, trade), (15, level), (7, cancel), (8, amend), (10, advance)]


def pick(roll: int) -> st.SearchStrategy[tuple]:
    for weight, strategy in WEIGHTED:
        if roll < weight:
            return strategy
        roll -= weight
    raise AssertionError(roll)


operations = st.lists(st.integers(0, 99).flatmap(pick), min_size=10, max_size=60)


def start(model: FillModel, latency_ms: int) -> tuple[Harness, Checker]:
    h = Harness(
        fill_model=model, latency_ms=latency_ms, markets=tuple(MARKETS.values()), bind=False
    )
    checker = Checker(h.engine)
    h.venue.bind(checker)  # check the events instead of recording them
    for symbol, ref in REF.items():
        bids = [(str(ref - D("0.5") - k * D("0.5")), str(LOT * (k + 2))) for k in range(6)]
        asks = [(str(ref + D("0.5") + k * D("0.5")), str(LOT * (k + 2))) for k in range(6)]
        h.snapshot(bids, asks, symbol=symbol)
    return h, checker


def apply(h: Harness, checker: Checker, op: tuple, placed: list[Order]) -> None:
    kind = op[0]
    if kind == "place":
        _, symbol, side, type_, lots, off, stop_off, tif, post_only = op
        order = h.order(
            side,
            type_,
            str(lots * LOT),
            str(price(symbol, off)) if type_.has_limit_price else None,
            str(price(symbol, stop_off)) if type_.has_trigger else None,
            tif=tif,
            post_only=post_only and type_.has_limit_price,
            symbol=symbol,
        )
        checker.track(order)
        h.submit(order)
        placed.append(order)
    elif kind == "cancel" and placed:
        h.cancel(placed[op[1] % len(placed)])
    elif kind == "amend" and placed:
        order = placed[op[1] % len(placed)]
        off = op[2] if order.type.has_limit_price else None
        new_price = None if off is None else str(price(order.symbol, off))
        try:
            h.amend(order, new_price, str(op[3] * LOT))
        except OrderRejectedError as refused:  # not above what has filled already
            assert "must be above the filled" in str(refused)
    elif kind == "level":
        _, symbol, off, lots = op
        book = h.engine.view(h.engine.feed.venue).book(symbol)
        assert book is not None
        p = price(symbol, off)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        if best_ask is not None and p < best_ask:
            h.update(bids=[(str(p), str(lots * LOT))], symbol=symbol)
        elif best_bid is not None and p > best_bid:
            h.update(asks=[(str(p), str(lots * LOT))], symbol=symbol)
    elif kind == "trade":
        _, symbol, aggressor, lots, reflect, off = op
        book = h.engine.view(h.engine.feed.venue).book(symbol)
        assert book is not None
        maker = book.asks if aggressor is Side.BUY else book.bids
        top = maker.best_level()
        if off is not None or top is None:  # a print anywhere (a feed can be out of step)
            h.trade(str(price(symbol, off or 0)), str(lots * LOT), aggressor, symbol=symbol)
            return
        p, size = top
        qty = min(size, lots * LOT)
        h.trade(str(p), str(qty), aggressor, symbol=symbol)
        if reflect:
            side = "asks" if aggressor is Side.BUY else "bids"
            h.update(**{side: [(str(p), str(size - qty))]}, symbol=symbol)
    elif kind == "advance":
        h.advance_ms(op[1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=operations,
    model=st.sampled_from(list(FillModel)),
    latency_ms=st.sampled_from([0, 20]),
)
def test_random_sessions_keep_the_invariants(
    ops: list[tuple], model: FillModel, latency_ms: int
) -> None:
    h, checker = start(model, latency_ms)
    placed: list[Order] = []
    for op in ops:
        apply(h, checker, op, placed)
        assert not checker.errors, checker.errors
        for order in placed:
            t = checker.orders[order.client_id]
            for cid, side, p, remaining in h.venue.resting(order.symbol):
                if cid == order.client_id:
                    assert (side, p) == (order.side, t.price)
                    assert remaining == t.qty - t.filled > 0
                    assert not t.finals
    # settle: everything still travelling arrives, then cancel whatever is left
    h.advance_ms(1000)
    for order in placed:
        run_now(h.venue.cancel(order))
    h.advance_ms(1000)
    assert not checker.errors, checker.errors
    for symbol in MARKETS:
        assert h.venue.resting(symbol) == []
    for order in placed:
        t = checker.orders[order.client_id]
        assert len(t.finals) == 1, (order.client_id, t.finals)
        assert (t.finals[0] == "Filled") == (t.filled == t.qty)
        assert h.venue.queue_ahead(order.client_id) is None
