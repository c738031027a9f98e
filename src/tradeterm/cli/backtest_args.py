"""The arguments ``tradeterm backtest`` and ``tradeterm optimize`` share, their checks, and the
candles they name.

One place for ``STRATEGY``, ``--data``, the candle-store options, ``--param``, ``--fee``,
``--cash``, ``--fill``, ``--json`` and ``--out``: both commands register them with
:func:`add_common` and read them back with :func:`params_of` and :func:`load_candles`. Only
argparse is imported at start-up; pandas and the engine come in when the candles are loaded.
"""

from __future__ import annotations

import argparse
import math
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

FILLS = ("close", "next-open")
MAX_CASH = Decimal("1e15")


def add_common(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """Register the arguments ``backtest`` and ``optimize`` share on ``parser``; ``out_help``
    says what ``--out DIR`` writes for that command."""
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
    parser.add_argument("--out", type=Path, metavar="DIR", help=out_help)


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


def positive_int(text: str) -> int:
    """A whole number of at least 1 (``--trials``, ``--workers``, ``--walk-forward``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: give a whole number >= 1")
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
