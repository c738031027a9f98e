"""A fill tradeterm never placed, recorded at reconciliation, applied to its account: the
position, the balances and the fill list change as for one of tradeterm's own fills, the same
way live and when a restart replays the ledger's ``foreign_fill`` record.

The record's payload (see ``engine.reconciling``) has the trade's symbol, side ("buy" /
"sell"), qty, price, trade id and time; the exchange reported no fee for it, so none is
booked (the next balance snapshot from the exchange carries any fee it charged).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from tradeterm.domain.enums import Liquidity, Side
from tradeterm.domain.fills import Fill
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.state import State

log = logging.getLogger("tradeterm.engine.reconcile")


def apply_foreign_fill(state: State, account: AccountState, payload: str) -> Fill | None:
    """Book a recorded foreign fill on ``account``; None (logged) when its market is gone."""
    data = json.loads(payload)
    symbol = str(data["symbol"])
    market = state.markets.get(state.instrument(account, symbol))
    if market is None:
        log.error("foreign fill %s: %s is not listed on the venue", data.get("trade_id"), symbol)
        return None
    side = Side.BUY if data["side"] == "buy" else Side.SELL
    qty, price = Decimal(str(data["qty"])), Decimal(str(data["price"]))
    fill = Fill(
        fill_id=f"foreign:{data['trade_id']}",
        client_id="",
        account=account.name,
        symbol=symbol,
        side=side,
        price=price,
        qty=qty,
        fee=Decimal(0),
        fee_asset=market.quote,
        liquidity=Liquidity.TAKER,
        ts_ns=int(data.get("ts_ns") or 0),
    )
    sign = 1 if side is Side.BUY else -1
    account.balance(market.base).total += sign * qty
    account.balance(market.quote).total -= sign * qty * price
    account.position(symbol).apply(side, qty, price)
    account.fills.appendleft(fill)
    return fill
