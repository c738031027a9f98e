"""The command line's grammar: text in, a command object out, or a CommandError that points at
the word that is wrong and shows the form that was expected. Pure: no app, no engine, no eval.

Grammar (words are case-insensitive; ``[...]`` is optional, ``a|b`` is a choice)::

    buy|sell QTY|$QUOTE|N% [SYMBOL] [@ PRICE] [stop PRICE] [tp PRICE sl PRICE] [trail AMOUNT]
             [ioc|fok|gtc] [post] [reduce]
    buy|sell QTY|$QUOTE [SYMBOL] twap|vwap DURATION   (an execution algorithm, ui/cmdalgo.py)
    sell all [SYMBOL] ...    (= sell 100%)
    close [SYMBOL|all]       (or: flatten = close all)
    oco buy|sell QTY [SYMBOL] tp PRICE sl PRICE
    cancel all|ID|PATTERN [buys|sells]
    amend ID [@ PRICE] [qty QTY]
    account NAME
    symbol SYMBOL            (or just SYMBOL)
    reset
    halt | reduce | resume
    arm [NAME] | disarm | kill [flatten]
    help
    alert [repeat] [SYMBOL] > PRICE | >= | < | <= | FILTER
    alert remove ID          (or: unalert ID)
    alerts

- An order's type follows from its words: no ``@`` is a market order, ``@ PRICE`` a limit,
  ``@ PRICE stop PRICE`` a stop-limit (trigger at ``stop``, limit at ``@``), ``stop PRICE``
  alone a stop-market, ``trail AMOUNT`` a trailing stop that follows the price by AMOUNT;
  ``tp PRICE sl PRICE`` on a market or limit order makes a bracket (an exit pair is placed
  once the entry fills). The options after the quantity may come in any order.
- ``oco`` places an exit pair for a position: a take-profit limit and a stop-loss, one
  cancels the other.
- QTY is in base units (``0.5``); ``$500`` is a value in the quote currency instead;
  ``N%`` (and ``sell all`` = ``sell 100%``) is a share of what is held: for a sell, of the
  position (of the free base balance when there is no position), for a buy, of the free
  quote; the desk turns it into a quantity rounded down to the lot.
- ``close`` sells (or buys back) a position at market, reduce-only, for what is held
  rounded down to the lot; ``close`` alone closes the active symbol's, ``close all`` and
  ``flatten`` every position of the account.
  Numbers may use ``k`` (thousand) and ``m`` (million): ``1.5k``, ``$2k``; commas group
  thousands (``1,500``).
- SYMBOL defaults to the active symbol. It may be written ``ETH/USDT``, ``eth/usdt``,
  ``ethusdt``, ``eth-usdt``, or as a base (``eth``) when only one market trades it.
- ``cancel all`` cancels every open order of the account; ``cancel PATTERN`` those whose
  symbol or base matches (a symbol, a base, or a glob such as ``ETH*``); ``cancel ID`` one
  order by its id (the orders pane shows ids).
- ``reset`` restores the active paper account's starting balances (it asks first).
- ``halt`` stops new orders on the active account (cancels still pass), ``reduce`` lets
  through only orders that shrink a position, ``resume`` trades again.
- ``alert`` watches a symbol (the active one when left out) for a price level on its trades
  or for any scanner filter (``rsi < 25``) on each scanner pass; ``repeat`` makes it fire
  each time the condition turns true again (see ``ui/cmdalert.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    ClosePosition,
    PlaceOco,
    PlaceOrder,
    ResetAccount,
    SelectSymbol,
    SetTradingState,
    SwitchAccount,
)
from tradeterm.domain.enums import OrderType, Side, TimeInForce, TradingState
from tradeterm.engine.algos import PlaceAlgo
from tradeterm.ui.cmdalert import (
    ALERT_FORMS,
    AddAlert,
    RemoveAlert,
    ShowAlerts,
    parse_alert_command,
)
from tradeterm.ui.cmdalgo import ALGO_WORDS, algo_order, read_duration
from tradeterm.ui.cmdbacktest import BACKTEST_FORMS, RunBacktest, parse_backtest_command
from tradeterm.ui.cmdlive import LIVE_FORMS, LiveCommand, parse_live_command
from tradeterm.ui.cmdstrategy import (
    STRATEGY_FORMS,
    ShowStrategies,
    StrategyAction,
    parse_strategy_command,
)
from tradeterm.ui.cmdwords import (
    CommandError,
    Reader,
    Token,
    resolve_symbol,
    same_symbol,
    suggest,
)

ORDER_FORM = (
    "buy|sell QTY|$QUOTE|N% [SYMBOL] [@ PRICE] [stop PRICE] [tp PRICE sl PRICE] [trail AMOUNT] "
    "[ioc|fok|gtc] [post] [reduce] [twap|vwap DURATION]"
)
FORMS = {
    "buy": ORDER_FORM,
    "sell": ORDER_FORM,
    "oco": "oco buy|sell QTY [SYMBOL] tp PRICE sl PRICE",
    "cancel": "cancel all|ID|PATTERN [buys|sells] (e.g. cancel all, cancel ETH* sells)",
    "amend": "amend ID [@ PRICE] [qty QTY]",
    "close": "close [SYMBOL|all] (the active symbol's position when left out)",
    "flatten": "flatten (close every position of the account)",
    "account": "account NAME",
    "symbol": "symbol SYMBOL (or just the symbol)",
    "reset": "reset",
    "halt": "halt (no new orders; cancels still pass)",
    "reduce": "reduce (only orders that shrink a position)",
    "resume": "resume (trade again)",
    "help": "help",
    **ALERT_FORMS,
    **LIVE_FORMS,
    **STRATEGY_FORMS,
    **BACKTEST_FORMS,
}
COMMANDS = tuple(FORMS)
ANY_FORM = "a command (" + ", ".join(COMMANDS) + ") or a symbol"

_TIF = {"gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}
_FLAGS = {"post": "post", "post-only": "post", "reduce": "reduce", "reduce-only": "reduce"}
_PRICED = ("@", "stop", "tp", "sl", "trail")
_ORDER_WORDS = (*_PRICED, *_TIF, *_FLAGS, *ALGO_WORDS)
_GLOB = set("*?[")
_WHAT = {"@": "limit price after @", "trail": "trail distance"}
_STATES = {
    "halt": TradingState.HALTED,
    "reduce": TradingState.REDUCING,
    "resume": TradingState.ACTIVE,
}
_SIDES = {"buy": Side.BUY, "buys": Side.BUY, "sell": Side.SELL, "sells": Side.SELL}


@dataclass(frozen=True, slots=True)
class PlaceShare:
    """An order sized as ``percent`` of what is held: a sell's share of the position (or of
    the free base when there is none), a buy's share of the free quote. The desk resolves it
    into ``order`` with a quantity, rounded down to the lot."""

    order: PlaceOrder
    percent: Decimal


@dataclass(frozen=True, slots=True)
class ShowHelp:
    """Show the keys and this grammar."""


#: What ``parse_command`` returns: the engine's own commands where it has them.
Command = (PlaceOrder | PlaceShare | PlaceOco | CancelOrder | CancelAll | AmendOrder
           | ClosePosition | SwitchAccount | SelectSymbol | SetTradingState | ResetAccount
           | ShowHelp | AddAlert | RemoveAlert | ShowAlerts | LiveCommand
           | StrategyAction | ShowStrategies | PlaceAlgo | RunBacktest)  # fmt: skip


def parse_command(
    text: str,
    symbols: Sequence[str],
    active_symbol: str,
    accounts: Sequence[str] = (),
) -> Command:
    """Parse one command line.

    Args:
        text: what the user typed.
        symbols: the venue's symbols (``BASE/QUOTE``).
        active_symbol: the symbol an order without one is for.
        accounts: the configured account names (checked by ``account NAME`` when given).

    Raises:
        CommandError: the text is not a command; the error says where and what was expected.
    """
    reader = Reader(text, ANY_FORM)
    if not reader.tokens:
        raise CommandError("type a command", 0, ANY_FORM)
    head = reader.tokens[0]
    verb = head.word
    if verb not in FORMS:
        symbol = resolve_symbol(head.text, symbols)
        if symbol is not None and len(reader.tokens) == 1:
            return SelectSymbol(symbol)
        hint = suggest(head.text, [*COMMANDS, *symbols])
        raise CommandError(f"unknown command {head.text!r}{hint}", head.pos, ANY_FORM)
    reader.form = FORMS[verb]
    if verb in ("buy", "sell"):
        return _order(reader, Side(verb), symbols, active_symbol)
    if verb == "oco":
        return _oco(reader, symbols, active_symbol)
    if verb == "cancel":
        return _cancel(reader, symbols)
    if verb in ("close", "flatten"):
        return _close(reader, verb, symbols, active_symbol)
    if verb == "amend":
        return _amend(reader)
    if verb in LIVE_FORMS:
        return parse_live_command(reader, verb)
    if verb in STRATEGY_FORMS:
        return parse_strategy_command(reader, verb)
    if verb in BACKTEST_FORMS:
        return parse_backtest_command(reader)
    if verb in ALERT_FORMS:
        return parse_alert_command(reader, verb, symbols, active_symbol)
    if verb == "account":
        return _account(reader, accounts)
    if verb == "symbol":
        token = reader.take("symbol, e.g. ETH/USDT")
        symbol = resolve_symbol(token.text, symbols)
        if symbol is None:
            hint = suggest(token.text, symbols)
            raise reader.error(f"unknown symbol {token.text!r}{hint}", token)
        reader.done()
        return SelectSymbol(symbol)
    reader.done()
    if verb in _STATES:
        return SetTradingState(_STATES[verb])
    return ResetAccount() if verb == "reset" else ShowHelp()


def _symbol_or_error(reader: Reader, token: Token, symbols: Sequence[str]) -> str:
    symbol = resolve_symbol(token.text, symbols)
    several = same_symbol(token.text, symbols)
    if symbol is None and several:
        raise reader.error(f"{token.text!r} is ambiguous: {' or '.join(several)}", token)
    if symbol is None:
        hint = suggest(token.text, [*_ORDER_WORDS, *symbols])
        raise reader.error(f"{token.text!r} is not a symbol or an order word{hint}", token)
    return symbol


def _order(
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


def _oco(reader: Reader, symbols: Sequence[str], active: str) -> PlaceOco:
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
        elif symbol is None and token.word not in _ORDER_WORDS:
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


def _cancel(reader: Reader, symbols: Sequence[str]) -> CancelAll | CancelOrder:
    token = reader.take("what to cancel: all, an order id or a symbol pattern")
    side: Side | None = None
    if (word := reader.peek()) is not None and word.word in _SIDES:
        reader.index += 1
        side = _SIDES[word.word]
    reader.done()
    if token.word == "all":
        return CancelAll("*", side=side)
    if _GLOB & set(token.text):
        return CancelAll(token.text.upper(), side=side)
    symbol = resolve_symbol(token.text, symbols)
    if symbol is not None:
        return CancelAll(symbol, side=side)
    if token.text.upper() in {s.split("/")[0].upper() for s in symbols}:
        return CancelAll(token.text.upper(), side=side)  # a base that several markets trade
    if side is not None:
        what = f"{token.text!r} is not a symbol or pattern to cancel the {side.value}s of"
        raise reader.error(what, token)
    return CancelOrder(token.text)


def _close(reader: Reader, verb: str, symbols: Sequence[str], active: str) -> ClosePosition:
    token = reader.peek() if verb == "close" else None
    reader.index += token is not None
    reader.done()
    if verb == "flatten" or (token is not None and token.word == "all"):
        return ClosePosition(None)
    if token is None:
        if not active:
            raise reader.error("no symbol given and none is active")
        return ClosePosition(active)
    symbol = resolve_symbol(token.text, symbols)
    if symbol is None:
        hint = suggest(token.text, ["all", *symbols])
        raise reader.error(f"unknown symbol {token.text!r}{hint}", token)
    return ClosePosition(symbol)


def _amend(reader: Reader) -> AmendOrder:
    order_id = reader.take("order id (the orders pane shows ids)")
    price: Decimal | None = None
    qty: Decimal | None = None
    while (token := reader.peek()) is not None:
        reader.index += 1
        if token.word == "@" and price is None:
            price = reader.number("limit price after @")
        elif token.word == "qty" and qty is None:
            qty = reader.number("quantity")
        else:
            hint = suggest(token.text, ["@", "qty"])
            if token.word in ("price", "at", "px"):
                hint = "; write @ PRICE to change the price"
            raise reader.error(f"unexpected {token.text!r}{hint}", token)
    if price is None and qty is None:
        raise reader.error("nothing to change: give @ PRICE, qty QTY or both")
    return AmendOrder(order_id.text, price, qty)


def _account(reader: Reader, accounts: Sequence[str]) -> SwitchAccount:
    token = reader.take("account name" + (f" ({', '.join(accounts)})" if accounts else ""))
    reader.done()
    if not accounts:
        return SwitchAccount(token.text)
    by_lower = {a.lower(): a for a in accounts}
    name = by_lower.get(token.word)
    if name is None:
        hint = suggest(token.text, accounts)
        raise reader.error(
            f"unknown account {token.text!r}{hint} (accounts: {', '.join(accounts)})", token
        )
    return SwitchAccount(name)
