"""The Engine: owns all trading state, applies venue events to it, then publishes them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    ClosePosition,
    Command,
    PlaceOrder,
    ResetAccount,
)
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    AccountSwitched,
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    FeedStateChanged,
    MarketEvent,
    MarketsLoaded,
    SymbolSelected,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec, AccountState
from tradeterm.engine.arming import Arming
from tradeterm.engine.bus import EventBus
from tradeterm.engine.clock import Clock
from tradeterm.engine.emulator import Emulator
from tradeterm.engine.execute import Result, execute
from tradeterm.engine.history import FillRow, ledger_rows, realized_rows
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.order_preview import amend_preview, preview
from tradeterm.engine.ports import ExecutionVenue, MarketFeed
from tradeterm.engine.restore import replay_ledger, resume_orders
from tradeterm.engine.risk import OrderPlan
from tradeterm.engine.risk_manager import RiskManager
from tradeterm.engine.state import FeedStatus, State
from tradeterm.engine.trading import Trading
from tradeterm.engine.venue_view import FeedSink, VenueView

log = logging.getLogger("tradeterm.engine")
STALE = FeedState.STALE  # (a module global reads faster than an enum member on 3.11)


class Engine:
    """The one owner of trading state.

    Venues call ``on_market`` / ``on_execution``; the engine updates ``state``
    first and publishes on ``bus`` after, so every subscriber sees the state an
    event describes. The UI and strategies read ``state`` and send commands.
    """

    def __init__(
        self,
        clock: Clock,
        feed: MarketFeed | Sequence[MarketFeed],
        accounts: Sequence[AccountSpec],
        venues: Mapping[str, ExecutionVenue] | None = None,
        *,
        ledger: Ledger | None = None,
        stale_after_s: float = 5.0,
        client_id_prefix: str | None = None,
    ) -> None:
        if not accounts:
            raise TradetermError("at least one account is needed")
        self.clock = clock
        feeds: list[MarketFeed] = list(feed) if isinstance(feed, list | tuple) else [feed]  # type: ignore[list-item]
        if not feeds or len({f.venue for f in feeds}) != len(feeds):
            raise TradetermError("one feed per venue, at least one")
        self.feeds: dict[str, MarketFeed] = {f.venue: f for f in feeds}
        self.feed = feeds[0]
        """The first feed: its first market is active at start."""
        self.bus = EventBus()
        self.state = State()
        self.venues: dict[str, ExecutionVenue] = dict(venues or {})
        self.stale_after_ns = int(stale_after_s * 1e9)
        for given in accounts:
            spec = given if given.venue else replace(given, venue=self.feed.venue)
            self.state.accounts[spec.name] = AccountState.from_spec(spec)
        self.state.active_account = accounts[0].name
        for name in self.feeds:
            self.state.feeds[name] = FeedStatus(name)
        self.appliers: dict[type, Callable[[Any], None]] = {
            BookChanged: self._on_book,
            TradePrinted: self._on_trade,
            TickerUpdated: self._on_ticker,
            CandleUpdated: self._on_candle,
            CandlesLoaded: self._on_candles,
            MarketsLoaded: self._on_markets,
            FeedStateChanged: self._on_feed_state,
        }
        """How each kind of market event is applied to ``state`` (before it is published)."""
        self.started = False
        self.trading = Trading(self, ledger, client_id_prefix)
        self.emulator = Emulator(self)
        self.arming = Arming(self)
        self.risk = RiskManager(self)
        for venue in self.venues.values():
            venue.bind(self.trading)

    def attach_venue(self, account: str, venue: ExecutionVenue) -> None:
        """Let ``account`` trade through ``venue`` (a paper venue reads this engine's books,
        so it is built after the engine and attached here)."""
        if account not in self.state.accounts:
            raise TradetermError(f"unknown account {account!r}")
        self.venues[account] = venue
        venue.bind(self.trading)

    # --- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Load the feed's markets, restore accounts from the ledger, resume open orders.

        Raises:
            VenueUnavailable: the feed could not load its markets.
            FatalError: the ledger cannot be read.
        """
        for name, source in self.feeds.items():
            self.load_markets(await source.load_markets(), name)
        restored = replay_ledger(self)
        if restored.records:
            log.info(
                "ledger: %d records, %d orders restored (%d open)%s",
                restored.records,
                restored.orders,
                restored.open_orders,
                f", {restored.skipped} skipped" if restored.skipped else "",
            )
        await resume_orders(self, restored)

    def load_markets(self, markets: Sequence[Market], venue: str | None = None) -> None:
        """Take a feed's markets (the first feed's when ``venue`` is None) and mark the
        engine started."""
        venue = self.feed.venue if venue is None else venue
        self.on_market(MarketsLoaded(venue, markets))
        self.started = True
        log.info("engine started: %d markets on %s", len(markets), venue)

    def sink(self, venue: str) -> FeedSink:
        """Where ``venue``'s feed sends its events: each is kept to that venue."""
        return FeedSink(self, venue)

    async def run_feed(self, venue: str | None = None) -> None:
        """Stream one feed (the first when ``venue`` is None) into the engine until
        cancelled (run each as a worker, so one failing feed leaves the others running)."""
        source = self.feed if venue is None else self.feeds[venue]
        await source.run(self.sink(source.venue))

    async def run_venues(self) -> None:
        """The venues' background work (paper latency timers) until cancelled (a worker of
        its own, so a failing feed and a failing venue never take each other down)."""
        await asyncio.gather(*(venue.run() for venue in self.venues.values()))

    async def watch_feed(self, interval_s: float = 1.0) -> None:
        """Mark the feed stale when no message arrived for ``stale_after_s``, checked every
        ``interval_s`` of the engine's clock, until cancelled (run as a worker)."""
        timer = self.clock.call_every(interval_s, self.check_stale)
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            timer.cancel()

    def check_stale(self) -> None:
        for feed in self.state.feeds.values():
            if feed.state is FeedState.CONNECTED and feed.last_message_ns:
                silent_ns = self.clock.now_ns() - feed.last_message_ns
                if silent_ns > self.stale_after_ns:
                    detail = f"no data for {silent_ns / 1e9:.0f}s"
                    self.on_market(FeedStateChanged(feed.venue, FeedState.STALE, detail))

    async def stop(self) -> None:
        """Stop cleanly: everything journaled is on disk and the ledger is closed."""
        self.arming.close()
        await self.trading.writer.drain()
        if self.trading.ledger is not None:
            self.trading.ledger.close()
        self.started = False
        log.info("engine stopped")

    # --- commands (see execute.py) -----------------------------------------------------

    async def execute(self, command: Command) -> Result:
        """Carry out a command: the one way in for everything that changes trading state.

        Returns the order placed (``PlaceOrder``), the pair (``PlaceOco``), how many
        orders were asked to cancel (``CancelAll``), else None, once the change is
        journaled and applied.

        Raises:
            OrderRejected: an order broke a rule (the message lists every one); nothing
                was sent, and the order is journaled DENIED.
            TradetermError: anything else that cannot be done as asked, in words a user
                can read (an unknown order, account or symbol, a live account's reset).
        """
        return await execute(self, command)

    async def place(self, cmd: PlaceOrder) -> Order:
        """``execute(cmd)``, typed: the order once acknowledged."""
        order = await self.execute(cmd)
        assert isinstance(order, Order)
        return order

    async def cancel(self, client_id: str) -> None:
        await self.execute(CancelOrder(client_id))

    async def cancel_all(self, pattern: str = "*", account: str | None = None) -> int:
        count = await self.execute(CancelAll(pattern, account))
        assert isinstance(count, int)
        return count

    async def amend(self, client_id: str, price: Decimal | None, qty: Decimal) -> None:
        await self.execute(AmendOrder(client_id, price, qty))

    async def reset_account(self, name: str | None = None) -> None:
        await self.execute(ResetAccount(name))

    def preview(self, cmd: PlaceOrder) -> OrderPlan:
        """What an order would do now and every rule it breaks (the ticket's live preview)."""
        return preview(self.trading, cmd)

    def amend_preview(self, client_id: str, price: Decimal | None, qty: Decimal) -> str:
        return amend_preview(self.trading, client_id, price, qty)

    async def close_position(self, command: ClosePosition) -> str:
        """Close one position (or all of the account's) at market, reduce-only, for what is
        held rounded down to the lot; returns what was done and what dust remains, in words.

        Raises:
            TradetermError: unknown account or symbol, or no position in the symbol.
            OrderRejected: the one closing order asked for was refused.
        """
        result = await self.execute(command)
        assert isinstance(result, str)
        return result

    def fill_history(self, account: str | None = None) -> list[FillRow]:
        """Every fill of the account with the PnL it realized: from the ledger when there
        is one (all of it, positions restarting after a reset), else what is in memory."""
        name = self.trading.account(account).name
        ledger = self.trading.ledger
        if ledger is not None:
            return ledger_rows(ledger.records(), name)
        return realized_rows(self.state.accounts[name].fills)

    # --- market data -------------------------------------------------------

    def on_market(self, event: MarketEvent) -> None:
        """Apply a market event to state, then publish it."""
        self.appliers[type(event)](event)
        self.bus.publish(event)

    def _revive(self, feed: FeedStatus) -> None:
        """A message arrived on a stale feed: it is connected again."""
        feed.state = FeedState.CONNECTED
        feed.detail = ""
        self.bus.publish(FeedStateChanged(feed.venue, FeedState.CONNECTED))

    def _on_markets(self, event: MarketsLoaded) -> None:
        self.state.add_markets(event.venue, tuple(event.markets))
        if not self.state.active.symbol and event.markets:
            self.state.active = Instrument(event.venue, event.markets[0].symbol)
            feed = self.feeds.get(event.venue)
            if feed is not None:
                feed.focus(self.state.active.symbol)

    def _on_book(self, event: BookChanged) -> None:
        # the hot path: the venue's lane finds the book by symbol, no Instrument to hash
        lane = self.state.lanes.get(event.venue)
        if lane is None:
            lane = self.state.lane(event.venue)
        book = lane.books.get(event.symbol)
        if book is None:
            book = self.state.book(Instrument.of(event.venue, event.symbol))
        if event.symbol in lane.kept:
            book.seq = event.seq  # the feed already wrote it (``FeedSink.keep_book``)
        elif event.snapshot:
            book.load(event.bids, event.asks, event.seq)
        else:
            book.apply(event.bids, event.asks)
            book.seq = event.seq
        book.ts_ns = event.ts_ns
        feed = lane.feed  # staleness is measured from arrival, not the exchange's stamp
        feed.last_message_ns = self.clock.now_ns()
        if feed.state is STALE:
            self._revive(feed)

    def _on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        lane = self.state.lanes.get(event.venue)
        if lane is None:
            lane = self.state.lane(event.venue)
        tape = lane.tapes.get(trade.symbol)
        if tape is None:
            tape = self.state.tape(Instrument.of(event.venue, trade.symbol))
        if tape and trade.ts_ns < tape[0].ts_ns:
            tape.clear()  # the market went back in time (a replay's jump): the tape restarts
        tape.appendleft(trade)
        feed = lane.feed  # staleness is measured from arrival, not the exchange's stamp
        feed.last_message_ns = self.clock.now_ns()
        if feed.state is STALE:
            self._revive(feed)

    def _on_ticker(self, event: TickerUpdated) -> None:
        self.state.tickers[event.instrument] = event.ticker

    def _on_candles(self, event: CandlesLoaded) -> None:
        series = self.state.candle_series(event.instrument)
        series.clear()
        series.extend(event.candles)
        self.state.lane(event.venue).newest.pop(event.symbol, None)

    def _on_candle(self, event: CandleUpdated) -> None:
        lane = self.state.lanes.get(event.venue)
        if lane is None:
            lane = self.state.lane(event.venue)
        candle = event.candle
        if lane.newest.get(event.symbol) is candle:
            return  # the feed updated its live candle in place (a replay, once per trade)
        lane.newest[event.symbol] = self.state.candle_series(event.instrument).put(candle)

    def _on_feed_state(self, event: FeedStateChanged) -> None:
        feed = self.state.feeds.get(event.venue)
        if feed is None:
            feed = self.state.feeds[event.venue] = FeedStatus(event.venue)
        feed.state, feed.detail = event.state, event.detail
        calm = (FeedState.CONNECTED, FeedState.CONNECTING)
        level = logging.INFO if event.state in calm else logging.WARNING
        log.log(
            level,
            "%s feed %s%s",
            event.venue,
            event.state.value,
            f": {event.detail}" if event.detail else "",
        )

    # --- read access for venues -------------------------------------------------

    def view(self, venue: str) -> VenueView:
        """``venue``'s markets, books and market events, for a venue that acts on them (the
        paper matching engine of an account on that venue)."""
        return VenueView(self, venue)

    def subscribe(self, event_type: type, handler: Callable[[Any], None]) -> Callable[[], None]:
        return self.bus.subscribe(event_type, handler)

    # --- selection ---------------------------------------------------------

    def select_symbol(self, text: str | Instrument) -> None:
        """Make an instrument active everywhere: an ``Instrument``, ``SYMBOL@VENUE``, or a
        bare symbol one venue lists. Raises TradetermError naming what is allowed."""
        inst = text if isinstance(text, Instrument) else self.state.resolve(text)
        if inst not in self.state.markets:
            raise TradetermError(f"unknown instrument {inst}")
        if inst != self.state.active:
            self.state.active = inst
            feed = self.feeds.get(inst.venue)
            if feed is not None:
                feed.focus(inst.symbol)
            self.bus.publish(SymbolSelected(inst))

    def switch_account(self, name: str) -> None:
        """Make ``name`` the active account. Raises TradetermError for an unknown account."""
        if name not in self.state.accounts:
            known = ", ".join(self.state.accounts)
            raise TradetermError(f"unknown account {name!r}; accounts are: {known}")
        if name != self.state.active_account:
            self.state.active_account = name
            log.info("switched to account %s", name)
            self.bus.publish(AccountSwitched(name))
