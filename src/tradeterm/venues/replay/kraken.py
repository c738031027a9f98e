"""Kraken v1 books rebuilt from captured book channels and checked against Kraken's CRC32 checksums.

Rules (https://docs.kraken.com/api/docs/guides/spot-ws-book-v1): apply every level
of an update in array order (volume 0 deletes; a level flagged ``"r"`` is a
republish and is applied the same way), truncate each side to the subscribed
depth (Kraken sends no deletes for levels that fall out of range), then CRC32 the
top 10 asks (low to high) followed by the top 10 bids (high to low), each price
and volume taken as the string received with ``.`` removed and leading zeros
stripped, and compare with ``"c"``. The received strings are kept beside each
level, so the checksum never depends on how a Decimal prints. On a mismatch the
pair is unsynced until its next snapshot message.

Trade and ticker channels are read too (tapes, and tickers as Kraken sent them).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradeterm.domain.book import BookSide, Level
from tradeterm.domain.enums import Side
from tradeterm.domain.events import TickerUpdated
from tradeterm.domain.market_data import Ticker, Trade
from tradeterm.domain.numbers import ZERO, dec_cached
from tradeterm.venues.replay.files import seconds_to_ns
from tradeterm.venues.replay.state import BookFor, Context, SymbolState

loads = json.loads

Texts = dict[Decimal, tuple[str, str]]


def checksum_token(text: str) -> str:
    """A price or volume as it enters Kraken's checksum: no ``.``, no leading zeros."""
    return text.replace(".", "").lstrip("0")


def kraken_checksum(asks: Sequence[Sequence[str]], bids: Sequence[Sequence[str]]) -> int:
    """CRC32 of the top 10 asks (low to high) then top 10 bids (high to low), as Kraken does."""
    parts = [checksum_token(x) for level in asks[:10] for x in level[:2]]
    parts += [checksum_token(x) for level in bids[:10] for x in level[:2]]
    return zlib.crc32("".join(parts).encode("ascii"))


class KrakenBook(SymbolState):
    """One Kraken pair: the book with the received strings per level, and checksum results."""

    def __init__(self, ctx: Context, exchange: str, exchange_symbol: str) -> None:
        super().__init__(ctx, exchange, exchange_symbol)
        self.depth = 10
        self.bid_texts: Texts = {}
        self.ask_texts: Texts = {}
        self.updates = 0
        self.checksum_ok = 0
        self.last_checksum: int | None = None

    def on_snapshot(self, ts: int, src: int, line: int, part: dict[str, Any]) -> None:
        self.snapshots += 1
        raw_bids, raw_asks = part.get("bs", []), part.get("as", [])
        self.note_first_levels(raw_bids, raw_asks)
        if self.ctx.scan:
            return
        self.bid_texts = {dec_cached(x[0]): (x[0], x[1]) for x in raw_bids if dec_cached(x[1])}
        self.ask_texts = {dec_cached(x[0]): (x[0], x[1]) for x in raw_asks if dec_cached(x[1])}
        bids = [(p, dec_cached(t[1])) for p, t in self.bid_texts.items()]
        asks = [(p, dec_cached(t[1])) for p, t in self.ask_texts.items()]
        self.book.load(bids, asks)
        self.book.bids.truncate(self.depth)
        self.book.asks.truncate(self.depth)
        self._prune(self.bid_texts, self.book.bids)
        self._prune(self.ask_texts, self.book.asks)
        self.emit_book(bids, asks, True, 0, ts)
        self.regain_sync(src, line)

    @staticmethod
    def _prune(texts: Texts, side: BookSide) -> None:
        if len(texts) != len(side):
            for price in [p for p in texts if p not in side]:
                del texts[price]

    def on_update(self, ts: int, src: int, line: int, parts: list[dict[str, Any]]) -> None:
        self.updates += 1
        if not self.synced or self.ctx.scan:
            self.dropped += 1
            return
        bids: list[Level] = []
        asks: list[Level] = []
        expected: str | None = None
        for part in parts:
            for key, levels in part.items():
                if key == "a":
                    self._set(self.book.asks, self.ask_texts, levels, asks)
                elif key == "b":
                    self._set(self.book.bids, self.bid_texts, levels, bids)
                elif key == "c":
                    expected = levels
        self._truncate(self.book.bids, self.bid_texts, bids)
        self._truncate(self.book.asks, self.ask_texts, asks)
        self.applied += 1
        self.book.version += 1
        self.emit_book(bids, asks, False, 0, ts)
        if expected is None:
            return
        computed = self.checksum()
        self.last_checksum = computed
        if str(computed) == expected:
            self.checksum_ok += 1
            return
        self.lose_sync(
            "mismatch",
            src,
            line,
            f"checksum {computed} but Kraken sent {expected}",
            {"expected": int(expected), "computed": computed},
        )

    @staticmethod
    def _set(side: BookSide, texts: Texts, levels: list[list[str]], out: list[Level]) -> None:
        for level in levels:
            price_text, qty_text = level[0], level[1]
            price, qty = dec_cached(price_text), dec_cached(qty_text)
            side.set(price, qty)
            if qty:
                texts[price] = (price_text, qty_text)
            else:
                texts.pop(price, None)
            out.append((price, qty))

    def _truncate(self, side: BookSide, texts: Texts, out: list[Level]) -> None:
        extra = len(side) - self.depth
        if extra <= 0:
            return
        for price, _ in side.top(len(side))[self.depth :]:
            texts.pop(price, None)
            out.append((price, ZERO))
        side.truncate(self.depth)

    def checksum(self) -> int:
        asks, bids = self.ask_texts, self.bid_texts
        return kraken_checksum(
            [asks[p] for p, _ in self.book.asks.top(10)],
            [bids[p] for p, _ in self.book.bids.top(10)],
        )

    def on_trades(self, rows: list[list[str]]) -> None:
        for row in rows:
            self.trades += 1
            if self.tape is not None:
                side = Side.BUY if row[3] == "b" else Side.SELL
                trade = Trade(
                    self.symbol,
                    dec_cached(row[0]),
                    dec_cached(row[1]),
                    side,
                    seconds_to_ns(row[2]),
                )
                self.add_trade(trade)

    def on_ticker(self, ts: int, data: dict[str, Any]) -> None:
        """Kraken's own ticker: last, best bid/ask and its rolling 24h statistics."""
        tape = self.tape
        if tape is None:
            return
        tape.exchange_ticker = True
        volume = Decimal(data["v"][1])
        ticker = Ticker(
            self.symbol,
            Decimal(data["c"][0]),
            Decimal(data["b"][0]),
            Decimal(data["a"][0]),
            Decimal(data["o"][1]),
            Decimal(data["h"][1]),
            Decimal(data["l"][1]),
            volume,
            Decimal(data["p"][1]) * volume,
            ts,
        )
        emit = self.ctx.emit
        if emit is not None:
            emit(TickerUpdated(ticker))

    def top_strings(self, n: int = 10) -> dict[str, list[list[str]]]:
        bids, asks = self.bid_texts, self.ask_texts
        return {
            "bids": [list(bids[p]) for p, _ in self.book.bids.top(n)],
            "asks": [list(asks[p]) for p, _ in self.book.asks.top(n)],
        }

    def report(self) -> dict[str, Any]:
        out = super().report()
        out["subscribed_depth"] = self.depth
        out["updates"] = self.updates
        out["checksum_ok"] = self.checksum_ok
        out["final_checksum"] = self.last_checksum
        return out


class KrakenDecoder:
    """Routes one Kraken v1 websocket capture's messages (book, trade, ticker) to pairs."""

    def __init__(self, ctx: Context, book_for: BookFor) -> None:
        self.ctx = ctx
        self.book_for = book_for
        self.channels: dict[int, str] = {}
        self.other = 0

    def handle_http(self, ts: int, src: int, line: int, body: tuple[str, str]) -> None:
        """A REST answer in the capture (cryptofeed writes the pair list it asked for):
        counted, not applied. Kraken v1 books start from the websocket's own snapshots,
        which the checksums are computed against."""
        self.other += 1

    def handle(self, ts: int, src: int, line: int, body: str) -> None:
        msg = loads(body)
        if isinstance(msg, dict):
            if msg.get("event") == "subscriptionStatus" and "channelID" in msg:
                self.channels[int(msg["channelID"])] = str(msg["pair"])
            self.other += 1
            return
        channel, pair = msg[-2], msg[-1]
        if not isinstance(pair, str):
            pair = self.channels[int(msg[0])]
        state = self.book_for(KrakenBook, "kraken", pair, ts)
        assert isinstance(state, KrakenBook)
        state.messages += 1
        state.last_ts = ts
        if channel.startswith("book"):
            state.has_book = True
            parts = msg[1:-2]
            if "as" in parts[0] or "bs" in parts[0]:
                state.depth = int(channel.rpartition("-")[2]) if "-" in channel else 10
                state.on_snapshot(ts, src, line, parts[0])
            else:
                state.on_update(ts, src, line, parts)
        elif channel == "trade":
            if not self.ctx.scan:
                state.on_trades(msg[1])
        elif channel == "ticker" and not self.ctx.scan:
            state.on_ticker(ts, msg[1])
