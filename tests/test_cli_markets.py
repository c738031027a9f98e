"""`tradeterm markets`: the sim's markets as the catalog lists them, as JSON and as a table;
an unknown venue is refused naming the configured ones."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm import cli
from tradeterm.venues.sim.catalog import ALL_LISTINGS, LISTINGS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_sims_markets_as_json_are_the_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "markets", "--venue", "sim", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [m["symbol"] for m in listed] == [x.symbol for x in LISTINGS]
    for market, listing in zip(listed, LISTINGS, strict=True):
        assert market["venue"] == "sim"
        assert Decimal(market["tick_size"]) == Decimal(listing.tick)
        assert Decimal(market["lot_size"]) == Decimal(listing.lot)
        assert Decimal(market["min_notional"]) == Decimal(listing.min_notional)
        assert Decimal(market["taker_fee"]) > 0 and Decimal(market["maker_fee"]) > 0
        assert market["base"] + "/" + market["quote"] == market["symbol"]


def test_all_lists_every_sim_market_and_the_table_has_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "markets", "--all")  # the first account's venue: sim
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == f"{len(ALL_LISTINGS)} market(s) on sim"
    assert [line.split()[0] for line in lines[1:-1]] == [x.symbol for x in ALL_LISTINGS]
    btc = next(line for line in lines if line.startswith("BTC/USDT "))
    assert btc.split()[1:6] == ["0.1", "0.00001", "0.00001", "5", "USDT"]


def test_the_configured_sim_symbols_are_what_is_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[sim]\nsymbols = ["ETH/BTC", "SOL/USDT"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "markets", "--json")
    assert code == 0
    assert [m["symbol"] for m in json.loads(out)] == ["SOL/USDT", "ETH/BTC"]  # catalog order


def test_an_unknown_venue_is_refused_naming_the_configured_ones(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            """
            [venues.binance]
            symbols = ["BTC/USDT"]
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tradeterm", "--config", str(config), "markets", "--venue", "ftx"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--venue 'ftx' is not a configured venue; configured: sim, binance" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
