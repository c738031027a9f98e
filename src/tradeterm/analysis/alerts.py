"""Price and indicator alerts: parsing, edge-triggered checks, persistence, the status file.

Forms (the symbol may be left out to mean the active one)::

    BTC/USDT > 70000          price alerts: > >= < <= on the last trade price
    ETH/USDT rsi < 25         indicator alerts: any scanner filter over its columns
    SOL/USDT chg_1h > 3 and vol_z > 2

An alert fires when its condition becomes true (it must have been false, or
unknown, since it was armed), once; ``repeat`` alerts re-arm when the condition
turns false again. Price alerts are checked on every trade of their symbol;
indicator alerts on every scanner pass. Firing publishes ``AlertFired`` and
writes one line to the status file, for a tmux status line::

    set -g status-right "#(cat ~/.local/share/tradeterm/last-alert.txt)"
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import AlertFired, TradePrinted
from tradeterm.domain.numbers import MAX_PRICE

if TYPE_CHECKING:
    from tradeterm.analysis.filter import Filter
    from tradeterm.analysis.scanner import ScanResult

log = logging.getLogger("tradeterm.alerts")

_PRICE = re.compile(r"^\s*(>=|<=|>|<)\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*$")
_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
FORMS = (
    "alert [SYMBOL] > PRICE | alert [SYMBOL] < PRICE | alert [SYMBOL] rsi < 25 (any scanner filter)"
)


class AlertError(TradetermError):
    """An alert that cannot be understood; the message shows the forms allowed."""


@dataclass(slots=True)
class Alert:
    id: str
    symbol: str
    condition: str
    repeat: bool = False
    active: bool = True
    fired_ns: int = 0
    armed: bool = field(default=True, compare=False)

    @property
    def is_price(self) -> bool:
        return _PRICE.match(self.condition) is not None

    def describe(self) -> str:
        return f"{self.symbol} {self.condition}"


def parse_alert(text: str, symbols: Sequence[str], active_symbol: str) -> tuple[str, str]:
    """(symbol, condition) from ``text``; raises AlertError saying what is allowed."""
    words = text.strip().split(maxsplit=1)
    if not words:
        raise AlertError(f"an alert needs a condition: {FORMS}")
    by_name = {s.upper().replace("/", ""): s for s in symbols}
    first = words[0].upper().replace("/", "")
    if first in by_name:
        symbol, condition = by_name[first], words[1] if len(words) > 1 else ""
    else:
        symbol, condition = active_symbol, text.strip()
    if not condition:
        raise AlertError(f"alert on {symbol} needs a condition: {FORMS}")
    price = _PRICE.match(condition)
    if price is not None and _level(price) > MAX_PRICE:
        raise AlertError(f"alert price too large: at most {MAX_PRICE:,f}. Forms: {FORMS}")
    if price is None:
        # the filter language loads with the first indicator alert, not with every start
        from tradeterm.analysis.filter import FilterError, compile_filter

        try:
            compile_filter(condition)
        except FilterError as exc:
            raise AlertError(f"alert condition: {exc}. Forms: {FORMS}") from None
    return symbol, condition


class AlertBook:
    """The user's alerts, saved to a JSON file after every change.

    Args:
        path: where to keep them (None: not saved).
        status_file: the one-line file updated when an alert fires (None: not written).
        publish: called with an AlertFired event (the engine's bus publish).
        clock: nanoseconds now.
    """

    def __init__(
        self,
        path: Path | None,
        status_file: Path | None,
        publish: Callable[[object], None],
        clock: Callable[[], int],
    ) -> None:
        self.path = path
        self.status_file = status_file
        self.publish = publish
        self.clock = clock
        self.alerts: dict[str, Alert] = {}
        self._filters: dict[str, Filter] = {}
        self._counter = 0
        if path is not None and path.exists():
            self._load(path)

    # --- managing -----------------------------------------------------------------

    def add(self, symbol: str, condition: str, *, repeat: bool = False, save: bool = True) -> Alert:
        self._counter += 1
        alert = Alert(f"a{self._counter}", symbol, condition, repeat)
        while alert.id in self.alerts:
            self._counter += 1
            alert.id = f"a{self._counter}"
        self.alerts[alert.id] = alert
        if save:
            self._save()
        log.info("alert %s set: %s", alert.id, alert.describe())
        return alert

    def remove(self, alert_id: str) -> Alert:
        alert = self.alerts.pop(alert_id, None)
        if alert is None:
            known = ", ".join(self.alerts) or "none"
            raise AlertError(f"no alert {alert_id!r}; alerts: {known}")
        self._filters.pop(alert_id, None)
        self._save()
        return alert

    def active(self) -> list[Alert]:
        return [a for a in self.alerts.values() if a.active]

    # --- checking -----------------------------------------------------------------

    def on_trade(self, event: TradePrinted) -> None:
        """Check the symbol's price alerts against a trade (subscribe to TradePrinted)."""
        if not self.alerts:  # (every trade of every symbol comes here)
            return
        trade = event.trade
        names = (trade.symbol, f"{trade.symbol}@{event.venue}")  # bare, or with its venue
        for alert in self.alerts.values():
            if alert.active and alert.symbol in names and alert.is_price:
                match = _PRICE.match(alert.condition)
                assert match is not None
                op, level = match.group(1), _level(match)
                self._edge(alert, _OPS[op](trade.price, level), str(trade.price))

    def on_scan(self, result: ScanResult) -> None:
        """Check indicator alerts against a scanner pass (call it on the event loop)."""
        for alert in self.alerts.values():
            if not alert.active or alert.is_price or alert.symbol not in result.symbols:
                continue
            rule = self._filters.get(alert.id)
            if rule is None:
                from tradeterm.analysis.filter import compile_filter

                rule = self._filters[alert.id] = compile_filter(alert.condition)
            row = result.row(alert.symbol)
            shown = ", ".join(f"{c} {_fmt(row.get(c))}" for c in sorted(rule.columns))
            self._edge(alert, rule.matches(row), shown)

    def _edge(self, alert: Alert, now_true: bool, value: str) -> None:
        if not now_true:
            alert.armed = True
            return
        if not alert.armed:
            return
        alert.armed = False
        alert.fired_ns = self.clock()
        if not alert.repeat:
            alert.active = False
        self._save()
        log.warning("alert %s fired: %s (%s)", alert.id, alert.describe(), value)
        self._write_status(alert, value)
        self.publish(AlertFired(alert.id, alert.symbol, alert.condition, value, alert.fired_ns))

    # --- files --------------------------------------------------------------------

    def _write_status(self, alert: Alert, value: str) -> None:
        if self.status_file is None:
            return
        stamp = time.strftime("%H:%M:%S", time.gmtime(alert.fired_ns / 1e9))
        _atomic_write(self.status_file, f"⚑ {alert.describe()} ({value}) {stamp}Z\n")

    def _save(self) -> None:
        if self.path is not None:
            data = [asdict(a) for a in self.alerts.values()]
            for row in data:
                row.pop("armed", None)
            _atomic_write(self.path, json.dumps(data, indent=1))

    def _load(self, path: Path) -> None:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            for row in rows:
                alert = Alert(**row)
                self.alerts[alert.id] = alert
                self._counter = max(self._counter, int(alert.id.lstrip("a") or 0))
        except (OSError, ValueError, TypeError) as exc:
            self.alerts.clear()
            kept = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
            try:
                path.rename(kept)
            except OSError:
                kept = path
            log.error(
                "alerts file %s unreadable (%s); kept it as %s and started with none",
                path,
                exc,
                kept,
            )

    def load_config(self, rules: Iterable[tuple[str, str, bool]]) -> None:
        """Alerts defined in config: (symbol, condition, repeat); not saved to the file."""
        present = {(a.symbol, a.condition) for a in self.alerts.values()}
        for symbol, condition, repeat in rules:
            if (symbol, condition) not in present:
                self.add(symbol, condition, repeat=repeat, save=False)


def _level(match: re.Match[str]) -> Decimal:
    """The price level of a matched price condition (``> 70,000`` -> 70000)."""
    return Decimal(match.group(2).replace(",", "").replace("_", ""))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["FORMS", "Alert", "AlertBook", "AlertError", "parse_alert"]
