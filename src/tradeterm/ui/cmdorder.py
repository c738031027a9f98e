"""The command line's order words: ``buy``/``sell`` with their prices, time in force, flags,
share sizing and execution algorithms, and ``oco`` (see ``ui/commandline.py`` for the whole
grammar). Pure: text in through a ``Reader``, a command object out, or a CommandError."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.commands import PlaceOco, PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.engine.algos import PlaceAlgo
from tradeterm.ui.cmdalgo import ALGO_WORDS, algo_order, read_duration
from tradeterm.ui.cmdwords import Reader, Token, resolve_symbol, same_symbol, suggest

_TIF = {"gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}
_FLAGS = {"post": "post", "post-only": "post", "reduce": "reduce", "reduce-only": "reduce"}
_PRICED = ("@", "stop", "tp", "sl", "trail")
ORDER_WORDS = (*_PRICED, *_TIF, *_FLAGS, *ALGO_WORDS)
_WHAT = {"@": "limit price after @", "trail": "trail distance"}


@dataclass(frozen=True, slots=True)
class PlaceShare:
    """An order sized as ``percent`` of what is held: a sell's share of the position (or of
    the free base when there is none), a buy's share of the free quote. The desk resolves it
    into ``order`` with a quantity, rounded down to the lot."""

    order: PlaceOrder
    percent: Decimal


def _symbol_or_error(reader: Reader, token: Token, symbols: Sequence[str]) -> str:
    symbol = resolve_symbol(token.text, symbols)
    several = same_symbol(token.text, symbols)
    if symbol is None and several:
        raise reader.error(f"{token.text!r} is ambiguous: {' or '.join(several)}", token)
    if symbol is None:
        hint = suggest(token.text, [*ORDER_WORDS, *symbols])
        raise reader.error(f"{token.text!r} is not a symbol or an order word{hint}", token)
    return symbol


def parse_order(
    reader: Reader, side: Side, symbols: Sequence[str], active: str
) -> PlaceOrder | PlaceShare | PlaceAlgo:
    percent: Decimal | None = None
    if (first := reader.peek()) is not None and (first.word == "all" or first.text.endswith("%")):
        qty_token = first
        percent = reader.percent(side.value)
        qty: Decimal | None = None
        quote: Decimal | None = None
    else:
        qty, quote, qty_token = reader.quantity(quote_ok=True)
    symbol: str | None = None
    prices: dict[str, Decimal] = {}
    tif: TimeInForce | None = None
    flags: set[str] = set()
    seen: dict[str, Token] = {}
    algo = None
    while (token := reader.peek()) is not None:
        reader.index += 1
        word = token.word
        key = word if word in _PRICED else "tif" if word in _TIF else _FLAGS.get(word, "symbol")
        key = "algo" if word in ALGO_WORDS else key
        if key in seen and key != "symbol":
            what = "time in force" if key == "tif" else repr(token.text)
            raise reader.error(f"{what} given twice ({seen[key].text} and {token.text})", token)
        if word in _PRICED:
            prices[word] = reader.number(_WHAT.get(word, f"{word} price"))
        elif key == "algo":
            algo = (ALGO_WORDS[ALGO_WORDS.index(word)], read_duration(reader, word))
        elif key == "tif":
            tif = _TIF[word]
        elif key != "symbol":
            flags.add(key)
        elif symbol is None:
            symbol = _symbol_or_error(reader, token, symbols)
        elif resolve_symbol(token.text, symbols) is not None:
            raise reader.error(f"one symbol per order: {symbol} and {token.text}", token)
        else:
            _symbol_or_error(reader, token, symbols)
        seen.setdefault(key, token)
    order_type = _order_type(reader, prices, seen)
    symbol = symbol or active
    if not symbol:
        raise reader.error("no symbol given and none is active", qty_token)
    order = PlaceOrder(
        symbol=symbol,
        side=side,
        type=order_type,
        qty=qty,
        quote_qty=quote,
        price=prices.get("@"),
        stop_price=prices.get("stop"),
        tif=tif or TimeInForce.GTC,
        post_only="post" in flags,
        reduce_only="reduce" in flags,
        trail=prices.get("trail"),
        take_profit=prices.get("tp"),
        stop_loss=prices.get("sl"),
    )
    if algo is not None:
        kind, seconds = algo
        return algo_order(reader, order, kind, seconds, seen["algo"], percent is not None)
    return order if percent is None else PlaceShare(order, percent)


def _order_type(reader: Reader, prices: dict[str, Decimal], seen: dict[str, Token]) -> OrderType:
    if ("tp" in prices) != ("sl" in prices):
        given, missing = ("tp", "sl") if "tp" in prices else ("sl", "tp")
        raise reader.error(f"a bracket needs both tp and sl: add {missing} PRICE", seen[given])
    if "trail" in prices:
        for word in ("@", "stop", "tp"):
            if word in prices:
                raise reader.error(
                    f"trail makes a trailing stop, which takes no {word} PRICE", seen[word]
                )
        return OrderType.TRAILING_STOP
    if "stop" in prices:
        if "tp" in prices:
            raise reader.error("tp/sl brackets go on market or limit orders, not stops", seen["tp"])
        return OrderType.STOP_LIMIT if "@" in prices else OrderType.STOP_MARKET
    return OrderType.LIMIT if "@" in prices else OrderType.MARKET


def parse_oco(reader: Reader, symbols: Sequence[str], active: str) -> PlaceOco:
    side_token = reader.take("side: buy or sell")
    if side_token.word not in ("buy", "sell"):
        hint = suggest(side_token.text, ["buy", "sell"])
        raise reader.error(f"side must be buy or sell, got {side_token.text!r}{hint}", side_token)
    qty, _, _ = reader.quantity(quote_ok=False)
    assert qty is not None
    symbol: str | None = None
    prices: dict[str, Decimal] = {}
    while (token := reader.peek()) is not None:
        reader.index += 1
        if token.word in ("tp", "sl"):
            if token.word in prices:
                raise reader.error(f"{token.text!r} given twice", token)
            prices[token.word] = reader.number(f"{token.word} price")
        elif symbol is None and token.word not in ORDER_WORDS:
            symbol = _symbol_or_error(reader, token, symbols)
        else:
            hint = suggest(token.text, ["tp", "sl"])
            raise reader.error(f"unexpected {token.text!r}{hint}", token)
    for word in ("tp", "sl"):
        if word not in prices:
            raise reader.error(f"missing {word} PRICE")
    symbol = symbol or active
    if not symbol:
        raise reader.error("no symbol given and none is active", side_token)
    return PlaceOco(symbol, Side(side_token.word), qty, prices["tp"], prices["sl"])
