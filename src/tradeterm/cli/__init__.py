"""The composition root: parse the command line, load config, build venues and engine, run."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from tradeterm import __version__, paths
from tradeterm.domain.errors import ConfigError, TradetermError

if TYPE_CHECKING:
    import argparse

    from tradeterm.config.settings import Settings


COMMANDS = (
    ("init", "write a starter config file"),
    ("history", "write fills and realized PnL from the ledger to CSV"),
    ("replay", "open the workstation on recorded sessions, or --verify them"),
    ("markets", "list a configured venue's markets: tick, lot, minimums, fees"),
    ("record", "record a configured venue's market to a file"),
    ("backtest", "backtest a strategy on candle files and report returns, risk and trades"),
    ("optimize", "search a strategy's parameters on candle files (grid, random, walk-forward)"),
)
"""Every subcommand with its line in ``tradeterm --help``, in order."""

NO_ARGUMENTS = cast(
    "argparse.Namespace",
    SimpleNamespace(command=None, config=None, seed=None, rate=None, theme=None),
)
"""What the parser makes of a plain ``tradeterm`` (the same attributes and values), which so
needs neither argparse nor the parser: together about 1.5 % of the work to the
workstation's first frame."""


def quick_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """What the parser makes of ``[]`` and of ``--config PATH`` (how a start on a configured
    venue is usually written), without argparse: building and running the parser was 13-24 ms
    of such a start's work to the first book. None for any other command line."""
    if not argv:
        return NO_ARGUMENTS
    if len(argv) == 2 and argv[0] == "--config":
        path = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--config="):
        path = argv[0].removeprefix("--config=")
    else:
        return None
    if not path or path.startswith("-"):
        return None  # (argparse says what is wrong)
    return cast(
        "argparse.Namespace", SimpleNamespace(**{**vars(NO_ARGUMENTS), "config": Path(path)})
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the ``argv`` it is to parse, only the subcommands
    named in it get their arguments: argparse needs no other to parse it, and the help lists
    every subcommand all the same: ``tradeterm replay FILE`` builds only replay's and loads
    neither backtest nor optimize.
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="tradeterm",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A keyboard-first trading workstation for the terminal.\n"
        "With no command, opens the workstation on the built-in simulated market.",
        epilog=f"config file:         {paths.default_config_path()}\n"
        f"data (ledger, logs): {paths.data_dir()}\n"
        f"your themes:         {paths.config_dir() / 'themes'}",
    )
    parser.add_argument("--version", action="version", version=f"tradeterm {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="config file to use instead of the default path"
    )
    parser.add_argument("--seed", type=int, help="seed of the simulated market (overrides config)")
    parser.add_argument(
        "--rate",
        type=float,
        metavar="N",
        help="sim order-book updates per second (overrides config)",
    )
    parser.add_argument("--theme", help="theme to start with (overrides config)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = None if argv is None else set(argv)
    for name, text in COMMANDS:
        command = commands.add_parser(name, help=text)
        if named is None or name in named:
            _add_arguments(name, command)
    return parser


def _add_arguments(name: str, command: argparse.ArgumentParser) -> None:
    """Give subcommand ``name`` its description and arguments."""
    if name == "backtest":
        from tradeterm.cli.backtest import add_arguments

        add_arguments(command)
    elif name == "optimize":
        from tradeterm.cli.optimize import add_arguments as add_optimize

        add_optimize(command)
    elif name == "init":
        command.add_argument("--force", action="store_true", help="overwrite an existing file")
    elif name == "history":
        _history_arguments(command)
    elif name == "replay":
        _replay_arguments(command)
    elif name == "markets":
        _markets_arguments(command)
    else:
        _record_arguments(command)


def _history_arguments(history: argparse.ArgumentParser) -> None:
    history.add_argument("--account", help="only this account (default: all)")
    history.add_argument(
        "--tax",
        type=int,
        metavar="YEAR",
        help="instead: the year's realized gains per disposal (FIFO cost basis, fees, "
        "holding days) with totals per asset",
    )
    history.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="CSV file to write (default: fills-<time>.csv in the data dir)",
    )


def _replay_arguments(replay: argparse.ArgumentParser) -> None:
    replay.description = (
        "Replay tradeterm recordings or raw exchange captures (Binance combined "
        "streams with REST snapshots, Kraken v1 books; hftbacktest or cryptofeed files, with "
        "or without cryptofeed's configuration line, snapshots inline or in '.http.' files) "
        "as a venue. Files are recognised by their content, not their names."
    )
    replay.add_argument("files", nargs="+", type=Path, metavar="FILE")
    replay.add_argument(
        "--verify",
        action="store_true",
        help="replay headless as fast as possible and report per symbol",
    )
    replay.add_argument("--json", action="store_true", help="with --verify: print JSON")
    replay.add_argument(
        "--speed", type=float, default=1.0, help="playback speed 0.25..100 (default 1)"
    )


def _markets_arguments(markets: argparse.ArgumentParser) -> None:
    markets.add_argument(
        "--venue",
        metavar="NAME",
        help="sim or a [venues.NAME] table (default: the first account's venue)",
    )
    markets.add_argument("--json", action="store_true", help="print a JSON list")
    markets.add_argument(
        "--all",
        action="store_true",
        dest="every",
        help="every market the venue lists, not just the configured symbols",
    )


def _record_arguments(record: argparse.ArgumentParser) -> None:
    record.add_argument(
        "--venue",
        default="sim",
        metavar="NAME",
        help="sim (default) or a [venues.NAME] table of your config",
    )
    record.add_argument(
        "--symbols",
        nargs="*",
        metavar="SYMBOL",
        help="symbols to record (default: all the venue lists)",
    )
    record.add_argument(
        "--seconds",
        type=positive_seconds,
        metavar="N",
        help="stop after N seconds, N > 0 (default: until Ctrl-C)",
    )
    record.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="file to write, in an existing folder "
        "(default: recordings/<venue>-<time>.ndjson.gz in the data dir)",
    )


def positive_seconds(text: str) -> float:
    """``--seconds``: a finite number of seconds above 0."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: give a number of seconds above 0, e.g. 60 "
            "(leave --seconds out to record until Ctrl-C)"
        )
    return value


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = quick_arguments(argv) or build_parser(argv).parse_args(argv)
    try:
        if args.command == "init":
            return init_config(args.config or paths.default_config_path(), args.force)
        if args.command == "backtest":
            from tradeterm.cli.backtest import run_backtest

            return run_backtest(args)
        if args.command == "optimize":
            from tradeterm.cli.optimize import run_optimize

            return run_optimize(args)
        if args.command == "replay" and args.verify:
            from tradeterm.venues.replay import main as verify_main

            return verify_main(
                ["--verify", *(["--json"] if args.json else []), *map(str, args.files)]
            )
        screen = args.command in (None, "replay")  # key remaps matter only on a screen
        if screen:  # a start of the workstation: its dataclasses' code compiled once ever
            from tradeterm import code_cache

            code_cache.install()
        from tradeterm.config.load import load_config

        config, config_path = load_config(
            args.config, paths.default_config_path(), check_keys if screen else None
        )
        config = apply_overrides(config, args)
        if args.command == "history":
            from tradeterm.cli.history import export_history, export_tax

            if args.tax is not None:
                return export_tax(config, args.tax, args.account, args.out)
            return export_history(config, args.account, args.out)
        if args.command == "markets":
            from tradeterm.cli.markets import list_markets

            return list_markets(config, args.venue or config.venue_of(), args.json, args.every)
        if args.command == "record":
            from tradeterm.cli.record import record

            return record(config, args.venue, args.symbols, args.seconds, args.out)
        from tradeterm.cli.workstation import run_replay, run_workstation

        if args.command == "replay":
            return run_replay(config, config_path, args.files, args.speed)
        return run_workstation(config, config_path)
    except ConfigError as exc:
        print(f"tradeterm: {exc}", file=sys.stderr)
        return 2
    except TradetermError as exc:
        print(f"tradeterm: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def check_keys(keymap: Mapping[str, str]) -> list[str]:
    """The config's key remaps checked against the workstation's bindings (see
    ``ui/keymap.py``); with no remaps nothing of the UI is imported."""
    if not keymap:
        return []
    from tradeterm.ui.keymap import keymap_problems

    return keymap_problems(keymap)


def apply_overrides(config: Settings, args: argparse.Namespace) -> Settings:
    """Command-line options win over the file; the result is validated like the file."""
    from tradeterm.config.load import parse_config, to_toml_data

    if args.seed is None and args.rate is None and args.theme is None:
        return config
    data = to_toml_data(config)
    if args.seed is not None:
        data["sim"]["seed"] = args.seed
    if args.rate is not None:
        data["sim"]["rate"] = args.rate
    if args.theme is not None:
        data["ui"]["theme"] = args.theme
    try:
        return parse_config(data, "the command line")
    except ConfigError as exc:
        text = str(exc)
        for key, option in (
            ("sim.seed", "--seed"),
            ("sim.rate", "--rate"),
            ("ui.theme", "--theme"),
        ):
            text = text.replace(f"key {key} =", f"option {option} =")
        raise ConfigError(text) from None


def init_config(path: Path, force: bool) -> int:
    from tradeterm.config.example import render_example

    if path.exists() and not force:
        print(f"tradeterm: {path} already exists; use --force to overwrite it", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_example(), encoding="utf-8")
    print(f"wrote {path}")
    return 0
