"""The user's alert book for the workstation: alerts set in the app (kept in the data
directory) plus those defined in config, checked before the screen opens."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tradeterm.analysis.alerts import AlertBook, AlertError, parse_alert
from tradeterm.config.settings import AlertSettings
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.engine import Engine

ALERTS_FILE = "alerts.json"
STATUS_FILE = "last-alert.txt"


def config_rules(
    alerts: Sequence[AlertSettings], symbols: Sequence[str]
) -> list[tuple[str, str, bool]]:
    """(symbol, condition, repeat) for each config alert.

    Raises:
        ConfigError: an alert names a symbol the market does not list or a condition that
            cannot be read; the message names the key, the value and what is allowed.
    """
    rules: list[tuple[str, str, bool]] = []
    known = {s.upper().replace("/", ""): s for s in symbols}
    for index, rule in enumerate(alerts):
        symbol = known.get(rule.symbol.upper().replace("/", ""))
        if symbol is None:
            raise ConfigError(
                f"config key alerts[{index}].symbol = {rule.symbol!r}: not a symbol of this "
                f"market; it lists {', '.join(symbols)}"
            )
        try:
            _, condition = parse_alert(f"{symbol} {rule.condition}", [symbol], symbol)
        except AlertError as exc:
            raise ConfigError(
                f"config key alerts[{index}].condition = {rule.condition!r}: {exc}"
            ) from None
        rules.append((symbol, condition, rule.repeat))
    return rules


def alert_book(engine: Engine, data_dir: Path, rules: list[tuple[str, str, bool]]) -> AlertBook:
    """The alert book the app checks: saved alerts from ``data_dir``, then config's
    ``rules`` (from ``config_rules``)."""
    book = AlertBook(
        data_dir / ALERTS_FILE, data_dir / STATUS_FILE, engine.bus.publish, engine.clock.now_ns
    )
    book.load_config(rules)
    return book
