"""The risk manager: per-account limits applied to every order, and the trading states they set.

One manager per engine, for manual orders and strategies alike. ``vetoes`` is read by
the order preview, so a refusal reaches the ticket, the command line and a strategy
through the normal refusal path (``OrderRejected`` with the rule and its numbers).
``enforce`` runs before each order and after each fill: a daily loss at its limit
turns the account REDUCING until the next 00:00 UTC of the engine clock, a drawdown
at its limit HALTS it until the user resumes. States change only through
``SetTradingState`` on the engine, so they are journaled.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeterm.domain.commands import PlaceOrder, SetTradingState
from tradeterm.domain.enums import TradingState
from tradeterm.domain.events import OrderFilled, TradingStateChanged
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.numbers import ZERO
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.risk import OrderPlan
from tradeterm.engine.risk_checks import RATE_RULE, RiskCheck, order_checks
from tradeterm.engine.risk_rules import (
    NS,
    RATE_WINDOW_NS,
    RiskLimits,
    RiskSnapshot,
    drawdown_breach,
    loss_breach,
    vetoes,
)

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.risk")

DAY_NS = 86_400 * NS
RISK = "risk: "
"""How the reasons of the states this manager sets begin."""


@dataclass(slots=True)
class _Book:
    """What the manager tracks for one account."""

    day: int = -1
    day_start: Decimal | None = None
    peak: Decimal | None = None
    last_fill_ns: dict[str, int] = field(default_factory=dict)
    orders_ns: deque[int] = field(default_factory=deque)
    reduced_day: int = -1
    """The UTC day (days since the epoch) the daily loss limit turned the account REDUCING."""


class RiskManager:
    """Applies each account's ``RiskLimits`` (set with ``set_limits``, or from its spec)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.limits: dict[str, RiskLimits] = {
            name: account.spec.risk
            for name, account in engine.state.accounts.items()
            if account.spec.risk.any
        }
        self._books: dict[str, _Book] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        engine.bus.subscribe(OrderFilled, self._on_fill)
        engine.bus.subscribe(TradingStateChanged, self._on_state)
        engine.trading.on_acknowledged.append(self._on_order)

    def set_limits(self, account: str, limits: RiskLimits) -> None:
        self.limits[account] = limits

    def _book(self, account: str) -> _Book:
        book = self._books.get(account)
        if book is None:
            book = self._books[account] = _Book()
        return book

    # --- valuing ------------------------------------------------------------------

    def equity(self, account: AccountState, quote: str) -> Decimal | None:
        """What ``account`` holds, valued in ``quote`` at the books' mids (else the last
        print); None when some asset held has no price in ``quote`` on its venue."""
        total = ZERO
        for asset, balance in account.balances.items():
            if balance.total == 0:
                continue
            if asset == quote:
                total += balance.total
                continue
            inst = Instrument(account.spec.venue, f"{asset}/{quote}")
            book = self.engine.state.books.get(inst)
            price = book.mid() if book is not None else None
            if price is None:
                price = self.engine.trading.last_price(inst)
            if price is None:
                return None
            total += balance.total * price
        return total

    def snapshot(self, account: AccountState, limits: RiskLimits) -> RiskSnapshot:
        """The account's figures now; rolls the UTC day and raises the equity peak."""
        now = self.engine.clock.now_ns()
        book = self._book(account.name)
        equity = None
        if limits.daily_loss is not None or limits.max_drawdown_pct is not None:
            equity = self.equity(account, limits.quote)
        if equity is not None:
            if now // DAY_NS != book.day or book.day_start is None:
                book.day, book.day_start = now // DAY_NS, equity
            if book.peak is None or equity > book.peak:
                book.peak = equity
        while book.orders_ns and now - book.orders_ns[0] >= RATE_WINDOW_NS:
            book.orders_ns.popleft()
        return RiskSnapshot(
            now_ns=now,
            positions={s: p.qty for s, p in account.positions.items()},
            last_fill_ns=dict(book.last_fill_ns),
            recent_orders_ns=tuple(book.orders_ns),
            equity=equity,
            day_start_equity=book.day_start,
            peak_equity=book.peak,
        )

    # --- checking -------------------------------------------------------------------

    def checks(self, cmd: PlaceOrder, account: AccountState, plan: OrderPlan) -> list[RiskCheck]:
        """The per-order rules the account sets, with this order's numbers (the ticket shows
        them before sending; see ``engine.risk_checks``)."""
        limits = self.limits.get(account.name)
        if limits is None or plan.market is None:
            return []
        price = cmd.price if cmd.price is not None else plan.avg_price or plan.mid
        market, snap = plan.market, self.snapshot(account, limits)
        return order_checks(cmd, plan.qty, price, plan.mid, market.quote, market.base, limits, snap)

    def vetoes(
        self, cmd: PlaceOrder, account: AccountState, plan: OrderPlan, *, log_them: bool = False
    ) -> list[str]:
        """Every risk rule ``cmd`` breaks on ``account``, in words (empty: it may pass); the
        per-order checks with their numbers go to ``plan.risk_checks``. ``log_them`` logs
        each refusal (when the order is placed, not on every preview)."""
        limits = self.limits.get(account.name)
        if limits is None:
            return []
        qty = plan.qty
        found = vetoes(cmd, qty, limits, self.snapshot(account, limits))
        plan.risk_checks = self.checks(cmd, account, plan)
        found += [c.refusal for c in plan.risk_checks if c.refuses and c.rule != RATE_RULE]
        for problem in found if log_them else ():
            log.warning(
                "risk veto: %s %s %s %s%s: %s",
                account.name,
                cmd.side.value,
                qty,
                cmd.symbol,
                f" ({cmd.tag})" if cmd.tag else "",
                problem,
            )
        return found

    async def enforce(self, account: AccountState) -> None:
        """Set the trading state the account's losses call for (journaled, via the engine)."""
        limits = self.limits.get(account.name)
        if limits is None:
            return
        snap = self.snapshot(account, limits)
        if (breach := drawdown_breach(limits, snap)) is not None:
            if account.trading_state is not TradingState.HALTED:
                await self._set(account, TradingState.HALTED, breach)
            return
        today = snap.now_ns // DAY_NS
        book = self._book(account.name)
        ours = account.state_reason.startswith(RISK + "daily loss")
        if account.trading_state is TradingState.REDUCING and ours:
            if book.reduced_day < 0:  # restored from the journal: for the rest of today
                book.reduced_day = today
                self._wake_at_midnight(account)
            elif today != book.reduced_day:
                await self._set(account, TradingState.ACTIVE, "a new UTC day began")
            return
        breach = loss_breach(limits, snap)
        if breach is not None and account.trading_state is TradingState.ACTIVE:
            book.reduced_day = today
            await self._set(account, TradingState.REDUCING, breach)
            self._wake_at_midnight(account)

    async def _set(self, account: AccountState, state: TradingState, why: str) -> None:
        reason = why if why.startswith(RISK) else RISK + why
        await self.engine.execute(SetTradingState(state, account.name, reason))

    def _wake_at_midnight(self, account: AccountState) -> None:
        """At the next 00:00 UTC of the engine clock the day's loss starts from zero."""
        now = self.engine.clock.now_ns()
        midnight = (now // DAY_NS + 1) * DAY_NS
        self.engine.clock.call_at(midnight, lambda: self._spawn(self.enforce(account)))

    async def settle(self) -> None:
        """Wait until every state change the manager started (after a fill, at midnight)
        is journaled and applied."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks))

    # --- what happened ----------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop (a synchronous test): nothing can be journaled
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_order(self, order: Order) -> None:
        if order.account in self.limits:
            self._book(order.account).orders_ns.append(self.engine.clock.now_ns())

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        account = self.engine.state.accounts.get(fill.account)
        if account is None or fill.account not in self.limits:
            return
        self._book(fill.account).last_fill_ns[fill.symbol] = self.engine.clock.now_ns()
        self._spawn(self.enforce(account))

    def _on_state(self, event: TradingStateChanged) -> None:
        """A user's resume starts the account's drawdown and day's loss from equity now."""
        if event.state is TradingState.ACTIVE and not event.reason.startswith(RISK):
            book = self._book(event.account)
            book.peak = None
            book.day, book.day_start = -1, None
