"""A live venue's balance snapshot: journaled, then applied as the account's totals.

The exchange is the truth for a live account's funds: each snapshot sets every asset's
total (what tradeterm holds for open orders stays held) and is journaled, so a restart
starts from the last snapshot and the fills after it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.events import BalancesChanged
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine


def apply_totals(account: AccountState, totals: Mapping[str, Decimal]) -> bool:
    """Set every asset's total to the snapshot's (absent assets: zero); True if one changed."""
    changed = False
    for asset in set(account.balances) | set(totals):
        total = totals.get(asset, Decimal(0))
        balance = account.balance(asset)
        if balance.total != total:
            balance.total, changed = total, True
    return changed


def restore_totals(account: AccountState, payload: str) -> None:
    """Apply a journaled ``balances`` record (restart)."""
    apply_totals(account, {a: Decimal(q) for a, q in json.loads(payload).items()})


def on_balances(engine: Engine, account_name: str, totals: Mapping[str, Decimal]) -> None:
    """Journal a venue's snapshot when it differs from what the account shows, then apply it."""
    account = engine.state.accounts.get(account_name)
    if account is None:
        return
    shown = {a: b.total for a, b in account.balances.items() if b.total}
    if shown == {a: q for a, q in totals.items() if q}:
        return
    payload = json.dumps({a: str(q) for a, q in totals.items()}, separators=(",", ":"))
    record = Record(engine.clock.now_ns(), account_name, "balances", None, payload)

    def apply() -> None:
        if apply_totals(account, totals):
            engine.bus.publish(BalancesChanged(account_name))

    engine.trading.writer.submit([record], apply)
