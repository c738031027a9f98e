"""Binance message text decoded without orjson: the optional C ``_wire`` or its Python twins.

``tradeterm.venues._wire`` is built by ``setup.py`` where a C compiler is present and is
used unless ``TRADETERM_KERNELS=numpy`` was set when this module was first imported (the
switch of the indicator and book kernels). Both paths give the same answer for the same
message, with one allowance: the C functions read only Binance's compact ASCII layout
(no whitespace, no escapes, integers of at most 18 digits without fraction or exponent)
and answer None where the twins, which decode with orjson, may still decode the message.
A caller treats None as "decode it your own way" (orjson, with its own error messages).

``depth(text)`` is the native Binance feed's and the replay's decoder of a depth update
(str or bytes, plain or inside a combined-stream wrapper ``{"stream": ..., "data": {...}}``).
It returns ``(U, u, pu, E, symbol, bids, asks)``: ``pu`` is None on spot streams, and
``bids``/``asks`` are lists of (Decimal, Decimal) pairs, each a fresh ``Decimal(text)``
(equal, with the same digits and exponent: ``"0.00000000"`` keeps exponent -8). The C
decoder makes them from their digits with their hash already computed; nothing is cached
(a memo of price and size strings cost more in look-ups than it saved). It answers None
for anything else: another event, a missing or unknown key, a key twice, a level that is
not a pair of plain number strings (ASCII digits with at most one '.', a digit first, at
most 200 characters), trailing text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.book_kernel import SWITCH, load_compiled

Level = tuple[Decimal, Decimal]
DepthUpdate = tuple[int, int, int | None, int, str, list[Level], list[Level]]
"""(U, u, pu or None, E, symbol, bids, asks) of one depth update."""
TradeFields = tuple[int, str, str, int, bool]
"""(trade id, price text, quantity text, trade time ms, buyer is maker) of one trade."""
Depth = Callable[[str | bytes], DepthUpdate | None]
TradeDecoder = Callable[[str | bytes], TradeFields | None]
HftItems = Callable[
    [str, int, int, int, int, int], tuple[list[tuple[int, int, int, Any]] | None, int]
]

_PLAIN = re.compile(r"[0-9][0-9]*(?:\.[0-9]*)?")
_DEPTH_KEYS = {"e", "E", "s", "U", "u", "b", "a"}
_DEPTH_OPTIONAL = {"T", "pu"}
_TRADE_NEEDED = {"t": int, "p": str, "q": str, "T": int, "m": bool}
_TRADE_TYPES = {
    **_TRADE_NEEDED,
    "e": str,
    "E": int,
    "s": str,
    "b": int,
    "a": int,
    "M": bool,
    "X": str,
}


def _object(text: str | bytes) -> dict[str, Any] | None:
    """The message's object: the wrapper's ``data`` when it is wrapped."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(msg) is dict and list(msg) == ["stream", "data"] and type(msg["stream"]) is str:
        msg = msg["data"]
    return msg if type(msg) is dict else None


def _levels(raw: object) -> list[tuple[str, str]] | None:
    if type(raw) is not list:
        return None
    out = []
    for level in raw:
        if type(level) is not list or len(level) != 2:
            return None
        price, size = level
        for text in level:
            if type(text) is not str or len(text) > 200 or not _PLAIN.fullmatch(text):
                return None
        out.append((price, size))
    return out


def depth_python(text: str | bytes) -> DepthUpdate | None:
    """``depth`` (see the module note) with orjson."""
    msg = _object(text)
    if msg is None or not _DEPTH_KEYS <= msg.keys() <= _DEPTH_KEYS | _DEPTH_OPTIONAL:
        return None
    ids = [msg[k] for k in ("U", "u", "E", *(("pu",) if "pu" in msg else ()))]
    if "T" in msg:
        ids.append(msg["T"])
    if (
        msg["e"] != "depthUpdate"
        or type(msg["s"]) is not str
        or any(type(i) is not int for i in ids)
    ):
        return None
    bids, asks = _levels(msg["b"]), _levels(msg["a"])
    if bids is None or asks is None:
        return None
    return (
        msg["U"],
        msg["u"],
        msg.get("pu"),
        msg["E"],
        msg["s"],
        [(Decimal(p), Decimal(q)) for p, q in bids],
        [(Decimal(p), Decimal(q)) for p, q in asks],
    )


def trade_python(text: str | bytes) -> TradeFields | None:
    """``trade`` (see the C module's note) with orjson: (id, price, qty, T, buyer is maker)."""
    msg = _object(text)
    if msg is None or not msg.keys() >= _TRADE_NEEDED.keys():
        return None
    if any(type(value) is not _TRADE_TYPES.get(key) for key, value in msg.items()):
        return None
    return msg["t"], msg["p"], msg["q"], msg["T"], msg["m"]


C_MODULE = load_compiled("tradeterm.venues._wire")
"""The built C module, or None (whatever the switch says)."""

ON = C_MODULE is not None and os.environ.get(SWITCH) != "numpy"
"""True when the C decoder runs."""

depth: Depth = C_MODULE.depth if ON and C_MODULE else depth_python
c_depth: Depth | None = C_MODULE.depth if ON and C_MODULE else None
"""The C ``depth`` alone, None without it: a caller with its own fallback (msgspec, orjson)
would only read a message twice through the Python twin."""
trade: TradeDecoder = C_MODULE.trade if ON and C_MODULE else trade_python
hft_items: HftItems | None = C_MODULE.hft_items if ON and C_MODULE else None
"""``hft_items(text, start, end, count, index, first)``: up to ``count`` hftbacktest lines of
``text[start:end]`` as replay items with their Binance messages pre-read, and where the next
line starts (see ``_wire.c``); None without the C module: the replay then splits the lines
and reads them in Python (``lines._hft_items``)."""
