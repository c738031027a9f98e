"""Building the running parts from config: the sim feed, the engine, its ledger and venues."""

from __future__ import annotations

from pathlib import Path

from tradeterm import paths
from tradeterm.config.settings import Settings
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import ConfigError, DataError
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import Clock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.ports import MarketFeed
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.catalog import ALL_LISTINGS
from tradeterm.venues.sim.feed import SimFeed

LEDGER_FILE = "ledger.sqlite"


def data_dir_for(config: Settings) -> Path:
    if config.general.data_dir:
        return Path(config.general.data_dir).expanduser()
    return paths.data_dir()


def sim_feed(config: Settings, clock: Clock) -> SimFeed:
    """The built-in market as configured. Raises ConfigError for an unknown symbol."""
    try:
        return SimFeed(
            clock,
            seed=config.sim.seed,
            rate=config.sim.rate,
            symbols=config.sim.symbols or None,
            history_minutes=config.sim.history_minutes,
            universe=config.sim.universe,
        )
    except DataError as exc:
        listed = ", ".join(x.symbol for x in ALL_LISTINGS)
        raise ConfigError(f"config key sim.symbols: {exc}; it lists {listed}") from None


def account_specs(config: Settings) -> list[AccountSpec]:
    return [
        AccountSpec(a.name, a.mode, a.venue, dict(a.balances), a.fill_model, a.latency_ms)
        for a in config.accounts
    ]


def build_engine(
    config: Settings,
    clock: Clock,
    feed: MarketFeed,
    ledger_path: Path | None,
    *,
    paper_only: bool = False,
) -> Engine:
    """The engine with its ledger and one paper venue per paper account.

    Live accounts get no venue yet (no exchange adapter is configured); they
    are listed but every order on them is refused with that reason. With
    ``paper_only`` (replays) live accounts are left out altogether.
    """
    specs = account_specs(config)
    if paper_only:
        specs = [s for s in specs if s.mode is AccountMode.PAPER] or [AccountSpec("paper")]
    ledger = Ledger(ledger_path) if ledger_path is not None else None
    engine = Engine(clock, feed, specs, ledger=ledger)
    for spec in specs:
        if spec.mode is AccountMode.PAPER:
            venue = PaperVenue(
                spec.name, engine, clock, fill_model=spec.fill_model, latency_ms=spec.latency_ms
            )
            engine.attach_venue(spec.name, venue)
    return engine
