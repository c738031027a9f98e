"""`tradeterm history`: the ledger's fills and realized PnL as CSV."""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

from tradeterm.config.settings import Settings
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.history import ledger_rows, write_csv
from tradeterm.engine.ledger import Ledger
from tradeterm.paths import LEDGER_FILE, data_dir_for


def export_history(config: Settings, account: str | None, out: Path | None) -> int:
    data_dir = data_dir_for(config)
    path = data_dir / LEDGER_FILE
    if not path.exists():
        raise TradetermError(f"no ledger at {path} yet: nothing has been traded")
    names = [a.name for a in config.accounts]
    if account is not None and account not in names:
        raise TradetermError(f"unknown account {account!r}; accounts: {', '.join(names)}")
    ledger = Ledger(path)
    try:
        rows = ledger_rows(ledger.records(), account)
    finally:
        ledger.close()
    target = out or data_dir / f"fills-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    write_csv(rows, target)
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.fill.account] = row.cumulative
    summary = ", ".join(f"{name} {total:,.2f}" for name, total in totals.items()) or "none"
    print(f"wrote {len(rows)} fills to {target}; realized PnL: {summary}", file=sys.stdout)
    return 0
