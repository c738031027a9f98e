"""Binance books rebuilt from captured diff streams by the update-id rules, bookTicker-checked.

Spot: events with ``u <= lastUpdateId`` are dropped, the first kept one must have
``U <= lastUpdateId + 1 <= u``, then every event must have ``U == previous u + 1``.
USD-M futures: drop ``u < lastUpdateId``, the first kept one has
``U <= lastUpdateId <= u``, then every event has ``pu == previous u``.
Events that arrive before the snapshot are buffered and judged when it comes, as
Binance's own procedure says. On a gap the book is marked unsynced and updates are
buffered until the next REST snapshot in the capture.

Only what is needed is decoded: bookTicker and trade messages are read with string
slicing when their prices are not wanted (a message takes that path only when it
ends in its closing braces, so a line cut short is still caught and reported), and
buffered events stay text until they are judged. Where the C decoder is built
(``tradeterm.venues.wire``) a depth update is read by ``wire.depth`` straight into
Decimal levels, and hftbacktest lines come pre-read (a bookTicker's ``u``, a trade's
fields): every handler takes that ``value`` (None when there is none) and the message
text, and a message the C decoder does not read takes the orjson path, as before.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.book import Level
from tradeterm.domain.enums import Side
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import dec_cached
from tradeterm.venues import wire
from tradeterm.venues.replay.files import Issue
from tradeterm.venues.replay.state import (
    MAX_LISTED,
    PRICES,
    SIZES,
    Context,
    SymbolState,
    parse_levels,
    set_levels,
)

log = logging.getLogger("tradeterm.venues.replay")

loads = orjson.loads
depth = wire.c_depth
"""The C depth decoder; without it the orjson path."""

BUFFER_LIMIT = 20_000
"""Diff events kept while waiting for a snapshot; older ones are counted as dropped."""
PENDING_LIMIT = 10_000

WAITING, BRIDGING, SYNCED = 0, 1, 2

DepthUpdate = wire.DepthUpdate


def _int_after(body: str, key: str) -> int | None:
    """The integer value of ``key`` (e.g. ``'"u":'``) in compact JSON, without decoding it all."""
    start = body.find(key)
    if start < 0:
        return None
    start += len(key)
    end = body.find(",", start)
    try:
        return int(body[start:end] if end > 0 else body[start:].rstrip("}\n "))
    except ValueError:
        return None


class BinanceBook(SymbolState):
    """One Binance symbol: the book, its update-id state machine, trades and cross-checks."""

    def __init__(self, ctx: Context, exchange: str, exchange_symbol: str) -> None:
        super().__init__(ctx, exchange, exchange_symbol)
        self.futures = exchange == "binanceusdm"
        self.phase = WAITING
        self.last_u = 0
        self.buffer: deque[tuple[int, int, str]] = deque(maxlen=BUFFER_LIMIT)
        self.pending_bt: deque[tuple[int, int, int, str]] = deque(maxlen=PENDING_LIMIT)
        self.snapshot_ids: list[int] = []
        self.first_applied: dict[str, int] | None = None
        self.bt_checked = 0
        self.bt_matching = 0
        self.bt_mismatches: list[dict[str, Any]] = []

    # --- depth -------------------------------------------------------------

    def on_depth(self, ts: int, src: int, line: int, value: object, body: str) -> None:
        self.messages += 1
        self.last_ts = ts
        self.has_book = True
        if self.phase == SYNCED:
            update = None if depth is None else depth(body)
            if update is None or (self.futures and update[2] is None):
                self._next(ts, src, line, loads(body)["data"])
            else:
                self._next_read(ts, src, line, update, body)
        elif self.ctx.scan:
            return
        elif self.phase == BRIDGING:
            self._bridge(ts, src, line, loads(body)["data"])
        else:
            buffer = self.buffer
            if len(buffer) == BUFFER_LIMIT:
                self.dropped += 1
            buffer.append((src, line, body))

    def _next(self, ts: int, src: int, line: int, data: dict[str, Any]) -> None:
        """An event while synced: apply it when it continues the sequence, else report a gap."""
        u = data["u"]
        if self.futures:
            if data["pu"] == self.last_u:
                self._apply(ts, data, u)
                return
            if u < self.last_u:
                return
            detail = f"pu={data['pu']} but the previous u was {self.last_u}"
            entry = {"expected_pu": self.last_u, "got_pu": data["pu"], "U": data["U"], "u": u}
        else:
            first = data["U"]
            if first == self.last_u + 1:
                self._apply(ts, data, u)
                return
            if u <= self.last_u:
                return
            detail = f"U={first} but the previous u was {self.last_u}"
            entry = {"expected_U": self.last_u + 1, "got_U": first, "u": u}
        self.phase = WAITING
        self.lose_sync("gap", src, line, detail, entry)
        self.buffer.append((src, line, json.dumps({"data": data})))

    def _next_read(self, ts: int, src: int, line: int, update: DepthUpdate, body: str) -> None:
        """``_next`` for an update the C decoder read (levels already Decimal pairs)."""
        first, u, pu, _, _, bids, asks = update
        last = self.last_u
        if (pu == last) if self.futures else (first == last + 1):
            self._apply_levels(ts, bids, asks, u)
            return
        if u < last if self.futures else u <= last:
            return
        self._next(ts, src, line, loads(body)["data"])  # a gap: reported from the message

    def _bridge(self, ts: int, src: int, line: int, data: dict[str, Any]) -> None:
        """The first events after a snapshot: drop the old ones, apply the one that spans it."""
        first, u, snap = data["U"], data["u"], self.last_u
        if (u < snap) if self.futures else (u <= snap):
            self.dropped += 1
            return
        fits = (first <= snap <= u) if self.futures else (first <= snap + 1 <= u)
        if fits:
            self.phase = SYNCED
            if self.first_applied is None:
                self.first_applied = {"U": first, "u": u}
            self._apply(ts, data, u)
            self.regain_sync(src, line)
            return
        self.phase = WAITING
        self.lose_sync(
            "gap",
            src,
            line,
            f"the first update after snapshot {snap} starts at U={first}",
            {"expected_U_at_most": snap + (0 if self.futures else 1), "got_U": first, "u": u},
        )
        self.buffer.append((src, line, json.dumps({"data": data})))

    def _apply(self, ts: int, data: dict[str, Any], u: int) -> None:
        book = self.book
        if self.ctx.emit is None:
            set_levels(book.bids, data["b"])
            set_levels(book.asks, data["a"])
            book.version += 1
            self._applied(u)
        else:
            self._apply_levels(ts, parse_levels(data["b"]), parse_levels(data["a"]), u)

    def _apply_levels(self, ts: int, bids: list[Level], asks: list[Level], u: int) -> None:
        book = self.book
        book.apply(bids, asks)
        self.emit_book(bids, asks, False, u, ts)
        self._applied(u)

    def _applied(self, u: int) -> None:
        """After an update: the new id, and the bookTicker waiting for it checked."""
        self.book.seq = self.last_u = u
        self.applied += 1
        pending = self.pending_bt
        while pending and pending[0][0] < u:
            pending.popleft()
        if pending and pending[0][0] == u:
            _, bsrc, bline, body = pending.popleft()
            self._check_ticker(bsrc, bline, body)

    def on_snapshot(self, ts: int, src: int, line: int, snap: dict[str, Any]) -> None:
        """A REST depth snapshot: load it, then judge the buffered events against it."""
        self.messages += 1
        self.last_ts = ts
        self.has_book = True
        self.snapshots += 1
        snap_id = int(snap["lastUpdateId"])
        self.snapshot_ids.append(snap_id)
        self.note_first_levels(snap["bids"], snap["asks"])
        if self.ctx.scan or (self.phase == SYNCED and snap_id <= self.last_u):
            return  # the book is already past this snapshot
        bids, asks = parse_levels(snap["bids"]), parse_levels(snap["asks"])
        self.book.load(bids, asks, snap_id)
        self.emit_book(bids, asks, True, snap_id, ts)
        self.last_u = snap_id
        self.phase = BRIDGING
        self.synced = False
        buffered, self.buffer = self.buffer, deque(maxlen=BUFFER_LIMIT)
        for bsrc, bline, body in buffered:
            data = loads(body)["data"]
            if self.phase == SYNCED:
                self._next(ts, bsrc, bline, data)
            elif self.phase == BRIDGING:
                self._bridge(ts, bsrc, bline, data)
            else:
                self.buffer.append((bsrc, bline, body))

    # --- bookTicker cross-check -------------------------------------------

    def on_book_ticker(self, ts: int, src: int, line: int, u: int | None, body: str) -> None:
        self.messages += 1
        self.last_ts = ts
        if u is None:
            start = body.find('"u":') + 4  # u by slicing: most bookTickers are never compared
            try:
                u = int(body[start : body.find(",", start)])
            except ValueError:
                u = int(loads(body)["data"]["u"])
        last = self.last_u
        if u > last:
            self.pending_bt.append((u, src, line, body))
        elif u == last and self.phase == SYNCED:
            self._check_ticker(src, line, body)

    def _check_ticker(self, src: int, line: int, body: str) -> None:
        """Compare a bookTicker with the rebuilt top at the same update id."""
        data = loads(body)["data"]
        self.bt_checked += 1
        bid, ask = self.book.bids.best_level(), self.book.asks.best_level()
        want_bid = (dec_cached(data["b"]), dec_cached(data["B"]))
        want_ask = (dec_cached(data["a"]), dec_cached(data["A"]))
        if bid == want_bid and ask == want_ask:
            self.bt_matching += 1
            return
        self.mismatch_count += 1
        where = self.ctx.where(src, line)
        if len(self.bt_mismatches) < 100:
            self.bt_mismatches.append(
                {
                    "position": where,
                    "u": data["u"],
                    "bookTicker": [data["b"], data["B"], data["a"], data["A"]],
                    "book": [str(x) for level in (bid, ask) if level for x in level],
                }
            )
        message = f"{self.symbol}: bookTicker at {where} disagrees with the rebuilt book"
        if self.gap_count + self.mismatch_count <= MAX_LISTED:
            self.ctx.issues.append(Issue("book_ticker_mismatch", where, message))
        log.warning("%s", message)

    # --- trades ------------------------------------------------------------

    def on_trade_id(self, ts: int, src: int, line: int, fields: Any, body: str) -> None:
        """A trade when only its id matters (verify): the id is sliced out, prices stay text."""
        self.messages += 1
        self.last_ts = ts
        trade_id = _int_after(body, '"t":') if fields is None else fields[0]
        self.count_trade_id(int(loads(body)["data"]["t"]) if trade_id is None else trade_id)

    def on_agg_trade_id(self, ts: int, src: int, line: int, value: object, body: str) -> None:
        self.messages += 1
        self.last_ts = ts
        trade_id = _int_after(body, '"a":')
        self.count_trade_id(int(loads(body)["data"]["a"]) if trade_id is None else trade_id)

    def on_trade(self, ts: int, src: int, line: int, fields: Any, body: str) -> None:
        if fields is None:
            self._trade(ts, loads(body)["data"], "t")
            return
        self.messages += 1
        self.last_ts = ts
        trade_id, price, qty, when, maker = fields
        self.count_trade_id(trade_id)
        self._print(trade_id, maker, PRICES[price], SIZES[qty], when)

    def on_agg_trade(self, ts: int, src: int, line: int, value: object, body: str) -> None:
        self._trade(ts, loads(body)["data"], "a")

    def _trade(self, ts: int, data: dict[str, Any], field: str) -> None:
        self.messages += 1
        self.last_ts = ts
        trade_id = int(data[field])
        self.count_trade_id(trade_id)
        self._print(trade_id, data["m"], PRICES[data["p"]], SIZES[data["q"]], data["T"])

    def _print(self, trade_id: int, maker: object, price: Decimal, qty: Decimal, ms: int) -> None:
        """A counted trade onto the tape (prices and sizes as ``dec_cached`` parses them)."""
        side = Side.SELL if maker else Side.BUY  # buyer is maker: the seller hit the bid
        trade = Trade(self.symbol, price, qty, side, ms * 1_000_000, str(trade_id))
        tape = self.tape
        if tape is not None:
            tape.add(trade, self.ctx.emit)

    def on_other(self, ts: int, src: int, line: int, value: object, body: str) -> None:
        """A stream the replay does not use (klines, partial depth): counted, not applied."""
        self.messages += 1
        self.last_ts = ts

    # --- report ------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        out = super().report()
        out["snapshot_ids"] = self.snapshot_ids
        out["first_applied"] = self.first_applied
        out["unapplied_buffered"] = len(self.buffer)
        out["book_ticker"] = {
            "checked": self.bt_checked,
            "matching": self.bt_matching,
            "mismatching": self.bt_checked - self.bt_matching,
            "mismatches": self.bt_mismatches,
        }
        return out
