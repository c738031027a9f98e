"""StrategyHost: runs one strategy instance (name, account, symbol, params) on an engine.

The host subscribes to the engine's bus, hands the strategy its market events,
its own orders' events (recognised by the order's ``tag``, the instance name)
and its timers (the engine's clock), and sends the commands its helpers build
through ``Engine.execute`` as tasks. It never lets a strategy's error reach the
bus: an exception in a callback stops the strategy, logs the traceback, and
marks it FAILED; a refused command comes back to the strategy as
``on_command_refused``. While its account is HALTED, or is live and not armed, the
strategy is paused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tradeterm.domain.account import Balance, Position
from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import AmendOrder, CancelOrder, Command, PlaceOrder
from tradeterm.domain.enums import (
    AccountMode,
    OrderStatus,
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
from tradeterm.strategies.base import Strategy, StrategyParams
from tradeterm.strategies.candles import CandleWindow

if TYPE_CHECKING:  # pandas is imported when a strategy first asks for its candles
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

log = logging.getLogger("tradeterm.strategies")

_ACCEPTED = (OrderStatus.OPEN, OrderStatus.EMULATED)
_CANCELED = (OrderStatus.CANCELED, OrderStatus.EXPIRED)
_REJECTED = (OrderStatus.REJECTED, OrderStatus.DENIED)


class StrategyState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


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
        self.in_flight = 0
        """Commands sent and not yet answered."""
        self.callbacks = 0
        """Callbacks delivered (the benchmark's count)."""
        self._mine: dict[str, Order] = {}
        self._accepted: set[str] = set()
        self._timers: dict[str, Timer] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._halted = False
        self._disarmed = False
        self._rearm_resumes = False
        self._window: CandleWindow | None = None

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
        self.market()  # the symbol must be known
        timeframe = self.strategy.timeframe()
        if timeframe is not None:
            self._window = CandleWindow(timeframe, self.strategy.candle_window())
        for order in account.open_orders():  # its orders from before a restart
            if order.tag == self.name:
                self._mine[order.client_id] = order
                self._accepted.add(order.client_id)
        bus = self.engine.bus
        self._unsubscribe = [
            bus.subscribe(BookChanged, self._on_book),
            bus.subscribe(TradePrinted, self._on_trade),
            bus.subscribe(OrderUpdated, self._on_order),
            bus.subscribe(OrderFilled, self._on_fill),
            bus.subscribe(TradingStateChanged, self._on_trading_state),
            bus.subscribe(ArmingChanged, self._on_arming),
        ]
        self.strategy._host = self
        self.since_ns = self.engine.clock.now_ns()
        self.state = StrategyState.RUNNING
        log.info(
            "strategy %s (%s) started on %s, %s", self.name, self._kind, self.symbol, account.name
        )
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
            log.info("strategy %s paused: %s", self.name, reason)

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
        log.info("strategy %s resumed", self.name)

    def stop(self, cancel_orders: bool | None = None, reason: str = "stopped by the user") -> None:
        """Stop for good: ``on_stop``, then unbind; its open orders are cancelled when
        ``cancel_orders`` (default: the host's ``cancel_on_stop``)."""
        if self.state in (StrategyState.STOPPED, StrategyState.FAILED, StrategyState.NEW):
            return
        if not self._call(self.strategy.on_stop):
            return  # on_stop itself raised: the strategy failed
        self._teardown(StrategyState.STOPPED, reason, cancel_orders)
        log.info("strategy %s stopped: %s", self.name, reason)

    def _fail(self, where: str, exc: BaseException) -> None:
        if self.state in (StrategyState.STOPPED, StrategyState.FAILED):
            return
        reason = f"{type(exc).__name__} in {where}: {exc}"
        log.error("strategy %s failed: %s", self.name, reason, exc_info=exc)
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
            for order in self.open_orders():
                if order.status is not OrderStatus.PENDING_CANCEL:
                    self._spawn(self._send(CancelOrder(order.client_id)))

    @property
    def _kind(self) -> str:
        return self.strategy.kind or type(self.strategy).__name__

    @property
    def running(self) -> bool:
        return self.state is StrategyState.RUNNING

    # --- market data: the only place that reads the engine's market caches -------------------

    @property
    def _venue(self) -> str:
        return self._account_state().spec.venue

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
        if event.symbol != self.symbol or self.state is not StrategyState.RUNNING:
            return
        venue = event.venue
        if venue != self._venue:
            return  # the same symbol on another venue
        lane = self.engine.state.lanes.get(venue)  # (the venue's books by symbol)
        book = None if lane is None else lane.books.get(self.symbol)
        if book is None:
            return
        self.callbacks += 1
        try:
            self.strategy.on_book(book)
        except Exception as exc:
            self._fail("on_book", exc)

    def _on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        if trade.symbol != self.symbol or self.state is not StrategyState.RUNNING:
            return
        if event.venue != self._venue:
            return
        closed = self._window.add(trade) if self._window is not None else None
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
        return [o for o in self._mine.values() if o.is_open and (side is None or o.side is side)]

    def candle_bars(self) -> Sequence[Candle]:
        if self._window is None:
            raise TradetermError(f"strategy {self.name} declares no timeframe: no candles")
        return self._window.closed

    def candle_frame(self) -> pd.DataFrame:
        if self._window is None:
            raise TradetermError(f"strategy {self.name} declares no timeframe: no candles")
        return self._window.frame()

    def _on_order(self, event: OrderUpdated) -> None:
        order = event.order
        if order.tag != self.name or order.account != self.account:
            return
        cid, status = order.client_id, order.status
        self._mine[cid] = order
        if status in _ACCEPTED and cid not in self._accepted:
            self._accepted.add(cid)
            self._call(self.strategy.on_order_accepted, order)
        elif status in _CANCELED:
            self._forget(cid)
            self._call(self.strategy.on_order_canceled, order)
        elif status in _REJECTED:
            self._forget(cid)
            self._call(self.strategy.on_order_rejected, order, order.reason)

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        order = self._mine.get(fill.client_id)
        if order is None:
            return
        if order.status.is_final:
            self._forget(fill.client_id)
        self._call(self.strategy.on_order_filled, order, fill)

    def _forget(self, client_id: str) -> None:
        self._mine.pop(client_id, None)
        self._accepted.discard(client_id)

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

    # --- commands -----------------------------------------------------------------------------

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
        command = PlaceOrder(
            self.symbol,
            side,
            type,
            qty=qty,
            quote_qty=quote_qty,
            price=price,
            stop_price=stop_price,
            tif=tif,
            post_only=post_only,
            reduce_only=reduce_only,
            account=self.account,
            tag=self.name,
        )
        self._submit(command, new_risk=True)

    def amend(self, order: Order, price: Decimal | None, qty: Decimal | None) -> None:
        self._submit(AmendOrder(order.client_id, price, qty), new_risk=True)

    def cancel(self, order: Order) -> None:
        self._submit(CancelOrder(order.client_id), new_risk=False)

    def _submit(self, command: Command, *, new_risk: bool) -> None:
        """Send ``command`` as a task; one that adds risk is refused (and reported) unless
        the strategy is running: paused by the user or by a HALTED account."""
        if new_risk and self.state is not StrategyState.RUNNING:
            reason = f"strategy {self.name} is {self.state.value}"
            self._call(
                self.strategy.on_command_refused,
                command,
                reason + (f" ({self.reason})" if self.reason else ""),
            )
            return
        self._spawn(self._send(command))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"strategy {self.name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, command: Command) -> None:
        self.in_flight += 1
        try:
            await self.engine.execute(command)
        except TradetermError as exc:
            self._refused(command, str(exc))
        except Exception as exc:  # never raised through the bus or the loop
            log.exception("strategy %s: %s failed", self.name, type(command).__name__)
            self._refused(command, f"{type(exc).__name__}: {exc}")
        finally:
            self.in_flight -= 1

    def _refused(self, command: Command, reason: str) -> None:
        if self.state in (StrategyState.RUNNING, StrategyState.PAUSED):
            self._call(self.strategy.on_command_refused, command, reason)

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

    def _call(self, callback: Callable[..., None], *args: Any) -> bool:
        """Run one callback; an exception fails the strategy instead of propagating (False)."""
        self.callbacks += 1
        try:
            callback(*args)
        except Exception as exc:
            self._fail(getattr(callback, "__name__", "a callback"), exc)
            return False
        return True
