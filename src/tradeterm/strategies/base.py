"""The public Strategy API: the base class every strategy subclasses, and its parameter model.

A strategy reacts to callbacks and acts through helpers. Callbacks are plain methods
(never coroutines) run by its ``StrategyHost`` when the engine publishes an event;
helpers build engine commands, which the host sends and whose refusals come back
as ``on_command_refused``. The same object runs in a backtest under the deterministic
driver, on paper and live: nothing here knows which.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tradeterm.analysis.regime_names import REGIMES, Regime
from tradeterm.domain.account import Balance, Position
from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import Command
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.domain.numbers import ceil_to, floor_to
from tradeterm.domain.orders import Order
from tradeterm.strategies.regimes import WAIT_PREFIX, RegimeGate

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from tradeterm.strategies.host import StrategyHost

log = logging.getLogger("tradeterm.strategies")


class StrategyParams(BaseModel):
    """Base of every strategy's parameters: a frozen pydantic model whose fields carry their
    default, their range (``Field(ge=..., le=...)``) and a docstring (the start form, the
    config file, the backtester and the optimiser all read them)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    regimes: Annotated[tuple[Regime, ...], Field(min_length=1)] = REGIMES
    """Market regimes it opens positions in: trending_up, trending_down, ranging, volatile
    (docs/regimes.md; default all). Outside them it waits, and still amends, cancels and
    closes what it has."""


P = TypeVar("P", bound=StrategyParams)


class Strategy(Generic[P]):
    """Subclass it, set ``kind`` and ``params_model``, and override the callbacks you need.

    Class attributes:
        kind: the name config and the command line use (``grid``, ``sma_cross``).
        params_model: the ``StrategyParams`` subclass the strategy takes.

    Override ``timeframe()`` to get ``on_candle`` with closed bars of that timeframe
    (built from the trade tape; ``candles()`` reads the window of the last
    ``candle_window()`` bars).
    """

    kind: ClassVar[str] = ""
    params_model: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(self, params: P) -> None:
        self.params = params
        self._host: StrategyHost | None = None
        self._gate = RegimeGate()

    # --- what the host asks -----------------------------------------------------------

    def timeframe(self) -> str | None:
        """Bar length for ``on_candle`` (``10s``, ``1m``, ``1h``...); None: no candles."""
        return None

    def candle_window(self) -> int:
        """How many closed bars ``candles()`` keeps."""
        return 500

    # --- lifecycle and market callbacks -------------------------------------------------

    def on_start(self) -> None:
        """The host started (market data may not have arrived yet)."""

    def on_stop(self) -> None:
        """The host is stopping (by the user, or after a failure)."""

    def on_book(self, book: OrderBook) -> None:
        """The strategy's book changed (it is the engine's live book: read, never keep)."""

    def on_trade(self, trade: Trade) -> None:
        """A public trade printed on the strategy's symbol (``trade.side``: the aggressor's)."""

    def on_candle(self, candle: Candle) -> None:
        """A bar of ``timeframe()`` closed; ``candles()`` now ends with it."""

    def on_timer(self, name: str) -> None:
        """A timer set with ``set_timer`` fired."""

    # --- order callbacks (only for this strategy's own orders) ----------------------------

    def on_order_accepted(self, order: Order) -> None:
        """The venue accepted an order (it rests, or waits for its trigger)."""

    def on_order_filled(self, order: Order, fill: Fill) -> None:
        """A fill: ``order`` already shows it (``filled``, ``remaining``, ``status``)."""

    def on_order_canceled(self, order: Order) -> None:
        """An order ended without filling in full (cancelled or expired)."""

    def on_order_rejected(self, order: Order, reason: str) -> None:
        """An order was refused by the venue (REJECTED) or by tradeterm's checks (DENIED)."""

    def on_command_refused(self, command: Command, reason: str) -> None:
        """A command could not be done (a rule it breaks, HALTED, an order already gone).

        The default logs a warning; override to keep count (a grid shows failed levels)."""
        log.warning("%s: %s refused: %s", self.name, type(command).__name__, reason)

    # --- readers ---------------------------------------------------------------------------

    @property
    def host(self) -> StrategyHost:
        if self._host is None:
            raise TradetermError(f"strategy {self.kind or type(self).__name__} is not running")
        return self._host

    @property
    def name(self) -> str:
        return self._host.name if self._host is not None else self.kind

    @property
    def symbol(self) -> str:
        return self.host.symbol

    @property
    def market(self) -> Market:
        return self.host.market()

    @property
    def busy(self) -> bool:
        """Commands sent and not yet answered (decide again once they are)."""
        return self.host.in_flight > 0

    def book(self) -> OrderBook | None:
        return self.host.book()

    def now_ns(self) -> int:
        return self.host.now_ns()

    def position(self) -> Position | None:
        return self.host.position()

    def balance(self, asset: str) -> Balance:
        return self.host.balance(asset)

    def base_free(self) -> Decimal:
        return self.host.balance(self.market.base).free

    def quote_free(self) -> Decimal:
        return self.host.balance(self.market.quote).free

    def open_orders(self, side: Side | None = None) -> list[Order]:
        """This strategy's open orders, oldest first."""
        return self.host.open_orders(side)

    def bars(self) -> Sequence[Candle]:
        """The closed bars of ``timeframe()``, oldest first, exact (Decimal)."""
        return self.host.candle_bars()

    def candles(self) -> pd.DataFrame:
        """The closed bars of ``timeframe()`` as floats (``open high low close volume``), for
        ``tradeterm.analysis.indicators``."""
        return self.host.candle_frame()

    # --- actions ----------------------------------------------------------------------------

    def place(
        self,
        side: Side,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        *,
        quote_qty: Decimal | None = None,
        type: OrderType | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        tif: TimeInForce = TimeInForce.GTC,
        stop_price: Decimal | None = None,
    ) -> None:
        """Place an order on the strategy's symbol and account, tagged with its name: a limit
        when ``price`` is given, else a market order. The order appears in ``open_orders``
        and the callbacks once the engine has journaled it."""
        kind = type or (OrderType.LIMIT if price is not None else OrderType.MARKET)
        if self._regime_waits(side, qty, reduce_only):
            return
        self.host.place(
            side,
            kind,
            qty=qty,
            quote_qty=quote_qty,
            price=price,
            stop_price=stop_price,
            tif=tif,
            post_only=post_only,
            reduce_only=reduce_only,
        )

    @property
    def waiting(self) -> str:
        """Why it does not open new orders now (the regime), in words; "" when it may."""
        return self._gate.waiting

    def regime(self) -> str:
        """The market regime now (``analysis.regime``): ``"trending_up"``, ``"trending_down"``,
        ``"ranging"``, ``"volatile"``, or ``""`` with too little history."""
        host = self.host
        candles = host.engine.state.candles.get(host.instrument)
        series = candles if candles is not None and len(candles) else self._own_bars()
        return self._gate.regime(series)

    def _own_bars(self) -> Sequence[Candle]:
        return self.host.candle_bars() if self.timeframe() is not None else ()

    def _regime_waits(self, side: Side, qty: Decimal | None, reduce_only: bool) -> bool:
        """Whether a new order waits for a declared regime; keeps the host's reason in step."""
        host = self.host
        position = host.position()
        why = self._gate.check(
            self.params.regimes,
            host.engine.state.candles.get(host.instrument) or (),
            self._own_bars() if set(self.params.regimes) != set(REGIMES) else (),
            name=self.name,
            side=side,
            qty=qty,
            reduce_only=reduce_only,
            held=position.qty if position is not None else Decimal(0),
        )
        waiting = self._gate.waiting  # an order that only shrinks passes and changes nothing
        if waiting and (not host.reason or host.reason.startswith(WAIT_PREFIX)):
            host.reason = waiting
        elif not waiting and host.reason.startswith(WAIT_PREFIX):
            host.reason = ""
        return bool(why)

    def buy(
        self,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        *,
        quote_qty: Decimal | None = None,
        post_only: bool = False,
        tif: TimeInForce = TimeInForce.GTC,
    ) -> None:
        """``place`` a buy: a limit at ``price``, else at market (``quote_qty``: spend that)."""
        self.place(Side.BUY, qty, price, quote_qty=quote_qty, post_only=post_only, tif=tif)

    def sell(
        self,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        *,
        quote_qty: Decimal | None = None,
        post_only: bool = False,
        tif: TimeInForce = TimeInForce.GTC,
    ) -> None:
        """``place`` a sell: a limit at ``price``, else at market."""
        self.place(Side.SELL, qty, price, quote_qty=quote_qty, post_only=post_only, tif=tif)

    def amend(self, order: Order, price: Decimal | None = None, qty: Decimal | None = None) -> None:
        """Move one of its orders (a new price goes to the back of the queue, a smaller size at
        the same price keeps its place)."""
        self.host.amend(order, price, qty)

    def cancel(self, order: Order) -> None:
        self.host.cancel(order)

    def cancel_all(self) -> None:
        """Cancel every open order of this strategy (and no other)."""
        for order in self.open_orders():
            self.host.cancel(order)

    def set_timer(self, interval_s: float, name: str = "") -> None:
        """Call ``on_timer(name)`` every ``interval_s`` of the engine's clock (replaces a timer
        of the same name)."""
        self.host.set_timer(interval_s, name)

    def cancel_timer(self, name: str = "") -> None:
        self.host.cancel_timer(name)

    # --- rounding to the market's rules ---------------------------------------------------

    def bid_price(self, price: Decimal) -> Decimal:
        """``price`` rounded down to the tick (a buy never pays more than asked)."""
        return floor_to(price, self.market.tick_size)

    def ask_price(self, price: Decimal) -> Decimal:
        """``price`` rounded up to the tick (a sell never asks less)."""
        return ceil_to(price, self.market.tick_size)

    def lot(self, qty: Decimal) -> Decimal:
        """``qty`` rounded down to the lot."""
        return floor_to(qty, self.market.lot_size)


def overrides(strategy: Strategy[Any], callback: str) -> bool:
    """Whether ``strategy`` replaces the base class's (empty) ``callback``, in its class or on
    the instance: the host subscribes to the market data it reads and to no other."""
    if callback in getattr(strategy, "__dict__", ()):
        return True
    return getattr(type(strategy), callback, None) is not getattr(Strategy, callback)
