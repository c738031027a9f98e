"""The config file's schema: every key, its default, what is allowed, and why it exists."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from tradeterm.config.risk_config import RiskConfig
from tradeterm.config.section import Section
from tradeterm.config.settings import (
    NATIVE_EXCHANGES,
    REPLAY,
    AccountSettings,
    AlertSettings,
    GeneralSettings,
    Settings,
    SimSettings,
    StrategiesSettings,
    StrategyEntry,
    UiSettings,
    VenueSettings,
)
from tradeterm.config.strategy_config import StrategiesConfig, split_instrument
from tradeterm.domain.enums import AccountMode, FillModel

# The defaults live with the settings (a start without a config file reads only those).
_GENERAL, _SIM, _UI = GeneralSettings(), SimSettings(), UiSettings()
_ACCOUNT = Settings().accounts[0]


class GeneralConfig(Section):
    venue: Literal["sim"] = _GENERAL.venue
    """Market-data venue the workstation opens on. ``sim`` is the built-in simulated market."""

    data_dir: str = _GENERAL.data_dir
    """Where the ledger and logs live. Empty means the platform's user data directory."""

    log_level: Literal["debug", "info", "warning", "error"] = _GENERAL.log_level
    """Lowest level written to the log file and shown in the log pane."""

    regime_model: Literal["rules", "gmm"] = _GENERAL.regime_model
    """How market regimes are labelled: ``rules`` (the documented thresholds) or ``gmm`` (a
    Gaussian mixture over the same features; needs scikit-learn, else the rules, said in
    the log)."""


class SimConfig(Section):
    seed: int = _SIM.seed
    """Seed of the simulated market: the same seed replays the same market."""

    rate: Annotated[float, Field(ge=0, le=20_000)] = _SIM.rate
    """Order-book updates per second across all symbols (0 pauses the market, 1000+ is busy)."""

    universe: Literal["core", "all"] = _SIM.universe
    """``core``: 22 hand-made markets; ``all``: 124 markets, for a wide scanner."""

    symbols: list[str] = list(_SIM.symbols)
    """Which sim listings to trade, e.g. ``["BTC/USDT", "ETH/USDT"]``. Empty: the universe."""

    history_minutes: Annotated[int, Field(ge=30, le=2880)] = _SIM.history_minutes
    """One-minute candles of history the sim makes at start (1440 = one day)."""


class UiConfig(Section):
    theme: str = _UI.theme
    """Theme name: a file stem in themes/ or the user's themes directory."""

    refresh_hz: Annotated[float, Field(ge=1, le=30)] = _UI.refresh_hz
    """How often panes redraw at most, per second; the feed rate never drives redraws."""

    ladder_depth: Annotated[int, Field(ge=5, le=100)] = _UI.ladder_depth
    """Price levels per side the order-book ladder keeps ready."""

    keys: dict[str, str] = dict(_UI.keys)
    """Remapped keys: binding id (``?`` lists them) to key(s), e.g.
    ``{ quit = "ctrl+q", "order.buy" = "f9" }``. A key another binding uses is refused."""

    @field_validator("keys", mode="before")
    @classmethod
    def _dotted_ids(cls, value: Any) -> Any:
        return flatten_keys(value)


class AccountConfig(Section):
    name: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
    """Account name shown in the header (letters, digits, ``_ . -``)."""

    mode: AccountMode = _ACCOUNT.mode
    """``paper`` (simulated fills on the real or sim book) or ``live``."""

    venue: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")] = (
        _ACCOUNT.venue
    )
    """Venue the account trades on: ``sim`` or the name of a ``[venues.NAME]`` table. The
    workstation runs a feed for every venue an account trades on, side by side."""

    balances: dict[str, Decimal] = dict(_ACCOUNT.balances)
    """Starting balances of a paper account, asset to amount, e.g. ``{ USDT = "10000" }``."""

    fill_model: FillModel = _ACCOUNT.fill_model
    """Paper fills: ``optimistic`` (on touch), ``realistic`` (queue position, the default),
    ``pessimistic`` (only when the price trades through)."""

    latency_ms: Annotated[int, Field(ge=0, le=10_000)] = _ACCOUNT.latency_ms
    """Paper latency between sending an order or cancel and its arrival at the book."""

    disarm_after_minutes: Annotated[float, Field(gt=0, le=1440)] = _ACCOUNT.disarm_after_minutes
    """A live account disarms itself after this many minutes without a key press."""

    risk: RiskConfig = Field(default_factory=RiskConfig.model_construct)
    """Risk limits: daily loss, drawdown, positions, cooldown, order rate (docs/risk.md)."""

    @field_validator("balances")
    @classmethod
    def _non_negative(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, amount in value.items():
            if not amount.is_finite() or amount < 0:
                raise ValueError(f"balance of {asset} must be a number >= 0, got {amount}")
        return value


class VenueConfig(Section):
    exchange: Annotated[str, Field(pattern=r"^[a-z0-9_]*$", max_length=32)] = ""
    """The exchange's id (a ccxt exchange id, lower case); defaults to the table's name.
    ``binance`` (spot) and ``kraken`` (spot) have native feeds; any other goes through ccxt;
    ``replay`` plays recorded ``files`` as a venue."""

    feed: Literal["auto", "native", "ccxt"] = "auto"
    """``auto``: the native feed where there is one (binance, kraken), else ccxt; ``ccxt``:
    ccxt even where a native feed exists (heavier: ~100 MB and 0.7 s more at start)."""

    symbols: list[str] = []
    """Markets to stream, written ``BASE/QUOTE``, e.g. ``["BTC/USDT", "ETH/USDT"]`` (a replay
    has the symbols it recorded)."""

    files: list[str] = []
    """For ``exchange = "replay"``: capture or recording files played as one session (paths
    relative to the config file's folder, or absolute)."""

    speed: Annotated[float, Field(ge=0.25, le=100)] = 1.0
    """For ``exchange = "replay"``: how fast it plays, in times real time."""

    universe: Literal["list", "all"] = "list"
    """``list``: the ``symbols`` above; ``all``: every active spot market (in ``quote``)."""

    quote: str = ""
    """With ``universe = "all"``: only markets quoted in this asset, e.g. ``USDT``."""

    ccxt: dict[str, Any] = {}
    """Passed to the ccxt exchange's constructor as-is (deep-merged over its defaults); native
    feeds read their endpoints from ``urls`` here, e.g.
    ``urls = { api = { public = "...", ws = { spot = "..." } } }``."""

    markets_cache_hours: Annotated[float, Field(ge=0, le=8760)] = 24.0
    """How long the markets cached in the data directory are used without asking the
    exchange (they are used at any age when the exchange cannot be reached)."""

    sandbox: bool = False
    """Trade live accounts on the exchange's testnet (ccxt's sandbox mode)."""

    compression: Literal["auto", "deflate", "none"] = "auto"
    """Native feeds: whether the stream offers permessage-deflate. ``deflate``: about six
    times fewer bytes for a few microseconds of CPU a message; ``none``: the reverse;
    ``auto`` (default): ``deflate`` to a remote exchange, ``none`` to this machine or a
    private network (docs/native-feeds-wire.md has the figures)."""

    @field_validator("symbols")
    @classmethod
    def _base_quote(cls, value: list[str]) -> list[str]:
        bad = [s for s in value if s.count("/") != 1 or not all(s.split("/"))]
        if bad:
            raise ValueError(f"symbols are written BASE/QUOTE (e.g. BTC/USDT), got {bad[0]!r}")
        return value

    @model_validator(mode="after")
    def _symbols_or_all(self) -> VenueConfig:
        if self.universe == "list" and not self.symbols and self.exchange != REPLAY:
            raise ValueError(
                'symbols: list at least one market (e.g. ["BTC/USDT"]), '
                'or set universe = "all" (with quote = "USDT")'
            )
        if self.universe == "all" and self.symbols:
            raise ValueError('symbols and universe = "all" exclude each other; keep one')
        if self.quote and self.universe != "all":
            raise ValueError('quote applies to universe = "all" only')
        return self


class AlertConfig(Section):
    symbol: str
    """Symbol the alert watches, e.g. ``BTC/USDT``."""

    condition: str
    """``> 70000`` / ``< 60000`` (last price), or a scanner filter such as ``rsi < 25``."""

    repeat: bool = False
    """Fire again each time the condition turns true again (default: once)."""


def flatten_keys(value: Any) -> Any:
    """``{ order.buy = "f1" }`` in TOML is a nested table; it means the id ``order.buy``."""
    if not isinstance(value, dict):
        return value
    flat: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            for inner, leaf in flatten_keys(item).items():
                flat[f"{key}.{inner}"] = leaf
        else:
            flat[key] = item
    return flat


def _default_accounts() -> list[AccountConfig]:
    return [AccountConfig.model_construct(name=a.name) for a in Settings().accounts]


class Config(Section):
    """The whole config file."""

    general: GeneralConfig = Field(default_factory=GeneralConfig.model_construct)
    """General settings."""

    sim: SimConfig = Field(default_factory=SimConfig.model_construct)
    """The built-in simulated market."""

    ui: UiConfig = Field(default_factory=UiConfig.model_construct)
    """The workstation's look and keys."""

    accounts: list[AccountConfig] = Field(default_factory=_default_accounts, min_length=1)
    """Trading accounts; the first is active at start."""

    alerts: list[AlertConfig] = []
    """Alerts set from config (alerts set in the app are kept in the data directory)."""

    venues: dict[str, VenueConfig] = {}
    """Real exchanges' market data, one table each: ``[venues.binance]``."""

    strategies: StrategiesConfig = Field(default_factory=StrategiesConfig.model_construct)
    """Automated strategies."""

    @model_validator(mode="before")
    @classmethod
    def _strategy_list(cls, data: Any) -> Any:
        """``[[strategies]]`` (a list of entries) is ``[strategies] run = [...]``."""
        if isinstance(data, dict) and isinstance(data.get("strategies"), list):
            return {**data, "strategies": {"run": data["strategies"]}}
        return data

    @model_validator(mode="after")
    def _strategy_accounts(self) -> Config:
        venues = {a.name: a.venue for a in self.accounts}
        for entry in self.strategies.run:
            venue = venues.get(entry.account)
            if venue is None:
                raise ValueError(
                    f"strategy {entry.name!r}: account {entry.account!r} is not configured; "
                    f"allowed: {', '.join(venues)}"
                )
            _symbol, named = split_instrument(entry.instrument or entry.symbol)
            if named is not None and named != venue:
                raise ValueError(
                    f"strategy {entry.name!r}: account {entry.account!r} trades on {venue!r}, "
                    f"not {named!r}; write the instrument @{venue} or choose another account"
                )
        return self

    @model_validator(mode="after")
    def _known_venues(self) -> Config:
        for name, venue in self.venues.items():
            exchange = venue.exchange or name
            if exchange == REPLAY:
                if not venue.files:
                    raise ValueError(f'venues.{name}: a replay needs files = ["capture.gz", ...]')
                continue
            if venue.feed == "native" and exchange not in NATIVE_EXCHANGES:
                raise ValueError(
                    f"venues.{name}: exchange {exchange!r} has no native feed; native feeds: "
                    f'{", ".join(NATIVE_EXCHANGES)} (others use feed = "ccxt")'
                )
        known = ["sim", *self.venues]
        simulated = {"sim"} | {n for n, v in self.venues.items() if (v.exchange or n) == REPLAY}
        for account in self.accounts:
            if account.venue not in known:
                raise ValueError(
                    f"account {account.name!r}: venue {account.venue!r} is not configured; "
                    f"allowed: {', '.join(known)} (add a [venues.{account.venue}] table)"
                )
            if account.mode is AccountMode.LIVE and account.venue in simulated:
                exchanges = [n for n in self.venues if n not in simulated]
                raise ValueError(
                    f'account {account.name!r}: mode = "live" trades on an exchange, and venue '
                    f'{account.venue!r} is simulated; write mode = "paper", or a venue of a '
                    f"real exchange: {', '.join(exchanges) or 'none yet (add [venues.binance])'}"
                )
        return self

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, accounts: list[AccountConfig]) -> list[AccountConfig]:
        names = [a.name for a in accounts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"account names must be unique; repeated: {', '.join(duplicates)}")
        return accounts

    def to_settings(self) -> Settings:
        """The validated file as the settings the running parts read."""
        return Settings(
            GeneralSettings(**_values(self.general)),
            SimSettings(**{**_values(self.sim), "symbols": tuple(self.sim.symbols)}),
            UiSettings(**_values(self.ui)),
            tuple(
                AccountSettings(**{**_values(a), "risk": a.risk.to_limits()}) for a in self.accounts
            ),
            tuple(AlertSettings(**_values(a)) for a in self.alerts),
            {
                name: VenueSettings(
                    exchange=v.exchange or name,
                    symbols=tuple(v.symbols),
                    ccxt=dict(v.ccxt),
                    feed=v.feed,
                    quote=v.quote,
                    markets_cache_hours=v.markets_cache_hours,
                    files=tuple(v.files),
                    speed=v.speed,
                    sandbox=v.sandbox,
                    compression=v.compression,
                )
                for name, v in self.venues.items()
            },
            StrategiesSettings(
                self.strategies.dir,
                tuple(
                    StrategyEntry(
                        e.name,
                        e.kind,
                        e.account,
                        split_instrument(e.instrument or e.symbol)[0],
                        dict(e.params),
                        e.autostart,
                    )
                    for e in self.strategies.run
                ),
            ),
        )


def _values(section: BaseModel) -> dict[str, Any]:
    # not dict(section): a section with a field named "keys" would pass for a mapping
    return {name: getattr(section, name) for name in type(section).model_fields}
