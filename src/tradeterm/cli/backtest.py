"""``tradeterm backtest``: its arguments, checked, and the run (vectorised, on candle files).

Only argparse is imported at start-up; pandas, numpy and the engine come in when the command
runs. A mistake in the arguments or an unreadable file gets a message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from tradeterm.analysis.backtest.report import Report

FILLS = ("close", "next-open")
MODES = ("auto", "event", "vectorised")
MAX_CASH = Decimal("1e15")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``backtest`` on the command line's subcommands."""
    backtest = commands.add_parser(
        "backtest",
        help="backtest a strategy on candle files and report returns, risk and trades",
        description="Backtest STRATEGY on candles (CSV with a header, Parquet, Feather in "
        "freqtrade's layout, JSON lists [[ms, o, h, l, c, v], ...]; several files of one "
        "market are merged by time). Candle-mode convention: a market order sent on a "
        "candle's close fills at that close; the fee is paid in quote on top of the "
        "notional (a buy with cash C gets C / (close x (1 + fee)) units, a sale of U units "
        "yields U x close x (1 - fee)); an open position at the end is valued at the last "
        "close without an exit fee. --fill next-open fills at the next candle's open. Recorded "
        "book captures (and --mode event) run the strategy object through the engine and a "
        "paper venue on the deterministic driver.",
    )
    add_common(backtest)
    backtest.add_argument(
        "--mode",
        choices=MODES,
        default="auto",
        help="event: the strategy object through the engine and a paper venue on the "
        "deterministic driver; vectorised: its array signals (only strategies that declare "
        "them); auto (default): vectorised where the strategy has it, else event",
    )
    backtest.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write report.json, trades.csv and strategy.toml (a [[strategies]] entry)",
    )


def add_common(parser: argparse.ArgumentParser) -> None:
    """The arguments ``backtest`` and ``optimize`` share."""
    parser.add_argument("strategy", metavar="STRATEGY", help="strategy to run, e.g. sma_cross")
    parser.add_argument("--data", nargs="+", type=Path, metavar="FILE", help="candle file(s)")
    store = parser.add_argument_group(
        "or candles from the candle store (a venue's backfilled candles)"
    )
    store.add_argument("--venue", metavar="V", help="venue name, e.g. binance")
    store.add_argument("--symbol", metavar="S", help="symbol, e.g. BTC/USDT")
    store.add_argument("--timeframe", default="1m", metavar="T", help="e.g. 1m, 5m, 1h")
    store.add_argument("--from", dest="since", type=utc_date, metavar="DATE", help="first")
    store.add_argument("--to", dest="until", type=utc_date, metavar="DATE", help="end, excluded")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        type=key_value,
        metavar="K=V",
        help="a strategy parameter, e.g. --param fast=10 --param slow=30",
    )
    parser.add_argument(
        "--fee", type=fee_rate, default=0.001, metavar="RATE", help="fee rate (default 0.001)"
    )
    parser.add_argument(
        "--cash",
        type=cash_amount,
        default=Decimal(10_000),
        metavar="AMOUNT",
        help="starting quote cash (default 10000)",
    )
    parser.add_argument(
        "--fill",
        choices=FILLS,
        default="close",
        help="fill at the signal candle's close (default) or at the next candle's open",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def utc_date(text: str) -> int:
    """``--from`` / ``--to``: an ISO 8601 date or time (UTC unless it says otherwise), in
    milliseconds since the epoch."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: give an ISO 8601 date or time, e.g. 2024-08-08 or "
            "2024-08-08T12:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def key_value(text: str) -> tuple[str, str]:
    """``--param``: ``name=value``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: give name=value, e.g. fast=10")
    return key.strip(), value.strip()


def fee_rate(text: str) -> float:
    """``--fee``: a rate from 0 up to 0.1 (10 %)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value < 0.1):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: give a fee rate from 0 up to 0.1, e.g. 0.001 for 0.1 %"
        )
    return value


def cash_amount(text: str) -> Decimal:
    """``--cash``: an amount of quote above 0 and at most 1e15."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value > MAX_CASH:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: give an amount of quote above 0 and at most 1e15, e.g. 10000"
        )
    return value


def params_of(args: argparse.Namespace) -> dict[str, str]:
    """The ``--param`` values; a name given twice is refused."""
    given: dict[str, str] = {}
    for key, value in args.param:
        if key in given:
            raise_usage(f"--param {key} is given twice ({given[key]} and {value})")
        given[key] = value
    return given


def raise_usage(message: str) -> NoReturn:
    from tradeterm.domain.errors import ConfigError

    raise ConfigError(message)


def run_backtest(args: argparse.Namespace) -> int:
    """Run ``tradeterm backtest``; 0 on success, 2 for bad arguments or unreadable data."""
    from tradeterm.domain.errors import ConfigError, DataError

    try:
        report = _run(args)
    except (ConfigError, DataError) as exc:
        print(f"tradeterm backtest: {exc}", file=sys.stderr)
        return 2
    from tradeterm.cli.backtest_text import render_text, write_outputs

    if args.out is not None:
        try:
            written = write_outputs(report, args.out)
        except OSError as exc:
            print(f"tradeterm backtest: cannot write to {args.out}: {exc}", file=sys.stderr)
            return 2
    else:
        written = []
    if args.json:
        print(json.dumps(report.as_json(), indent=None, allow_nan=False))
    else:
        print(render_text(report, color=sys.stdout.isatty()))
        for path in written:
            print(f"wrote {path}")
    return 0


def load_candles(args: argparse.Namespace) -> pd.DataFrame:
    """The candles ``--data`` or ``--venue/--symbol`` name (exactly one of the two)."""
    from tradeterm.analysis.backtest.candles import from_store, read_many

    if (args.data is None) == (args.symbol is None):
        raise_usage("give candle files with --data, or --venue and --symbol for the candle store")
    if args.data is not None:
        return read_many(args.data)
    if not args.venue:
        raise_usage("--symbol needs --venue: the candle store keeps candles per venue")
    from tradeterm import paths
    from tradeterm.config.load import load_config
    from tradeterm.domain.resample import timeframe_ms
    from tradeterm.engine.candle_store import CandleStore

    try:
        timeframe_ms(args.timeframe)
    except ValueError as exc:
        raise_usage(f"--timeframe: {exc}")
    config, _ = load_config(args.config, paths.default_config_path(), None)
    path = paths.data_dir_for(config) / "candles.sqlite"
    source = f"candle store {path}: {args.venue} {args.symbol} {args.timeframe}"
    if not path.exists():
        raise_usage(f"{source}: no candle store yet; backfill candles first")
    store = CandleStore(path)
    try:
        rows = store.get(args.venue, args.symbol, args.timeframe, args.since, args.until)
    finally:
        store.close()
    return from_store(rows, source)


def _run(args: argparse.Namespace) -> Report:
    from tradeterm.analysis.backtest.runner import run_vectorised
    from tradeterm.analysis.backtest.signals import VECTORISED, parse_params
    from tradeterm.domain.errors import DataError

    mode = getattr(args, "mode", "vectorised")
    capture = getattr(args, "mode", "") != "vectorised" and args.data and args.symbol
    if mode == "auto":
        mode = "vectorised" if args.strategy in VECTORISED and not capture else "event"
    if mode == "event":
        return _run_event(args)
    params = parse_params(args.strategy, params_of(args))
    try:
        candles = load_candles(args)
    except DataError:
        if getattr(args, "mode", "") != "auto" or args.data is None:
            raise
        return _run_event(args)  # not candles: a book capture runs event-driven
    return run_vectorised(
        candles, args.strategy, params, fee=args.fee, cash=float(args.cash), fill=args.fill
    )


def _run_event(args: argparse.Namespace) -> Report:
    """``--mode event``: the strategy object through the engine (see ``backtest_event``)."""
    from tradeterm.cli.backtest_event import event_report
    from tradeterm.domain.errors import DataError, TradetermError

    if args.fill != "close":
        raise_usage("--mode event fills market orders at the candle's close: --fill close only")
    params: dict[str, object] = dict(params_of(args))
    if args.data is not None and args.symbol is not None:
        return _run_capture(args, params)  # --symbol with --data picks a capture's market
    try:
        candles = load_candles(args)
    except DataError as not_candles:
        if args.data is None:
            raise
        try:
            return _run_capture(args, params)
        except DataError as exc:
            raise DataError(f"{not_candles}\nnor is it a book capture: {exc}") from None
    try:
        return event_report(candles, args.strategy, params, fee=args.fee, cash=args.cash)
    except TradetermError as exc:
        raise_usage(str(exc))


def _run_capture(args: argparse.Namespace, params: dict[str, object]) -> Report:
    """Event-driven on recorded book captures (see ``backtest_capture``)."""
    from tradeterm.cli.backtest_capture import capture_report
    from tradeterm.domain.errors import DataError, TradetermError

    try:
        return capture_report(
            args.data, args.strategy, params, fee=args.fee, cash=args.cash, symbol=args.symbol
        )
    except DataError:
        raise
    except TradetermError as exc:
        raise_usage(str(exc))
