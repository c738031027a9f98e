"""The composition root: parse the command line, load config, build venues and engine, run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tradeterm import __version__, paths
from tradeterm.domain.errors import ConfigError, DataError, TradetermError

if TYPE_CHECKING:
    from tradeterm.config.models import Config


def build_parser() -> argparse.ArgumentParser:
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
    init = commands.add_parser("init", help="write a starter config file")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            return init_config(args.config or paths.default_config_path(), args.force)
        from tradeterm.config.load import load_config

        config, config_path = load_config(args.config, paths.default_config_path())
        config = apply_overrides(config, args)
        return run_workstation(config, config_path)
    except ConfigError as exc:
        print(f"tradeterm: {exc}", file=sys.stderr)
        return 2
    except TradetermError as exc:
        print(f"tradeterm: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def apply_overrides(config: Config, args: argparse.Namespace) -> Config:
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


def data_dir_for(config: Config) -> Path:
    return (
        Path(config.general.data_dir).expanduser() if config.general.data_dir else paths.data_dir()
    )


def run_workstation(config: Config, config_path: Path) -> int:
    from tradeterm.config.load import save_setting
    from tradeterm.engine.accounts import AccountSpec
    from tradeterm.engine.clock import SystemClock
    from tradeterm.engine.engine import Engine
    from tradeterm.logsetup import setup_logging
    from tradeterm.ui.app import TradetermApp
    from tradeterm.venues.sim.catalog import LISTINGS
    from tradeterm.venues.sim.feed import SimFeed

    clock = SystemClock()
    data_dir = data_dir_for(config)
    logbook = setup_logging(data_dir / "logs", config.general.log_level, clock.now_ns)
    try:
        feed = SimFeed(
            clock,
            seed=config.sim.seed,
            rate=config.sim.rate,
            symbols=config.sim.symbols or None,
            history_minutes=config.sim.history_minutes,
        )
    except DataError as exc:
        listed = ", ".join(x.symbol for x in LISTINGS)
        raise ConfigError(f"config key sim.symbols: {exc}; it lists {listed}") from None
    accounts = [
        AccountSpec(a.name, a.mode, a.venue, dict(a.balances), a.fill_model, a.latency_ms)
        for a in config.accounts
    ]
    engine = Engine(clock, feed, accounts)

    def save_theme(name: str) -> None:
        save_setting(config_path, "ui", "theme", name)

    app = TradetermApp(
        engine,
        logbook,
        theme=config.ui.theme,
        refresh_hz=config.ui.refresh_hz,
        keymap=dict(config.ui.keys),
        user_themes=paths.config_dir() / "themes",
        save_theme=save_theme,
    )
    app.run()
    return 0
