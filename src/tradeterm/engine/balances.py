"""A live venue's balance snapshot: journaled, then applied as the account's totals.

The exchange is the truth for a live account's funds: each snapshot sets every asset's
total (what tradeterm holds for open orders stays held) and is journaled, so a restart
starts from the last snapshot and the fills after it.

Two kinds of snapshot:
- a poll's (no stamp): every asset, as the exchange answered just now; assets it does not
  list are zero.
- a stream's (stamped with the exchange's time of the account update; Binance's
  ``outboundAccountPosition``): only the assets it lists, each the truth as of the stamp.
  Fills the engine booked with an exchange time after the stamp are applied on top (the
  snapshot came late); fills at or before it are in the snapshot already, so booking them
  later leaves the total alone (the snapshot came early); a snapshot older than the asset's
  last one is dropped. So a balance and its trade count once in either order of arrival
  (see ``balance_stamps``). The same rule runs when the ledger is replayed.
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


AS_OF = "@as_of_ns"
"""The key of a stamped snapshot's stamp in its journaled payload (no asset has that name)."""


def apply_stamped(account: AccountState, totals: Mapping[str, Decimal], as_of_ns: int) -> bool:
    """Set the listed assets' totals as of the exchange's stamp, with the fills booked after
    it on top (see the module doc); True if one changed."""
    changed = False
    stamps = account.stamps
    for asset, total in totals.items():
        if not stamps.newer(asset, as_of_ns):
            continue  # older news than the asset's last snapshot
        stamps.as_of[asset] = as_of_ns
        balance = account.balance(asset)
        now = total + stamps.since(asset, as_of_ns)
        if balance.total != now:
            balance.total, changed = now, True
    return changed


def restore_totals(account: AccountState, payload: str) -> None:
    """Apply a journaled ``balances`` record (restart)."""
    data = json.loads(payload)
    stamp = data.pop(AS_OF, None)
    totals = {a: Decimal(q) for a, q in data.items()}
    if stamp is None:
        apply_totals(account, totals)
    else:
        apply_stamped(account, totals, int(stamp))


def on_balances(
    engine: Engine,
    account_name: str,
    totals: Mapping[str, Decimal],
    as_of_ns: int | None = None,
) -> None:
    """Journal a venue's snapshot (a poll's: only when it differs from what the account
    shows), then apply it."""
    account = engine.state.accounts.get(account_name)
    if account is None:
        return
    data = {a: str(q) for a, q in totals.items()}
    if as_of_ns is None:
        shown = {a: b.total for a, b in account.balances.items() if b.total}
        if shown == {a: q for a, q in totals.items() if q}:
            return
    else:
        data[AS_OF] = str(as_of_ns)
    payload = json.dumps(data, separators=(",", ":"))
    record = Record(engine.clock.now_ns(), account_name, "balances", None, payload)

    def apply() -> None:
        if as_of_ns is None:
            changed = apply_totals(account, totals)
        else:
            changed = apply_stamped(account, totals, as_of_ns)
        if changed:
            engine.bus.publish(BalancesChanged(account_name))

    engine.trading.writer.submit([record], apply)
