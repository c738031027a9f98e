"""`tradeterm history`: the ledger's fills and realized PnL as CSV, or with ``--tax YEAR``
the year's disposals with FIFO cost basis and totals per asset."""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

from tradeterm.config.settings import Settings
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.history import RESET_NOTE, ResetMark, ledger_history, utc_stamp, write_csv
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.tax import asset_totals, tax_disposals, write_tax_csv
from tradeterm.paths import LEDGER_FILE, data_dir_for


def _ledger(config: Settings, account: str | None) -> Path:
    """The ledger's path, once it exists and ``account`` is known.

    Raises:
        TradetermError: no ledger yet, or an unknown account.
    """
    path = data_dir_for(config) / LEDGER_FILE
    if not path.exists():
        raise TradetermError(f"no ledger at {path} yet: nothing has been traded")
    names = [a.name for a in config.accounts]
    if account is not None and account not in names:
        raise TradetermError(f"unknown account {account!r}; accounts: {', '.join(names)}")
    return path


def export_history(config: Settings, account: str | None, out: Path | None) -> int:
    data_dir = data_dir_for(config)
    ledger = Ledger(_ledger(config, account))
    try:
        rows = ledger_history(ledger.records(), account)
    finally:
        ledger.close()
    target = out or data_dir / f"fills-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    write_csv(rows, target)
    totals: dict[str, Decimal] = {}
    fills = 0
    for row in rows:
        if isinstance(row, ResetMark):
            totals[row.account] = Decimal(0)
            when = utc_stamp(row.ts_ns)
            print(f"{row.account} was reset at {when}: {RESET_NOTE}", file=sys.stdout)
            continue
        fills += 1
        totals[row.fill.account] = row.cumulative
    summary = ", ".join(f"{name} {total:,.2f}" for name, total in totals.items()) or "none"
    print(f"wrote {fills} fills to {target}; realized PnL: {summary}", file=sys.stdout)
    return 0


def export_tax(config: Settings, year: int, account: str | None, out: Path | None) -> int:
    """Write ``year``'s disposals and totals per asset to CSV and print the totals."""
    if not 1970 <= year <= 9999:
        raise TradetermError(f"--tax takes a year from 1970 to 9999, got {year}")
    ledger = Ledger(_ledger(config, account))
    try:
        disposals = tax_disposals(ledger.records(), year, account)
    finally:
        ledger.close()
    suffix = f"-{account}" if account else ""
    target = out or data_dir_for(config) / f"tax-{year}{suffix}.csv"
    write_tax_csv(disposals, target)
    print(f"wrote {len(disposals)} disposals in {year} to {target}", file=sys.stdout)
    for t in asset_totals(disposals):
        print(
            f"  {t.account} {t.asset}: sold {t.qty.normalize():f}, proceeds {t.proceeds:,.2f}, "
            f"fees {t.fees:,.2f}, cost {t.cost_basis:,.2f}, gain {t.gain:,.2f} {t.quote}",
            file=sys.stdout,
        )
    return 0
