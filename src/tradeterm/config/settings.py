"""The settings the running parts read, with every default: plain frozen dataclasses.

A config file is validated by the pydantic schema in ``models.py`` (types, limits, the
docs of every key), which turns it into these. A start without a config file uses these
defaults as they are and never imports pydantic: that import is about a fifth of the work
to the workstation's first frame. ``models.py`` takes its defaults from here, and a test
checks that an empty file validates to exactly ``Settings()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from tradeterm.domain.enums import AccountMode, FillModel
from tradeterm.engine.risk_rules import RiskLimits


@dataclass(frozen=True, slots=True)
class GeneralSettings:
    venue: Literal["sim"] = "sim"
    data_dir: str = ""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    regime_model: Literal["rules", "gmm"] = "rules"


@dataclass(frozen=True, slots=True)
class SimSettings:
    seed: int = 7
    rate: float = 40.0
    universe: Literal["core", "all"] = "core"
    symbols: tuple[str, ...] = ()
    history_minutes: int = 1440


@dataclass(frozen=True, slots=True)
class UiSettings:
    theme: str = "tradeterm-dark"
    refresh_hz: float = 10.0
    ladder_depth: int = 25
    keys: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountSettings:
    name: str
    mode: AccountMode = AccountMode.PAPER
    venue: str = "sim"
    balances: Mapping[str, Decimal] = field(default_factory=lambda: {"USDT": Decimal("10000")})
    fill_model: FillModel = FillModel.REALISTIC
    latency_ms: int = 50
    disarm_after_minutes: float = 15.0
    risk: RiskLimits = field(default_factory=RiskLimits)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    symbol: str
    condition: str
    repeat: bool


@dataclass(frozen=True, slots=True)
class VenueSettings:
    """One ``[venues.NAME]`` table: a real exchange's market data (the name is its key)."""

    exchange: str
    symbols: tuple[str, ...] = ()
    ccxt: Mapping[str, Any] = field(default_factory=dict)
    markets_cache_hours: float = 24.0
    files: tuple[str, ...] = ()
    """A replay venue's files (as written in the config file)."""
    speed: float = 1.0
    sandbox: bool = False
    feed: str = "auto"
    """``auto``, ``native`` or ``ccxt`` (see the config's ``[venues.NAME] feed``)."""
    quote: str = ""
    """With no ``symbols`` (``universe = "all"``): only markets quoted in this asset."""
    compression: Literal["auto", "deflate", "none"] = "auto"
    """Native feeds: permessage-deflate offered or not (``[venues.NAME] compression``)."""

    @property
    def uses_ccxt(self) -> bool:
        """Whether this venue's market data comes through ccxt (and so imports it)."""
        return self.feed == "ccxt" or (
            self.feed == "auto" and self.exchange not in (*NATIVE_EXCHANGES, REPLAY)
        )


@dataclass(frozen=True, slots=True)
class StrategyEntry:
    """One ``[[strategies]]`` entry: a strategy instance the workstation can start by name."""

    name: str
    kind: str
    account: str
    symbol: str
    params: Mapping[str, Any] = field(default_factory=dict)
    autostart: bool = False


@dataclass(frozen=True, slots=True)
class StrategiesSettings:
    dir: str = ""
    run: tuple[StrategyEntry, ...] = ()


NATIVE_EXCHANGES = ("binance", "kraken")
REPLAY = "replay"
"""The exchange name of a venue that plays recorded files."""
"""Exchanges with a native feed in ``venues/`` (no ccxt needed)."""


@dataclass(frozen=True, slots=True)
class Settings:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    sim: SimSettings = field(default_factory=SimSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    accounts: tuple[AccountSettings, ...] = (AccountSettings("paper"),)
    alerts: tuple[AlertSettings, ...] = ()
    venues: Mapping[str, VenueSettings] = field(default_factory=dict)
    strategies: StrategiesSettings = field(default_factory=StrategiesSettings)

    def files_from(self, folder: Path) -> Settings:
        """These settings with each replay venue's relative file paths made absolute from
        ``folder`` (where the config file is)."""
        venues = {
            name: replace(v, files=tuple(str(folder / f) for f in v.files))
            for name, v in self.venues.items()
        }
        return replace(self, venues=venues)

    def venue_of(self, account: str | None = None) -> str:
        """The venue the workstation runs on: that of ``account`` (default: the first)."""
        for spec in self.accounts:
            if account is None or spec.name == account:
                return spec.venue
        return self.accounts[0].venue
