"""The tradeterm recording format (version 1): encoding and decoding of records, and a reader.

A recording is newline-delimited JSON in one gzip stream, one file per session.
The first line is a header::

    {"format": "tradeterm-recording", "version": 1, "venue": "sim",
     "symbols": ["BTC/USDT", ...], "started_ns": 1767225600000000000,
     "tradeterm": "0.1.0", "markets": [{...Market fields...}, ...]}

Every other line is one record. Each has ``k`` (the kind) and ``t`` (the local
receive time, ns since the epoch). ``x`` is the venue's own timestamp in ns
and ``q`` the venue's sequence id, where known. Prices and quantities are
strings with every digit kept (parse them as decimals, never as floats).

====== =============================================================================
kind   fields
====== =============================================================================
book   ``s`` symbol, ``snap`` (true: replaces the book), ``q``, ``x``, ``b`` / ``a``:
       ``[[price, qty], ...]`` absolute sizes, ``"0"`` removes the level
trade  ``s``, ``p``, ``qty``, ``side`` (the aggressor: ``buy``/``sell``), ``x``, ``id``
ticker ``s``, ``last``, ``bid``, ``ask`` (null when unknown), ``open``, ``high``,
       ``low``, ``vol``, ``qvol`` (24h), ``x``
candle ``s``, ``c``: ``[open_ms, open, high, low, close, volume]``, ``closed``
candles ``s``, ``c``: a list of candles as above (history, oldest first)
feed   ``venue``, ``state``, ``detail``
markets ``venue``, ``m``: a list of markets (the header's ``markets`` layout)
order  ``type`` (the event class: OrderAccepted, OrderCanceled, OrderUpdated...),
       ``f``: its fields (decimals as strings, enums as their values)
fill   ``type`` (OrderFilled), ``f``: ``{"fill": {fill_id, client_id, account,
       symbol, side, price, qty, fee, fee_asset, liquidity, ts_ns}}``
====== =============================================================================

Readers ignore unknown kinds and unknown fields (a newer writer stays readable).
The writer flushes the gzip stream at least once a second, so after a crash the
file holds everything up to the last flush; a cut-off final line is skipped
with a warning, and a corrupted line in the middle is skipped with a warning
naming its line.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from tradeterm.domain import events as ev
from tradeterm.domain.enums import FeedState, Side
from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.numbers import dec_cached
from tradeterm.venues.replay.files import RECORDING_FORMAT, RECORDING_VERSION, Format, Issue, detect
from tradeterm.venues.replay.lines import bad_message, iter_source
from tradeterm.venues.replay.state import text_of

VERSION = RECORDING_VERSION

ORDER_EVENTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        ev.OrderAccepted,
        ev.OrderRejected,
        ev.OrderFilled,
        ev.OrderCanceled,
        ev.OrderAmended,
        ev.OrderExpired,
        ev.OrderTriggered,
        ev.QueueUpdated,
        ev.OrderUpdated,
    )
}

Record = dict[str, Any]


# --- generic dataclass <-> JSON ---------------------------------------------


def to_jsonable(value: Any) -> Any:
    """Dataclasses, decimals (as exact strings), enums (values) and containers as JSON values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Decimal):
        return text_of(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset) or hasattr(value, "__iter__"):
        return [to_jsonable(v) for v in value]
    return str(value)


def _from_jsonable(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(tp) if a is not type(None)]
        return _from_jsonable(options[0], value) if len(options) == 1 else value
    if tp is Decimal:
        return Decimal(value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_jsonable(tp, value)
    if origin is dict:
        _, val_tp = get_args(tp) or (str, Any)
        return {k: _from_jsonable(val_tp, v) for k, v in value.items()}
    if origin in (list, tuple) or (origin is not None and hasattr(origin, "__iter__")):
        args = get_args(tp)
        inner = args[0] if args else Any
        return [_from_jsonable(inner, v) for v in value]
    return value


def from_jsonable(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a dataclass from ``to_jsonable`` output; unknown keys are ignored."""
    hints = get_type_hints(cls)
    kwargs = {
        f.name: _from_jsonable(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)
        if f.name in data
    }
    return cls(**kwargs)


# --- records ----------------------------------------------------------------


def _levels(levels: Any) -> list[list[str]]:
    return [[text_of(p), text_of(q)] for p, q in levels]


def _candle(c: Candle) -> list[Any]:
    return [
        c.ts_ms,
        text_of(c.open),
        text_of(c.high),
        text_of(c.low),
        text_of(c.close),
        text_of(c.volume),
    ]


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else text_of(value)


def encode(event: object, t_ns: int) -> Record | None:
    """One event as a record, or None for events that are not recorded (UI selections)."""
    if isinstance(event, ev.BookChanged):
        return {
            "k": "book",
            "t": t_ns,
            "s": event.symbol,
            "snap": event.snapshot,
            "q": event.seq,
            "x": event.ts_ns,
            "b": _levels(event.bids),
            "a": _levels(event.asks),
        }
    if isinstance(event, ev.TradePrinted):
        tr = event.trade
        return {
            "k": "trade",
            "t": t_ns,
            "s": tr.symbol,
            "p": text_of(tr.price),
            "qty": text_of(tr.qty),
            "side": tr.side.value,
            "x": tr.ts_ns,
            "id": tr.trade_id,
        }
    if isinstance(event, ev.TickerUpdated):
        tk = event.ticker
        return {
            "k": "ticker",
            "t": t_ns,
            "s": tk.symbol,
            "last": text_of(tk.last),
            "bid": _opt(tk.bid),
            "ask": _opt(tk.ask),
            "open": text_of(tk.open_24h),
            "high": text_of(tk.high_24h),
            "low": text_of(tk.low_24h),
            "vol": text_of(tk.volume_24h),
            "qvol": text_of(tk.quote_volume_24h),
            "x": tk.ts_ns,
        }
    if isinstance(event, ev.CandleUpdated):
        return {
            "k": "candle",
            "t": t_ns,
            "s": event.symbol,
            "c": _candle(event.candle),
            "closed": event.closed,
        }
    if isinstance(event, ev.CandlesLoaded):
        return {
            "k": "candles",
            "t": t_ns,
            "s": event.symbol,
            "c": [_candle(c) for c in event.candles],
        }
    if isinstance(event, ev.FeedStateChanged):
        return {
            "k": "feed",
            "t": t_ns,
            "venue": event.venue,
            "state": event.state.value,
            "detail": event.detail,
        }
    if isinstance(event, ev.MarketsLoaded):
        return {
            "k": "markets",
            "t": t_ns,
            "venue": event.venue,
            "m": [to_jsonable(m) for m in event.markets],
        }
    name = type(event).__name__
    if name in ORDER_EVENTS and isinstance(event, ORDER_EVENTS[name]):
        kind = "fill" if isinstance(event, ev.OrderFilled) else "order"
        return {"k": kind, "t": t_ns, "type": name, "f": to_jsonable(event)}
    return None


def _dec_levels(raw: list[list[str]]) -> list[tuple[Decimal, Decimal]]:
    return [(dec_cached(p), dec_cached(q)) for p, q in raw]


def _dec_candle(raw: list[Any]) -> Candle:
    ts, o, h, low, c, v = raw
    return Candle(int(ts), Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(v))


def decode(record: Record) -> object | None:
    """A record back as the domain event it was; None for unknown kinds.

    Raises:
        KeyError, ValueError, TypeError: the record is malformed.
    """
    kind = record["k"]
    if kind == "book":
        return ev.BookChanged(
            record["s"],
            _dec_levels(record["b"]),
            _dec_levels(record["a"]),
            bool(record["snap"]),
            int(record.get("q", 0)),
            int(record.get("x", 0)),
        )
    if kind == "trade":
        return ev.TradePrinted(
            Trade(
                record["s"],
                dec_cached(record["p"]),
                dec_cached(record["qty"]),
                Side(record["side"]),
                int(record["x"]),
                str(record.get("id", "")),
            )
        )
    if kind == "ticker":
        bid, ask = record.get("bid"), record.get("ask")
        return ev.TickerUpdated(
            Ticker(
                record["s"],
                Decimal(record["last"]),
                None if bid is None else Decimal(bid),
                None if ask is None else Decimal(ask),
                Decimal(record["open"]),
                Decimal(record["high"]),
                Decimal(record["low"]),
                Decimal(record["vol"]),
                Decimal(record["qvol"]),
                int(record["x"]),
            )
        )
    if kind == "candle":
        return ev.CandleUpdated(record["s"], _dec_candle(record["c"]), bool(record["closed"]))
    if kind == "candles":
        return ev.CandlesLoaded(record["s"], [_dec_candle(c) for c in record["c"]])
    if kind == "feed":
        return ev.FeedStateChanged(
            record["venue"], FeedState(record["state"]), record.get("detail", "")
        )
    if kind == "markets":
        return ev.MarketsLoaded(record["venue"], [from_jsonable(Market, m) for m in record["m"]])
    if kind in ("order", "fill"):
        cls = ORDER_EVENTS.get(record["type"])
        return None if cls is None else from_jsonable(cls, record["f"])
    return None


def header_markets(header: dict[str, Any]) -> list[Market]:
    """The markets a recording's header lists (empty for a header without them)."""
    return [from_jsonable(Market, m) for m in header.get("markets", [])]


class RecordingReader:
    """Reads a recording back: ``header``, then ``(receive ns, event)`` pairs in order.

    Damage is reported in ``issues`` (and logged) and skipped; the rest is read.

    Raises:
        DataError: the file is missing, not gzip, or not a tradeterm recording.
    """

    def __init__(self, path: str | Path) -> None:
        self.source = detect(Path(path))
        if self.source.format is not Format.RECORDING:
            raise DataError(f"{path}: not a {RECORDING_FORMAT} file")
        self.header = self.source.header
        self.issues: list[Issue] = []

    @property
    def markets(self) -> list[Market]:
        return header_markets(self.header)

    def __iter__(self) -> Iterator[tuple[int, object]]:
        name = self.source.name
        for ts, _, line, record in iter_source(self.source, 0, self.issues):
            try:
                event = decode(record)
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                bad_message(self.issues, name, line, exc)
                continue
            if event is not None:
                yield ts, event
