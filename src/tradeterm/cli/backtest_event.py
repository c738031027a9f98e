"""Event-driven backtests: the real strategy object, the engine and a paper venue on the driver.

On candle files the candles are played by ``CandleFeed`` (see its module for how a
market order sent on a candle's close fills at that close). The strategy is the one
the workstation runs (``tradeterm.strategies``), bound by a ``StrategyHost`` to a paper
account; the deterministic driver runs it all on a simulated clock, with the paper
venue's latency at 0 ms.

Fills follow the paper venue, which charges fees like Binance spot: a buy pays its fee
in the base it receives (``qty × fee``), a sale in the quote it receives. The vectorised
mode instead pays a buy's fee in quote on top of the notional. And ``sma_cross`` keeps
back part of the free quote on a buy (its ``fee_reserve`` and the engine's market-buy
margin, ``MARKET_BUY_MARGIN``). So the two modes make the same trades (same candles, same
prices) but not the same amounts; docs/backtest.md gives the formula for what the
event-driven run ends with, and ``tests/test_backtest_event.py`` checks it on the shared files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from tradeterm.analysis.backtest.report import Report, Trade
from tradeterm.domain.enums import Side
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import OrderFilled
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import DriveReport, SteppedFeed, drive
from tradeterm.engine.engine import Engine
from tradeterm.strategies import Strategy, StrategyHost, create
from tradeterm.strategies.registry import BUILTINS
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay.candle_feed import CandleFeed, to_decimal

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

VENUE = "backtest"
SYMBOL = "BASE/QUOTE"
ACCOUNT = "backtest"


@dataclass
class EventRun:
    """What an event-driven run did: every fill in order, the cash at the end, the driver's
    figures. Amounts are Decimals in the quote (``quote``) and base (``base``) currencies."""

    fills: list[Fill] = field(default_factory=list)
    quote: Decimal = Decimal(0)
    base: Decimal = Decimal(0)
    last_close: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)
    drive: DriveReport = field(default_factory=DriveReport)
    params: dict[str, object] = field(default_factory=dict)
    market: Market = field(default_factory=lambda: candle_market(0.0))
    start_quote: Decimal = Decimal(0)
    start_base: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.start_quote, self.start_base = self.quote, self.base

    @property
    def final_equity(self) -> float:
        """Quote plus base at the last close, as a multiple of the starting cash."""
        return float((self.quote + self.base * self.last_close) / self.cash)


def candle_market(fee: float, candles: pd.DataFrame | None = None) -> Market:
    """The market a candle backtest trades: steps fine enough that rounding does not show
    (the tick is the finest digit of any price in ``candles``, at most 1e-8)."""
    rate = to_decimal(fee)
    fine = Decimal("1e-8")
    if candles is not None:
        for column in ("open", "high", "low", "close"):
            for price in set(candles[column].tolist()):
                fine = min(fine, Decimal(1).scaleb(to_decimal(price).as_tuple().exponent))  # type: ignore[arg-type]
    return Market(VENUE, SYMBOL, "BASE", "QUOTE", fine, Decimal("1e-18"), Decimal("1e-18"),
                  Decimal(0), rate, rate)  # fmt: skip


def create_params(name: str, params: dict[str, object], step_ms: int) -> dict[str, object]:
    """``params`` with the strategy's ``timeframe`` set to the candles' length, unless given."""
    given = dict(params)
    cls = BUILTINS.get(name)
    if cls is not None and "timeframe" in cls.params_model.model_fields:
        given.setdefault("timeframe", timeframe_of(step_ms))
    return given


def timeframe_of(ms: int) -> str:
    """A bar length in ms as a timeframe (``300000`` -> ``5m``), in the largest exact unit."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    raise DataError(f"candles {ms} ms apart: a strategy's timeframe is whole seconds")


def length_ms(candles: pd.DataFrame) -> int:
    """The median spacing of the candles, in ms (60,000 for a single candle)."""
    import numpy as np

    times = candles.index.as_unit("ms").asi8
    return int(np.median(np.diff(times))) if len(times) > 1 else 60_000


def run_event_candles(
    candles: pd.DataFrame, name: str, params: dict[str, object], *, fee: float, cash: Decimal
) -> EventRun:
    """Run strategy ``name`` with ``params`` on ``candles`` through the engine."""
    market = candle_market(fee, candles)
    step = length_ms(candles)
    feed = CandleFeed(
        market,
        candles.index.as_unit("ms").asi8.tolist(),
        candles["open"].tolist(),
        candles["high"].tolist(),
        candles["low"].tolist(),
        candles["close"].tolist(),
        step,
    )
    strategy = create(name, create_params(name, params, step))
    run = asyncio.run(
        drive_strategy(
            feed, market, strategy_name=name, strategy=strategy, balances={"QUOTE": cash}, cash=cash
        )
    )
    run.last_close = feed.last_close
    return run


async def drive_strategy(
    feed: SteppedFeed,
    market: Market,
    *,
    strategy_name: str,
    strategy: Strategy[Any],
    balances: dict[str, Decimal],
    cash: Decimal,
    latency_ms: int = 0,
    on_engine: Callable[[Engine], None] | None = None,
    clock: ManualClock | None = None,
) -> EventRun:
    """Bind ``strategy`` to a paper account on ``market`` and drive ``feed`` to its end."""
    clock = ManualClock(0) if clock is None else clock
    spec = AccountSpec(ACCOUNT, venue=feed.venue, balances=balances, latency_ms=latency_ms)
    engine = Engine(clock, feed, [spec], client_id_prefix="bt")  # type: ignore[arg-type]
    view = engine.view(feed.venue)
    engine.attach_venue(ACCOUNT, PaperVenue(ACCOUNT, view, clock, latency_ms=latency_ms))
    run = EventRun(
        cash=cash,
        market=market,
        quote=balances.get(market.quote, Decimal(0)),
        base=balances.get(market.base, Decimal(0)),
    )
    engine.bus.subscribe(OrderFilled, lambda event: run.fills.append(event.fill))
    if on_engine is not None:
        on_engine(engine)
    await engine.start()
    host = StrategyHost(engine, strategy, name=strategy_name, account=ACCOUNT, symbol=market.symbol)
    host.start()
    run.drive = await drive(engine, [feed])
    host.stop(cancel_orders=True)
    await engine.stop()
    for fill in run.fills:
        dq, db = _deltas(fill, market)
        run.quote += dq
        run.base += db
    run.params = strategy.params.model_dump(mode="json")
    return run


def event_report(
    candles: pd.DataFrame, name: str, params: dict[str, object], *, fee: float, cash: Decimal
) -> Report:
    """The report of an event-driven run on ``candles``, with the vectorised report's keys
    (``mode`` is ``"event"``)."""
    run = run_event_candles(candles, name, params, fee=fee, cash=cash)
    return report_of(run, candles, name, fee=fee, fills_at_next_open=True)


def report_of(
    run: EventRun,
    candles: pd.DataFrame,
    name: str,
    *,
    fee: float,
    fills_at_next_open: bool,
    fill: str = "close",
) -> Report:
    """The report of ``run``, its equity marked at ``candles``' closes. A fill belongs to the
    candle it falls in, or with ``fills_at_next_open`` to the one before (candle mode)."""
    import numpy as np

    from tradeterm.analysis.backtest.report import build_report
    from tradeterm.analysis.backtest.vector import Simulation

    cash = run.cash
    close = candles["close"].to_numpy(dtype=np.float64)
    times_ns = candles.index.as_unit("ns").asi8
    bars = len(close)
    side: Literal["left", "right"] = "left" if fills_at_next_open else "right"
    bar_of = np.searchsorted(times_ns, [f.ts_ns for f in run.fills], side=side) - 1
    quote = np.zeros(bars)
    base = np.zeros(bars)
    for bar, one in zip(bar_of.tolist(), run.fills, strict=True):
        dq, db = _deltas(one, run.market)
        quote[max(bar, 0)] += float(dq)
        base[max(bar, 0)] += float(db)
    quote = float(run.start_quote) + np.cumsum(quote)
    base = float(run.start_base) + np.cumsum(base)
    value = base * close
    equity = (quote + value) / float(cash)
    held = value > 1e-9 * float(cash)
    empty_i = np.zeros(0, dtype=np.intp)
    empty_f = np.zeros(0)
    sim = Simulation(empty_i, empty_f, empty_i, empty_f, empty_f, run.final_equity, fee, bars)
    trades = _trades(run, candles, bar_of.tolist())
    report = build_report(
        strategy=name,
        params=run.params,
        candles=candles,
        sim=sim,
        fill=fill,
        cash=float(cash),
        mode="event",
        curve=(equity, held),
        trade_list=trades,
    )
    report.fees_paid = sum(float(_fee_in_quote(f, run.market)) for f in run.fills)
    return report


def _deltas(fill: Fill, market: Market) -> tuple[Decimal, Decimal]:
    """What a fill changes: (quote, base), fees included."""
    fee_quote = fill.fee if fill.fee_asset == market.quote else Decimal(0)
    fee_base = fill.fee if fill.fee_asset == market.base else Decimal(0)
    if fill.side is Side.BUY:
        return -fill.notional - fee_quote, fill.qty - fee_base
    return fill.notional - fee_quote, -fill.qty - fee_base


def _fee_in_quote(fill: Fill, market: Market) -> Decimal:
    return fill.fee * fill.price if fill.fee_asset == market.base else fill.fee


def _trades(run: EventRun, candles: pd.DataFrame, bars: list[int]) -> list[Trade]:
    """Round trips: the buys from flat up to the sells that bring the base back to dust."""
    times = [t.isoformat() for t in candles.index]
    result: list[Trade] = []
    held = Decimal(0)
    entry: dict[str, Decimal | int] = {}
    for bar, fill in zip(bars, run.fills, strict=True):
        dq, db = _deltas(fill, run.market)
        if fill.side is Side.BUY and not entry:
            entry = {"bar": bar, "cost": Decimal(0), "qty": Decimal(0), "fees": Decimal(0),
                     "got": Decimal(0), "back": Decimal(0)}  # fmt: skip
        if not entry:
            continue
        entry["fees"] = Decimal(entry["fees"]) + _fee_in_quote(fill, run.market)
        held += db
        if fill.side is Side.BUY:
            entry["cost"] = Decimal(entry["cost"]) - dq
            entry["qty"] = Decimal(entry["qty"]) + fill.qty
        else:
            entry["back"] = Decimal(entry["back"]) + dq
            entry["got"] = Decimal(entry["got"]) + fill.qty
            entry["gross"] = Decimal(entry.get("gross", 0)) + fill.notional
            if held * fill.price <= run.cash * Decimal("1e-9"):
                result.append(_trade(entry, times, bar))
                entry, held = {}, Decimal(0)
    if entry:
        entry["back"] = Decimal(entry["back"]) + held * run.last_close
        result.append(_trade(entry, times, None))
    return result


def _trade(entry: dict[str, Decimal | int], times: list[str], exit_bar: int | None) -> Trade:
    cost, qty, back = Decimal(entry["cost"]), Decimal(entry["qty"]), Decimal(entry["back"])
    got = Decimal(entry["got"])
    pnl = back - cost
    return Trade(
        entry_time=times[int(entry["bar"])],
        entry_price=float(cost / qty) if qty else 0.0,
        exit_time=None if exit_bar is None else times[exit_bar],
        exit_price=None if exit_bar is None or not got else float(Decimal(entry["gross"]) / got),
        quantity=float(qty),
        fees=float(entry["fees"]),
        pnl=float(pnl),
        return_pct=float(100 * pnl / cost) if cost else 0.0,
    )
