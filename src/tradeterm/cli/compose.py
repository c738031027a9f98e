"""Building the running parts from config: the market feed (the sim or a real exchange), the
engine, its ledger and venues, and the workstation's session around them."""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tradeterm import paths
from tradeterm.cli.alerts import alert_book
from tradeterm.cli.market import sim_symbols
from tradeterm.config.settings import REPLAY, Settings, StrategyEntry, VenueSettings
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import ConfigError
from tradeterm.domain.events import ArmingChanged
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

if TYPE_CHECKING:
    from tradeterm.strategies.registry import StrategyClass
    from tradeterm.strategies.status import LoadError
    from tradeterm.venues.ccxt import CcxtVenue
    from tradeterm.venues.replay.recorder import Recorder
    from tradeterm.venues.sim.feed import SimFeed

log = logging.getLogger("tradeterm.strategies")


def sim_feed(config: Settings, clock: Clock) -> SimFeed:
    """The built-in market as configured. Raises ConfigError for an unknown symbol."""
    from tradeterm.venues.sim.feed import SimFeed  # (a start on an exchange needs none of it)

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
    """The feed of one venue, the first account's or ``venue_name``: the sim, a configured
    ``[venues.NAME]`` exchange's native feed or its ccxt feed (an exchange without a native
    feed, or ``feed = "ccxt"``), or a replay venue's recorded files.

    Raises:
        ConfigError: an unknown sim symbol; an exchange ccxt does not know, or ccxt missing.
    """
    name = venue_name or config.venue_of()
    venue = config.venues.get(name)
    if venue is None:
        return sim_feed(config, clock)
    if venue.exchange == REPLAY:
        from tradeterm.venues.replay.live import LiveReplay

        return LiveReplay(venue.files, clock, venue=name, speed=venue.speed)
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
            compression=venue.compression,
            clock=clock,
        )
    from tradeterm.venues.binance import BinanceFeed  # only a configured exchange pays for it

    return BinanceFeed(
        venue.symbols,
        venue=name,
        urls=endpoints,
        cache_dir=cache_dir,
        cache_max_age_s=venue.markets_cache_hours * 3600,
        quote=venue.quote,
        compression=venue.compression,
        clock=clock,
    )


def market_feeds(config: Settings, clock: Clock) -> list[MarketFeed]:
    """One feed for each venue an account trades on, the first account's first: they all
    run in one engine, and the workstation shows their markets side by side.

    Raises:
        ConfigError: an unknown sim symbol.
        DataError: a replay venue's file is missing or unreadable.
    """
    venues = dict.fromkeys(a.venue for a in config.accounts)
    return [market_feed(config, clock, name) for name in venues]


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
    """Accounts as the engine takes them; a live account's funds come from its exchange."""
    return [
        AccountSpec(
            a.name,
            a.mode,
            a.venue,
            dict(a.balances) if a.mode is AccountMode.PAPER else {},
            a.fill_model,
            a.latency_ms,
            a.disarm_after_minutes * 60,
            a.risk,
        )
        for a in config.accounts
    ]


def live_venue(
    config: Settings, spec: AccountSpec, clock: Clock, secrets_dir: Path
) -> CcxtVenue | None:
    """The ccxt venue of a live account on a ``[venues.NAME]`` exchange, with its keys (ccxt
    is imported only here); None for a live account on the sim (its orders are refused).

    Raises:
        ConfigError: no keys, or a secrets file others can read (see ``config.secrets``).
    """
    venue = config.venues.get(spec.venue)
    if venue is None:
        return None
    from tradeterm.config.secrets import load_credentials

    credentials = load_credentials(spec.name, secrets_dir)
    if importlib.util.find_spec("ccxt") is None:  # only a live account needs it
        raise ConfigError(
            f"live account {spec.name!r} trades through ccxt, which is not installed: "
            "pip install 'tradeterm[live]' (or pip install ccxt)"
        )
    from tradeterm.venues.ccxt import CcxtVenue

    return CcxtVenue(
        spec.name,
        venue.exchange,
        credentials,
        clock,
        config=venue.ccxt,
        sandbox=venue.sandbox,
        dead_man_symbols=venue.symbols,
    )


def build_engine(
    config: Settings,
    clock: Clock,
    feed: MarketFeed | list[MarketFeed],
    ledger_path: Path | None,
    *,
    paper_only: bool = False,
    secrets_dir: Path | None = None,
) -> Engine:
    """The engine with its ledger and one paper venue per paper account.

    A live account on a configured exchange gets a ccxt venue with its keys from the
    environment or ``secrets.toml`` in ``secrets_dir`` (default: the config directory); one
    on the sim has none, and its orders are refused with that reason. With ``paper_only``
    (replays) live accounts are left out altogether.

    Raises:
        ConfigError: a live account's keys are missing or their file is not 0600.
    """
    specs = account_specs(config)
    if paper_only:  # a replay: the paper accounts trade on what it plays
        paper = [replace(s, venue="") for s in specs if s.mode is AccountMode.PAPER]
        specs = paper or [AccountSpec("paper")]
    ledger = Ledger(ledger_path) if ledger_path is not None else None
    engine = Engine(clock, feed, specs, ledger=ledger)
    for spec in specs:
        if spec.mode is AccountMode.PAPER:
            venue = PaperVenue(
                spec.name,
                engine.view(spec.venue),
                clock,
                fill_model=spec.fill_model,
                latency_ms=spec.latency_ms,
            )
            engine.attach_venue(spec.name, venue)
        else:
            live = live_venue(config, spec, clock, secrets_dir or paths.config_dir())
            if live is not None:
                engine.attach_venue(spec.name, live)
                engine.bus.subscribe(ArmingChanged, live.on_arming)  # its dead-man's switch
    return engine


def open_session(
    config: Settings,
    clock: Clock,
    logbook: LogBook,
    rules: list[tuple[str, str, bool]],
    secrets_dir: Path | None = None,
) -> Session:
    """The workstation's session on the active account's venue: the engine with its ledger in the
    data directory, the user's alert book with config's ``rules`` (from
    ``cli.market.check_market``), and a recorder for ``R``."""
    data_dir = paths.data_dir_for(config)
    if config.general.regime_model != "rules":  # (the rules need no import here)
        from tradeterm.analysis.regime_gmm import use_model

        if note := use_model(config.general.regime_model):
            logging.getLogger("tradeterm.analysis.regime").warning(note)
    feeds = market_feeds(config, clock)
    ledger = data_dir / paths.LEDGER_FILE
    engine = build_engine(config, clock, feeds, ledger, secrets_dir=secrets_dir)
    alerts = alert_book(engine, data_dir, rules)
    exchanges = [
        v for v in engine.feeds if v in config.venues and config.venues[v].exchange != REPLAY
    ]
    candles: tuple[CandleFeeder, ...] = ()
    if exchanges:  # a real exchange: the sim and a replay bring their own history
        store = CandleStore(data_dir / paths.CANDLES_FILE)
        candles = tuple(CandleFeeder(engine, store, venue=v) for v in exchanges)

    def recorder() -> Recorder:
        from tradeterm.venues.replay.recorder import Recorder

        stamp = time.strftime("%Y%m%d-%H%M%S")
        venue = engine.feed.venue
        return Recorder(engine, data_dir / "recordings" / f"{venue}-{stamp}.ndjson.gz")

    entries, kinds, broken = strategy_entries(config)
    return Session(engine, logbook, alerts, recorder, candles, entries, kinds, broken)


def strategy_entries(
    config: Settings,
) -> tuple[tuple[StrategyEntry, ...], Mapping[str, StrategyClass] | None, tuple[LoadError, ...]]:
    """The ``[[strategies]]`` entries, the strategies by kind (the built-ins and those of
    ``strategies.dir``) and the files there that did not load: a broken file is logged and
    listed in the strategies pane, and the others load. While a file is broken, an entry
    of a kind no file gives is not fatal either: it cannot start, and says so.

    Raises:
        ConfigError: an entry of an unknown kind or with bad parameters (every one, named).

    With no entry and no folder it loads no strategy (kinds None: the built-ins, loaded
    when the start form or a strategy first needs them).
    """
    if not config.strategies.run and not config.strategies.dir:
        return (), None, ()
    from tradeterm.strategies.registry import BUILTINS, load_folder
    from tradeterm.strategies.runner import check_entries

    kinds: dict[str, StrategyClass] = dict(BUILTINS)
    broken: tuple[LoadError, ...] = ()
    if config.strategies.dir:
        loaded = load_folder(config.strategies.dir)
        kinds.update(loaded.strategies)
        broken = tuple(loaded.errors)
    checked = [e for e in config.strategies.run if e.kind in kinds or not broken]
    problems = check_entries(checked, kinds)
    if problems:
        raise ConfigError("[[strategies]]: " + "; ".join(problems))
    for entry in config.strategies.run:
        if entry.kind not in kinds and broken:
            log.error(
                "strategy %s: kind %r is not available: a strategy file did not load",
                entry.name,
                entry.kind,
            )
    return config.strategies.run, kinds, broken
