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
from tradeterm.domain.enums import Side, TradingState
from tradeterm.engine.algos import PlaceAlgo
from tradeterm.ui.cmdalert import (
    ALERT_FORMS,
    AddAlert,
    RemoveAlert,
    ShowAlerts,
    parse_alert_command,
)
from tradeterm.ui.cmdbacktest import BACKTEST_FORMS, RunBacktest, parse_backtest_command
from tradeterm.ui.cmdlive import LIVE_FORMS, LiveCommand, parse_live_command
from tradeterm.ui.cmdorder import PlaceShare, parse_oco, parse_order
from tradeterm.ui.cmdstrategy import (
    STRATEGY_FORMS,
    ShowStrategies,
    StrategyAction,
    parse_strategy_command,
)
from tradeterm.ui.cmdwords import (
    CommandError,
    Reader,
    resolve_symbol,
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

_GLOB = set("*?[")
_STATES = {
    "halt": TradingState.HALTED,
    "reduce": TradingState.REDUCING,
    "resume": TradingState.ACTIVE,
}
_SIDES = {"buy": Side.BUY, "buys": Side.BUY, "sell": Side.SELL, "sells": Side.SELL}


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
        return parse_order(reader, Side(verb), symbols, active_symbol)
    if verb == "oco":
        return parse_oco(reader, symbols, active_symbol)
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
