"""Building the running parts from config: the market feed (the sim or a real exchange), the
engine, its ledger and venues, and the workstation's session around them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tradeterm import paths
from tradeterm.cli.alerts import alert_book
from tradeterm.cli.market import sim_symbols
from tradeterm.config.settings import Settings, VenueSettings
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.candle_feeder import CandleFeeder
from tradeterm.engine.candle_store import CandleStore
from tradeterm.engine.clock import Clock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.logbook import LogBook
from tradeterm.engine.ports import MarketFeed
from tradeterm.ui.session import Session
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

if TYPE_CHECKING:
    from tradeterm.venues.replay.recorder import Recorder


def sim_feed(config: Settings, clock: Clock) -> SimFeed:
    """The built-in market as configured. Raises ConfigError for an unknown symbol."""
    sim_symbols(config)
    return SimFeed(
        clock,
        seed=config.sim.seed,
        rate=config.sim.rate,
        symbols=config.sim.symbols or None,
        history_minutes=config.sim.history_minutes,
        universe=config.sim.universe,
    )


def market_feed(config: Settings, clock: Clock, venue_name: str | None = None) -> MarketFeed:
    """The feed of the venue the active (first) account trades on: the sim, or a configured
    ``[venues.NAME]`` exchange's native feed, or its ccxt feed (an exchange without a native
    feed, or ``feed = "ccxt"``). One venue runs at a time: the other accounts
    paper-trade on the same books. ``venue_name`` asks for another configured venue (``record``
    and ``markets`` use it).

    Raises:
        ConfigError: an unknown sim symbol; an exchange ccxt does not know, or ccxt missing.
    """
    name = venue_name or config.venue_of()
    venue = config.venues.get(name)
    if venue is None:
        return sim_feed(config, clock)
    urls = venue.ccxt.get("urls")
    endpoints = urls if isinstance(urls, Mapping) else None
    cache_dir = paths.data_dir_for(config) / "markets"
    if venue.uses_ccxt:
        return ccxt_feed(name, venue, cache_dir)
    if venue.exchange == "kraken":
        from tradeterm.venues.kraken import KrakenFeed  # only a configured exchange pays for it

        return KrakenFeed(
            venue.symbols,
            venue=name,
            urls=endpoints,
            cache_dir=cache_dir,
            cache_max_age_s=venue.markets_cache_hours * 3600,
            quote=venue.quote,
        )
    from tradeterm.venues.binance import BinanceFeed  # only a configured exchange pays for it

    return BinanceFeed(
        venue.symbols,
        venue=name,
        urls=endpoints,
        cache_dir=cache_dir,
        cache_max_age_s=venue.markets_cache_hours * 3600,
        quote=venue.quote,
    )


def ccxt_feed(name: str, venue: VenueSettings, cache_dir: Path) -> MarketFeed:
    """The ccxt feed of ``[venues.NAME]`` (ccxt is imported here, and only here).

    Raises:
        ConfigError: ccxt is not installed, or has no such exchange (or cannot stream it).
    """
    try:
        from tradeterm.venues.ccxt.feed import CcxtFeed
    except ImportError as exc:
        raise ConfigError(
            f"venues.{name}: exchange {venue.exchange!r} needs ccxt ({exc}); "
            "install it with: pip install 'tradeterm[ccxt]'"
        ) from None
    try:
        return CcxtFeed(
            venue.exchange,
            venue.symbols,
            venue=name,
            config=venue.ccxt,
            quote=venue.quote,
            cache_dir=cache_dir,
            cache_max_age_s=venue.markets_cache_hours * 3600,
        )
    except ConfigError as exc:
        raise ConfigError(f"venues.{name}: {exc}") from None


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


def open_session(
    config: Settings, clock: Clock, logbook: LogBook, rules: list[tuple[str, str, bool]]
) -> Session:
    """The workstation's session on the active account's venue: the engine with its ledger in the
    data directory, the user's alert book with config's ``rules`` (from
    ``cli.market.check_market``), and a recorder for ``R``."""
    data_dir = paths.data_dir_for(config)
    feed = market_feed(config, clock)
    engine = build_engine(config, clock, feed, data_dir / paths.LEDGER_FILE)
    alerts = alert_book(engine, data_dir, rules)
    candles = None
    if config.venue_of() in config.venues:  # a real exchange: the sim makes its own history
        store = CandleStore(data_dir / paths.CANDLES_FILE)
        candles = CandleFeeder(engine, store)

    def recorder() -> Recorder:
        from tradeterm.venues.replay.recorder import Recorder

        stamp = time.strftime("%Y%m%d-%H%M%S")
        return Recorder(engine, data_dir / "recordings" / f"{feed.venue}-{stamp}.ndjson.gz")

    return Session(engine, logbook, alerts, recorder, candles)
