"""StrategyHost: runs one strategy instance (name, account, symbol, params) on an engine.

The host subscribes to the engine's bus, hands the strategy its market events,
its own orders' events (recognised by the order's ``tag``, the instance name)
and its timers (the engine's clock), and sends the commands its helpers build
through ``Engine.execute`` as tasks. It never lets a strategy's error reach the
bus: an exception in a callback stops the strategy, logs the traceback, and
marks it FAILED; a refused command comes back to the strategy as
``on_command_refused``. While its account is HALTED, or is live and not armed, the
strategy is paused. Its orders and the commands it sends are kept by ``HostOrders``
(``host_orders.py``); this module holds the lifecycle and the market data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeterm.domain.account import Balance, Position
from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import (
    AccountMode,
    OrderType,
    Side,
    TimeInForce,
    TradingState,
)
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    ArmingChanged,
    BookChanged,
    OrderFilled,
    OrderUpdated,
    TradePrinted,
    TradingStateChanged,
)
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.clock import Timer
from tradeterm.engine.engine import Engine
from tradeterm.strategies.base import Strategy, StrategyParams, overrides
from tradeterm.strategies.candles import CandleWindow
from tradeterm.strategies.host_orders import HostOrders
from tradeterm.strategies.journal import OWN, Journal, done, writing
from tradeterm.strategies.status import StrategyState

if TYPE_CHECKING:  # pandas is imported when a strategy first asks for its candles
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

log = logging.getLogger("tradeterm.strategies")
RUNNING = StrategyState.RUNNING  # (a module global reads faster than an enum member on 3.11)


class StrategyHost:
    """One running strategy instance. ``start()`` once the engine has its markets."""

    def __init__(
        self,
        engine: Engine,
        strategy: Strategy[Any],
        *,
        name: str,
        account: str,
        symbol: str,
        cancel_on_stop: bool = True,
    ) -> None:
        self.engine = engine
        self.strategy = strategy
        self.name = name
        self.account = account
        self.symbol = symbol
        self.cancel_on_stop = cancel_on_stop
        self.state = StrategyState.NEW
        self.reason = ""
        """Why it is paused, stopped or failed, in words."""
        self.since_ns = 0
        self.callbacks = 0
        """Callbacks delivered (the benchmark's count)."""
        self.orders = HostOrders(self)
        """Its own orders and the commands it sends."""
        self.journal = Journal(engine.clock.now_ns)
        """Its recent log lines (the strategies pane's log view)."""
        self._timers: dict[str, Timer] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._halted = False
        self._disarmed = False
        self._rearm_resumes = False
        self._window: CandleWindow | None = None
        self._trading_venue = ""
        """Its account's venue, read once at start (the market callbacks compare it)."""
        self._wants_trades = True

    @property
    def params(self) -> StrategyParams:
        params: StrategyParams = self.strategy.params
        return params

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind to the engine and call ``on_start``.

        Raises:
            TradetermError: already started, the engine not started, an unknown account or
                symbol, a bad timeframe.
        """
        if self.state is not StrategyState.NEW:
            raise TradetermError(f"strategy {self.name} is {self.state.value}: start it once")
        if not self.engine.started:
            raise TradetermError(f"strategy {self.name}: the engine has not loaded its markets")
        account = self._account_state()
        self._trading_venue = account.spec.venue
        self.market()  # the symbol must be known
        timeframe = self.strategy.timeframe()
        if timeframe is not None:
            self._window = CandleWindow(timeframe, self.strategy.candle_window())
        self.orders.adopt(account)  # its orders from before a restart
        bus = self.engine.bus
        # market data only for the callbacks the strategy overrides (a trade also feeds the
        # candle window): a market maker costs nothing per trade print
        self._wants_trades = overrides(self.strategy, "on_trade")
        self._unsubscribe = [
            bus.subscribe(OrderUpdated, self.orders.on_order),
            bus.subscribe(OrderFilled, self.orders.on_fill),
            bus.subscribe(TradingStateChanged, self._on_trading_state),
            bus.subscribe(ArmingChanged, self._on_arming),
        ]
        if overrides(self.strategy, "on_book"):
            self._unsubscribe.append(bus.subscribe(BookChanged, self._on_book))
        if self._wants_trades or self._window is not None:
            self._unsubscribe.append(bus.subscribe(TradePrinted, self._on_trade))
        self.strategy._host = self
        self.since_ns = self.engine.clock.now_ns()
        self.state = StrategyState.RUNNING
        log.info(
            "strategy %s (%s) started on %s, %s",
            self.name,
            self._kind,
            self.symbol,
            account.name,
            extra=OWN,
        )
        self.note(logging.INFO, f"started ({self._kind}) on {self.symbol}, {account.name}")
        self._call(self.strategy.on_start)
        if account.trading_state is TradingState.HALTED and self.state is StrategyState.RUNNING:
            self._halted = True
            self.pause(f"account {account.name} is HALTED")
        if account.spec.mode is AccountMode.LIVE and not account.armed:
            self._disarmed = self._rearm_resumes = True
            self.pause(f"account {account.name} is not armed")

    def pause(self, reason: str = "paused by the user") -> None:
        """Stop delivering market data and timers; orders stay, their callbacks still come."""
        if self.state is StrategyState.RUNNING:
            self.state, self.reason = StrategyState.PAUSED, reason
            log.info("strategy %s paused: %s", self.name, reason, extra=OWN)
            self.note(logging.INFO, f"paused: {reason}")

    def resume(self) -> None:
        """Deliver market data again. Raises TradetermError while the account is HALTED."""
        if self.state is not StrategyState.PAUSED:
            return
        account = self._account_state()
        if account.trading_state is TradingState.HALTED:
            raise TradetermError(f"account {account.name} is HALTED: resume the account first")
        if self._disarmed:
            raise TradetermError(f"account {account.name} is not armed: arm it first")
        self._halted = False
        self.state, self.reason = StrategyState.RUNNING, ""
        log.info("strategy %s resumed", self.name, extra=OWN)
        self.note(logging.INFO, "resumed")

    def stop(self, cancel_orders: bool | None = None, reason: str = "stopped by the user") -> None:
        """Stop for good: ``on_stop``, then unbind; its open orders are cancelled when
        ``cancel_orders`` (default: the host's ``cancel_on_stop``)."""
        if self.state in (StrategyState.STOPPED, StrategyState.FAILED, StrategyState.NEW):
            return
        if not self._call(self.strategy.on_stop):
            return  # on_stop itself raised: the strategy failed
        self._teardown(StrategyState.STOPPED, reason, cancel_orders)
        log.info("strategy %s stopped: %s", self.name, reason, extra=OWN)
        self.note(logging.INFO, f"stopped: {reason}")

    def _fail(self, where: str, exc: BaseException) -> None:
        if self.state in (StrategyState.STOPPED, StrategyState.FAILED):
            return
        reason = f"{type(exc).__name__} in {where}: {exc}"
        log.error("strategy %s failed: %s", self.name, reason, exc_info=exc, extra=OWN)
        self.note(logging.ERROR, f"failed: {reason} (the traceback is in the log file)")
        self._teardown(StrategyState.FAILED, reason, None)

    def _teardown(self, state: StrategyState, reason: str, cancel_orders: bool | None) -> None:
        self.state, self.reason = state, reason
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self.cancel_on_stop if cancel_orders is None else cancel_orders:
            self.orders.cancel_open()

    @property
    def _kind(self) -> str:
        return self.strategy.kind or type(self.strategy).__name__

    @property
    def running(self) -> bool:
        return self.state is RUNNING

    @property
    def alive(self) -> bool:
        """Running or paused: started, and not stopped or failed."""
        return self.state in (StrategyState.RUNNING, StrategyState.PAUSED)

    @property
    def in_flight(self) -> int:
        """Commands sent and not yet answered."""
        return self.orders.in_flight

    # --- market data: the only place that reads the engine's market caches -------------------

    @property
    def instrument(self) -> Instrument:
        """The symbol on the venue its account trades on."""
        return self.engine.state.instrument(self._account_state(), self.symbol)

    def market(self) -> Market:
        """Raises TradetermError when the engine does not know the symbol."""
        market = self.engine.state.markets.get(self.instrument)
        if market is None:
            raise TradetermError(f"strategy {self.name}: unknown symbol {self.symbol!r}")
        return market

    def book(self) -> OrderBook | None:
        return self.engine.state.books.get(self.instrument)

    def _on_book(self, event: BookChanged) -> None:
        if event.symbol != self.symbol or self.state is not RUNNING:
            return
        venue = event.venue
        if venue != self._trading_venue:
            return  # the same symbol on another venue
        lane = self.engine.state.lanes.get(venue)  # (the venue's books by symbol)
        book = None if lane is None else lane.books.get(self.symbol)
        if book is None:
            return
        self.callbacks += 1
        token = writing(self.journal)
        try:
            self.strategy.on_book(book)
        except Exception as exc:
            done(token)
            self._fail("on_book", exc)
        else:
            done(token)

    def _on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        if trade.symbol != self.symbol or self.state is not RUNNING:
            return
        if event.venue != self._trading_venue:
            return
        closed = self._window.add(trade) if self._window is not None else None
        if self._wants_trades:
            self._call(self.strategy.on_trade, trade)
        if closed is not None and self.state is StrategyState.RUNNING:
            self._call(self.strategy.on_candle, closed)

    # --- accounts and orders ------------------------------------------------------------------

    def _account_state(self) -> AccountState:
        account = self.engine.state.accounts.get(self.account)
        if account is None:
            known = ", ".join(self.engine.state.accounts)
            raise TradetermError(
                f"strategy {self.name}: unknown account {self.account!r}; accounts are: {known}"
            )
        return account

    def now_ns(self) -> int:
        return self.engine.clock.now_ns()

    def position(self) -> Position | None:
        return self._account_state().positions.get(self.symbol)

    def balance(self, asset: str) -> Balance:
        found = self._account_state().balances.get(asset)
        return found if found is not None else Balance(asset)

    def open_orders(self, side: Side | None = None) -> list[Order]:
        return self.orders.open_orders(side)

    def candle_bars(self) -> Sequence[Candle]:
        if self._window is None:
            raise TradetermError(f"strategy {self.name} declares no timeframe: no candles")
        return self._window.closed

    def candle_frame(self) -> pd.DataFrame:
        if self._window is None:
            raise TradetermError(f"strategy {self.name} declares no timeframe: no candles")
        return self._window.frame()

    def _on_trading_state(self, event: TradingStateChanged) -> None:
        if event.account != self.account:
            return
        if event.state is TradingState.HALTED and self.state is StrategyState.RUNNING:
            self._halted = True
            self.pause(f"account {self.account} is HALTED: {event.reason}")
        elif event.state is not TradingState.HALTED and self._halted:
            self._halted = False
            if self.state is StrategyState.PAUSED and not self._disarmed:
                self.resume()

    def _on_arming(self, event: ArmingChanged) -> None:
        """A live account's strategy runs only while the account is armed."""
        if event.account != self.account:
            return
        if not event.armed:
            self._disarmed = True
            self._rearm_resumes = self.state is StrategyState.RUNNING  # not one the user paused
            self.pause(f"account {self.account} disarmed: {event.reason}")
        elif self._disarmed:
            self._disarmed = False
            if self._rearm_resumes and self.state is StrategyState.PAUSED and not self._halted:
                self.resume()

    # --- commands: HostOrders builds and sends them -------------------------------------------

    def place(
        self,
        side: Side,
        type: OrderType,
        *,
        qty: Decimal | None,
        quote_qty: Decimal | None,
        price: Decimal | None,
        stop_price: Decimal | None,
        tif: TimeInForce,
        post_only: bool,
        reduce_only: bool,
    ) -> None:
        self.orders.place(
            side,
            type,
            qty=qty,
            quote_qty=quote_qty,
            price=price,
            stop_price=stop_price,
            tif=tif,
            post_only=post_only,
            reduce_only=reduce_only,
        )

    def amend(self, order: Order, price: Decimal | None, qty: Decimal | None) -> None:
        self.orders.amend(order, price, qty)

    def cancel(self, order: Order) -> None:
        self.orders.cancel(order)

    # --- timers and the guard -------------------------------------------------------------------

    def set_timer(self, interval_s: float, name: str) -> None:
        self.cancel_timer(name)
        self._timers[name] = self.engine.clock.call_every(interval_s, lambda: self._tick(name))

    def cancel_timer(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()

    def _tick(self, name: str) -> None:
        if self.state is StrategyState.RUNNING:
            self._call(self.strategy.on_timer, name)

    def _call(self, callback: Callable[..., None], *args: Any, journal: bool = True) -> bool:
        """Run one callback; an exception fails the strategy instead of propagating (False).
        What it logs goes to the journal too, unless ``journal`` is False (the host wrote
        the line already)."""
        self.callbacks += 1
        token = writing(self.journal if journal else None)
        try:
            callback(*args)
        except Exception as exc:
            done(token)
            self._fail(getattr(callback, "__name__", "a callback"), exc)
            return False
        done(token)
        return True

    def note(self, level: int, text: str) -> None:
        """A line in its journal (not in the log: the caller logs what the log needs)."""
        self.journal.add(level, text)
