"""Per-symbol replay state for every format: the rebuilt book, sync status, counters, report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tradeterm.domain.book import BookSide, Level, OrderBook
from tradeterm.domain.book_kernel import parse
from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import BookChanged, FeedStateChanged, MarketEvent
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import dec
from tradeterm.venues.replay.files import Issue
from tradeterm.venues.replay.tape import Tape

log = logging.getLogger("tradeterm.venues.replay")

MAX_LISTED = 100
"""Gaps and mismatches listed one by one in a report; past this only the counts grow."""

QUOTES = (
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "GBP", "TRY", "BRL", "CHF",
    "JPY", "AUD", "CAD", "BTC", "XBT", "ETH", "BNB", "DAI",
)  # fmt: skip


def split_symbol(exchange_symbol: str) -> tuple[str, str]:
    """``"BTCUSDT"`` -> ``("BTC", "USDT")``; ``"XBT/CHF"`` -> ``("XBT", "CHF")``."""
    if "/" in exchange_symbol:
        base, _, quote = exchange_symbol.partition("/")
        return base, quote
    for quote in QUOTES:
        if exchange_symbol.endswith(quote) and len(exchange_symbol) > len(quote):
            return exchange_symbol[: -len(quote)], quote
    return exchange_symbol, ""


def unified_symbol(exchange: str, exchange_symbol: str) -> str:
    """The symbol the workstation shows: ``BASE/QUOTE``, ``BASE/QUOTE:QUOTE`` for USD-M."""
    base, quote = split_symbol(exchange_symbol)
    if not quote:
        return exchange_symbol
    if exchange == "binanceusdm":
        return f"{base}/{quote}:{quote}"
    return f"{base}/{quote}"


def text_of(value: Decimal) -> str:
    """A Decimal as plain digits, keeping its exponent: the exchange's string for it.

    ``Decimal("0.00000050")`` prints as ``5.0E-7`` with ``str``; ``format(_, "f")``
    gives back ``"0.00000050"``, which is what the exchange sent.
    """
    return format(value, "f")


class _Memo(dict[str, Decimal]):
    """A cache of parsed numbers: a hit is one C-level subscript, a miss parses once.

    Prices and sizes have a cache each. A miss parses a string in one Python call, as
    ``dec`` would (the same errors), and anything else goes through ``dec`` itself. The C
    parse (``book_kernel``) makes plain numbers itself, fresh, and asks only about other
    text; the Python loop (no C), and trade prices and sizes, go through the caches.
    """

    limit = 200_000

    def __missing__(self, text: str) -> Decimal:
        if type(text) is not str:
            return dec(text)  # (not what an exchange sends: parsed, never kept)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {text!r}") from None
        if not value.is_finite():
            raise ValueError(f"not a finite number: {text!r}")
        if len(self) >= self.limit:
            self.clear()
        self[text] = value
        return value


PRICES = _Memo()
"""Parsed prices by their text (level prices, trade prices)."""
SIZES = _Memo()
"""Parsed sizes by their text (level sizes, trade sizes)."""


def parse_levels(raw: list[list[str]]) -> list[Level]:
    """Binance levels ``[[price, qty], ...]`` as Decimal pairs (``book_kernel.parse``: fresh
    Decimals in C where built, else through the caches); a level that is not a pair
    raises ValueError.
    """
    return parse(raw, PRICES, SIZES)


def set_levels(side: BookSide, raw: list[list[str]]) -> None:
    """Apply Binance levels straight to a book side (one ``set_many`` call)."""
    if raw:
        side.set_many(parse(raw, PRICES, SIZES))


BookFor = Callable[[type["SymbolState"], str, str, int], "SymbolState"]
"""How a decoder gets a symbol's state: (state class, exchange, exchange symbol, receive ns)."""


class Context:
    """What every symbol of a session shares: where events go, the mode, names for positions.

    Attributes:
        emit: the sink's ``on_market`` while events are wanted, else None (verify,
            or a feed fast-playing to a seek target).
        keep_book: the engine sink's ``keep_book`` (a feed into an engine), else None:
            a symbol's rebuilt book then becomes the engine's book at its first event
            (``SymbolState.share``), so each update is applied to one book only.
        market_data: build trades, candles and tickers (a feed); verify leaves them out.
        scan: only look for symbols, snapshots and times (a feed's first pass).
    """

    __slots__ = (
        "emit",
        "issues",
        "keep_book",
        "market_data",
        "names",
        "resyncing",
        "scan",
        "venue",
    )

    def __init__(self, names: list[str], venue: str, *, market_data: bool, scan: bool) -> None:
        self.names = names
        self.venue = venue
        self.market_data = market_data
        self.scan = scan
        self.emit: Callable[[MarketEvent], None] | None = None
        self.keep_book: Callable[[str], OrderBook] | None = None
        self.resyncing: set[str] = set()
        self.issues: list[Issue] = []

    def where(self, src: int, line: int) -> str:
        return f"{self.names[src]}:{line}"


class SymbolState:
    """One symbol's rebuilt book and what happened to it; formats subclass it with their rules."""

    def __init__(self, ctx: Context, exchange: str, exchange_symbol: str) -> None:
        self.ctx = ctx
        self.exchange = exchange
        self.exchange_symbol = exchange_symbol
        self.symbol = unified_symbol(exchange, exchange_symbol)
        self.book = OrderBook(self.symbol)
        self.shared = False
        """True once ``book`` is the engine's book (``share``)."""
        self.synced = False
        self.messages = 0
        self.applied = 0
        self.snapshots = 0
        self.dropped = 0
        self.gap_count = 0
        self.gaps: list[dict[str, Any]] = []
        self.mismatch_count = 0
        self.mismatches: list[dict[str, Any]] = []
        self.trades = 0
        self.last_trade_id: int | None = None
        self.trade_id_gaps = 0
        self.first_ts = 0
        self.last_ts = 0
        self.first_levels: tuple[list[str], list[str]] | None = None
        self.has_book = False
        self.tape = Tape(self.symbol, ctx.venue) if ctx.market_data else None

    # --- sync --------------------------------------------------------------

    def lose_sync(self, kind: str, src: int, line: int, detail: str, entry: dict[str, Any]) -> None:
        """Report a gap or mismatch at file:line, stop applying updates until the next snapshot."""
        where = self.ctx.where(src, line)
        entry = {"position": where, **entry}
        if kind == "gap":
            self.gap_count += 1
            if len(self.gaps) < MAX_LISTED:
                self.gaps.append(entry)
        else:
            self.mismatch_count += 1
            if len(self.mismatches) < MAX_LISTED:
                self.mismatches.append(entry)
        self.synced = False
        message = (
            f"{self.symbol}: {'sequence gap' if kind == 'gap' else 'checksum mismatch'} at "
            f"{where} ({detail}); book unsynced until the next snapshot"
        )
        if self.gap_count + self.mismatch_count <= MAX_LISTED:
            self.ctx.issues.append(Issue(kind, where, message))
        log.warning("%s", message)
        self.ctx.resyncing.add(self.symbol)
        emit = self.ctx.emit
        if emit is not None:
            emit(
                FeedStateChanged(
                    self.ctx.venue,
                    FeedState.RECONNECTING,
                    f"{self.symbol}: {detail} at {where}; waiting for a snapshot",
                )
            )

    def regain_sync(self, src: int, line: int) -> None:
        """The book is whole again after a snapshot."""
        self.synced = True
        resyncing = self.ctx.resyncing
        if self.symbol in resyncing:
            resyncing.discard(self.symbol)
            where = self.ctx.where(src, line)
            log.info("%s: resynchronised from the snapshot at %s", self.symbol, where)
            emit = self.ctx.emit
            if emit is not None and not resyncing:
                emit(FeedStateChanged(self.ctx.venue, FeedState.CONNECTED, f"resynced at {where}"))

    def note_first_levels(self, bids: list[list[str]], asks: list[list[str]]) -> None:
        """Keep the first snapshot's price and size strings (markets infer tick and lot)."""
        if self.first_levels is None:
            prices = [x[0] for x in bids] + [x[0] for x in asks]
            sizes = [x[1] for x in bids] + [x[1] for x in asks]
            self.first_levels = (prices, sizes)

    # --- output ------------------------------------------------------------

    def share(self) -> None:
        """Before the first book event to an engine: the engine's book takes this one's levels
        and from then on is the book this state writes (the engine applies no update again).

        Called while events are wanted (``ctx.emit`` set); without ``ctx.keep_book`` (verify,
        a sink of another kind) the state keeps its own book.
        """
        keep = self.ctx.keep_book
        if keep is None or self.shared:
            return
        own, book = self.book, keep(self.symbol)
        book.load(own.bids.levels_best_first(), own.asks.levels_best_first(), own.seq)
        book.ts_ns = own.ts_ns
        self.book = book
        self.shared = True

    def emit_book(
        self, bids: list[Level], asks: list[Level], snapshot: bool, seq: int, ts: int
    ) -> None:
        """Send a book change the book already holds (sharing the book first, see ``share``)."""
        emit = self.ctx.emit
        if emit is not None:
            if not self.shared and self.ctx.keep_book is not None:
                self.share()
            emit(BookChanged(self.symbol, bids, asks, snapshot, seq, ts, self.ctx.venue))

    def count_trade_id(self, trade_id: int) -> None:
        last = self.last_trade_id
        if last is not None and trade_id != last + 1:
            self.trade_id_gaps += 1
        self.last_trade_id = trade_id
        self.trades += 1

    def add_trade(self, trade: Trade) -> None:
        if self.tape is not None:
            self.tape.add(trade, self.ctx.emit)

    # --- report ------------------------------------------------------------

    def top_strings(self, n: int = 10) -> dict[str, list[list[str]]]:
        """The best ``n`` levels per side as ``[[price, qty], ...]``, as the exchange wrote them."""
        return {
            "bids": [[text_of(p), text_of(q)] for p, q in self.book.bids.top(n)],
            "asks": [[text_of(p), text_of(q)] for p, q in self.book.asks.top(n)],
        }

    def report(self) -> dict[str, Any]:
        """This symbol's verification result, JSON-able."""
        return {
            "symbol": self.symbol,
            "exchange": self.exchange,
            "exchange_symbol": self.exchange_symbol,
            "messages": self.messages,
            "updates_applied": self.applied,
            "snapshots": self.snapshots,
            "dropped_before_snapshot": self.dropped,
            "synced": self.synced,
            "gap_count": self.gap_count,
            "gaps": self.gaps,
            "mismatch_count": self.mismatch_count,
            "mismatches": self.mismatches,
            "final_seq": self.book.seq,
            "final_levels": {"bids": len(self.book.bids), "asks": len(self.book.asks)},
            "final_top10": self.top_strings(),
            "trades": self.trades,
            "last_trade_id": self.last_trade_id,
            "trade_id_gaps": self.trade_id_gaps,
            "first_ts_ns": self.first_ts,
            "last_ts_ns": self.last_ts,
            "note": self.note(),
        }

    def note(self) -> str:
        """Why a book is not synchronised at the end, in words; empty when it is fine."""
        if not self.has_book or self.synced:
            return ""
        if not self.snapshots:
            return (
                "no snapshot in these files, so the book was never built (a file that "
                "continues another must be replayed after it)"
            )
        where = self.gaps[-1]["position"] if self.gaps else ""
        where = where or (self.mismatches[-1]["position"] if self.mismatches else "")
        return f"lost sync at {where or 'the start'} and no later snapshot came"

    @property
    def problems(self) -> int:
        """Gaps, mismatches, and a book that never synchronised (or lost sync for good)."""
        return (
            self.gap_count + self.mismatch_count + (1 if self.has_book and not self.synced else 0)
        )
