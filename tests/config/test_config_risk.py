"""``[accounts.risk]``: the risk manager's limits from the config file, per account with
per-strategy overrides, reaching the engine's account spec; bad values named."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from tradeterm.cli.compose import account_specs
from tradeterm.config.load import parse_config
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.risk_rules import RiskLimits

TEXT = """
[[accounts]]
name = "paper"

[accounts.risk]
daily_loss = "250.50"
max_drawdown_pct = 8
max_positions = 3
cooldown_s = 30
max_orders_per_minute = 20

[accounts.risk.strategies.mm]
max_orders_per_minute = 120
cooldown_s = 0
"""


def test_risk_limits_reach_the_account_spec_with_overrides() -> None:
    settings = parse_config(tomllib.loads(TEXT), "inline")
    (spec,) = account_specs(settings)
    limits = spec.risk
    assert limits.daily_loss == Decimal("250.50")
    assert limits.max_drawdown_pct == Decimal("8")
    assert (limits.max_positions, limits.cooldown_s, limits.max_orders_per_minute) == (3, 30, 20)
    mm = limits.for_tag("mm")
    assert (mm.max_positions, mm.cooldown_s, mm.max_orders_per_minute) == (3, 0, 120)
    assert limits.for_tag("grid") == limits  # no override: the account's limits


def test_no_risk_table_means_no_limits() -> None:
    settings = parse_config(tomllib.loads('[[accounts]]\nname = "a"\n'), "inline")
    assert account_specs(settings)[0].risk == RiskLimits()
    assert not RiskLimits().any


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("max_drawdown_pct = 120", "max_drawdown_pct"),
        ("daily_loss = -5", "daily_loss"),
        ("max_orders_per_minute = 0", "max_orders_per_minute"),
        ("stop_loss = 3", "stop_loss"),
    ],
)
def test_bad_risk_values_are_named(line: str, words: str) -> None:
    text = f'[[accounts]]\nname = "a"\n[accounts.risk]\n{line}\n'
    with pytest.raises(ConfigError, match=words):
        parse_config(tomllib.loads(text), "inline")


def test_the_per_order_guards_reach_the_account_spec_and_bad_ones_are_named() -> None:
    text = '[[accounts]]\nname = "a"\n[accounts.risk]\nmax_notional = "2500"\n'
    text += 'max_position = "0.5"\nprice_band_pct = 3\n'
    (spec,) = account_specs(parse_config(tomllib.loads(text), "inline"))
    assert (spec.risk.max_notional, spec.risk.max_position, spec.risk.price_band_pct) == (
        Decimal("2500"),
        Decimal("0.5"),
        Decimal("3"),
    )
    assert spec.risk.any
    bad = '[[accounts]]\nname = "a"\n[accounts.risk]\nprice_band_pct = 0\n'
    with pytest.raises(ConfigError, match="price_band_pct"):
        parse_config(tomllib.loads(bad), "inline")
