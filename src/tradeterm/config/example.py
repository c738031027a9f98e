"""Render a commented config file from the models' field docstrings (config.toml.example)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import tomli_w
from pydantic import BaseModel

from tradeterm.config.load import _plain
from tradeterm.config.models import AccountConfig, AlertConfig, Config, VenueConfig
from tradeterm.config.risk_config import RiskConfig
from tradeterm.config.strategy_config import StrategyEntryConfig
from tradeterm.domain.enums import FillModel

HEADER = """\
# tradeterm configuration: every key, with its default.
# Copy this file to the path `tradeterm --help` shows (or pass --config PATH)
# and change what you need; keys you leave out keep their defaults.
"""


def _comment(text: str | None) -> str:
    lines = (text or "").replace("``", "`").strip().splitlines()
    return "".join(f"# {line.strip()}\n" for line in lines)


def _value(value: Any) -> str:
    """A TOML value; tables are written inline so they stay under their key."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


#: What a key that is off by default (None) could be set to, shown commented out.
_OFF_EXAMPLES: dict[str, Any] = {
    "daily_loss": "500",
    "max_drawdown_pct": "10",
    "max_positions": 5,
    "cooldown_s": 30,
    "max_orders_per_minute": 60,
    "max_notional": "5000",
    "max_position": "1",
    "price_band_pct": "5",
}


def _section(name: str, model: BaseModel, array: bool = False, skip: str = "") -> str:
    out = [f"\n[[{name}]]\n" if array else f"\n[{name}]\n"]
    tables: list[str] = []
    for field_name, field in type(model).model_fields.items():
        if field_name == skip:
            out.append(_comment(field.description))
            continue
        raw = getattr(model, field_name)
        if isinstance(raw, BaseModel):  # a sub-table, after this table's own keys
            table = _section(f"{name}.{field_name}", raw).lstrip("\n")
            tables.append(_comment(field.description) + table)
            continue
        value = _plain(raw)
        out.append(_comment(field.description))
        if value is None:
            out.append(f"# {field_name} = {_value(_OFF_EXAMPLES[field_name])}  (off)\n")
        else:
            out.append(f"{field_name} = {_value(value)}\n")
    return "".join(out + ["\n" + table for table in tables])


_EXAMPLES: dict[str, tuple[BaseModel, ...]] = {
    "accounts": (
        AccountConfig(
            name="cautious",
            balances={"USDT": Decimal("2500"), "BTC": Decimal("0.05")},
            fill_model=FillModel.PESSIMISTIC,
            latency_ms=150,
            risk=RiskConfig(
                daily_loss=Decimal("100"), max_drawdown_pct=Decimal("8"), max_orders_per_minute=30
            ),
        ),
    ),
}
#: Shown commented out: copying the example must not switch alerts on.
_COMMENTED: dict[str, tuple[BaseModel, ...]] = {
    "alerts": (
        AlertConfig(symbol="BTC/USDT", condition="> 70000"),
        AlertConfig(symbol="ETH/USDT", condition="rsi < 25 and vol_z > 2", repeat=True),
    ),
}
#: Tables keyed by name, shown commented out: a real exchange needs the network.
_COMMENTED_TABLES: dict[str, dict[str, BaseModel]] = {
    "venues": {"binance": VenueConfig(exchange="binance", symbols=["BTC/USDT", "ETH/USDT"])},
}

#: Arrays of tables inside a table, shown commented out: a strategy trades on its own.
_COMMENTED_ARRAYS: dict[str, tuple[str, tuple[BaseModel, ...]]] = {
    "strategies": (
        "run",
        (
            StrategyEntryConfig(
                name="grid-btc",
                kind="grid",
                account="paper",
                instrument="BTC/USDT@sim",
                params={"lower": 60000, "upper": 64000, "levels": 10, "qty": "0.001"},
            ),
        ),
    ),
}


def _commented(text: str) -> str:
    return "".join(
        row if row.startswith("#") or not row.strip() else f"# {row}"
        for row in text.splitlines(keepends=True)
    )


def render_example() -> str:
    """The text of config.toml.example, generated so it can never disagree with the code."""
    config = Config.model_validate({})
    parts = [HEADER]
    for name, field in Config.model_fields.items():
        value: Any = getattr(config, name)
        if isinstance(value, list):
            parts.append(f"\n{_comment(field.description)}")
            parts.extend(_section(name, item, array=True) for item in value)
            parts.extend(_section(name, item, array=True) for item in _EXAMPLES.get(name, ()))
            for item in _COMMENTED.get(name, ()):
                parts.append(_commented(_section(name, item, array=True)))
        elif isinstance(value, dict):
            parts.append(f"\n{_comment(field.description)}")
            for key, item in _COMMENTED_TABLES.get(name, {}).items():
                parts.append(_commented(_section(f"{name}.{key}", item)))
        else:
            parts.append(f"\n{_comment(field.description)}".rstrip("\n"))
            key, items = _COMMENTED_ARRAYS.get(name, ("", ()))
            parts.append(_section(name, value, skip=key))
            for item in items:
                parts.append(_commented(_section(f"{name}.{key}", item, array=True)))
    return "".join(parts).replace("\n\n\n", "\n\n")
