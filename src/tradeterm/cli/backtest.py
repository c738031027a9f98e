"""``tradeterm backtest``: its arguments, checked, and the run (vectorised, on candle files).

Only argparse is imported at start-up; pandas, numpy and the engine come in when the command
runs. A mistake in the arguments or an unreadable file gets a message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from tradeterm.cli.backtest_args import add_common, load_candles, params_of, raise_usage

if TYPE_CHECKING:
    from tradeterm.analysis.backtest.report import Report

MODES = ("auto", "event", "vectorised")


def add_arguments(backtest: argparse.ArgumentParser) -> None:
    """Give the command line's ``backtest`` its description and arguments."""
    backtest.description = (
        "Backtest STRATEGY on candles (CSV with a header, Parquet, Feather in "
        "freqtrade's layout, JSON lists [[ms, o, h, l, c, v], ...]; several files of one "
        "market are merged by time). Candle-mode convention: a market order sent on a "
        "candle's close fills at that close; the fee is paid in quote on top of the "
        "notional (a buy with cash C gets C / (close x (1 + fee)) units, a sale of U units "
        "yields U x close x (1 - fee)); an open position at the end is valued at the last "
        "close without an exit fee. --fill next-open fills at the next candle's open. Recorded "
        "book captures (and --mode event) run the strategy object through the engine and a "
        "paper venue on the deterministic driver."
    )
    add_common(
        backtest,
        out_help="also write report.json, trades.csv and strategy.toml (a [[strategies]] entry)",
    )
    backtest.add_argument(
        "--mode",
        choices=MODES,
        default="auto",
        help="event: the strategy object through the engine and a paper venue on the "
        "deterministic driver; vectorised: its array signals (only strategies that declare "
        "them); auto (default): vectorised where the strategy has it, else event",
    )


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
