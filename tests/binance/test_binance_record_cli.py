"""`tradeterm record --venue binance` and `tradeterm markets --venue binance` on the local
stand-in exchange: a recording of the replayed capture verifies clean and rebuilds the books
the recording engine ended with, which are the capture's known final books."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

from binance_data import EXCHANGE_INFO, SYMBOLS, expected, frames, need, snapshots
from binance_standin import BinanceStandIn
from test_binance_feed import want_top10

from tradeterm.cli.record import record_session
from tradeterm.config.load import load_config
from tradeterm.venues.replay.verify import verify_files

WORKTREE = Path(__file__).resolve().parents[2]


def write_config(server: BinanceStandIn | None, tmp_path: Path, port: int = 9) -> Path:
    """A config with ``[venues.binance]`` pointed at the stand-in (or at a closed port)."""
    if server is not None:
        port = server.port
    path = tmp_path / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [general]
            data_dir = "{tmp_path / "data"}"

            [venues.binance]
            symbols = {list(SYMBOLS.values())!r}

            [venues.binance.ccxt.urls.api]
            public = "http://127.0.0.1:{port}/api/v3"
            ws = {{ spot = "ws://127.0.0.1:{port}/ws" }}

            [[accounts]]
            name = "paper"
            """
        ),
        encoding="utf-8",
    )
    return path


async def tradeterm(tmp_path: Path, *args: str, timeout: float = 60) -> tuple[int, str, str]:
    """Run the real CLI in a child process (the stand-in keeps serving on this loop)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(WORKTREE / "src"), env.get("PYTHONPATH", "")])
    env["TRADETERM_CONFIG_DIR"] = str(tmp_path / "config-dir")
    env["TRADETERM_DATA_DIR"] = str(tmp_path / "data")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tradeterm",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


NATIVE = {unified: native for native, unified in SYMBOLS.items()}


def verified_top10(report: dict[str, Any]) -> dict[str, dict[str, list[list[str]]]]:
    """The verify report's final top 10 by Binance symbol, as Decimal text; every book synced
    at the capture's last update id."""
    answers = expected()
    out: dict[str, dict[str, list[list[str]]]] = {}
    for sym in report["symbols"].values():
        native = NATIVE[sym["symbol"]]
        assert sym["synced"] and sym["gap_count"] == 0, sym
        assert sym["final_seq"] == answers[native]["final_u"], native
        out[native] = {
            side: [[str(Decimal(p)), str(Decimal(q))] for p, q in levels]
            for side, levels in sym["final_top10"].items()
        }
    return out


async def test_a_recording_rebuilds_the_books_the_recording_engine_ended_with(
    tmp_path: Path,
) -> None:
    need()
    out = tmp_path / "bn.ndjson.gz"
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        config, _ = load_config(write_config(server, tmp_path), tmp_path / "unused.toml")
        engine = await record_session(config, "binance", out, 3.0)
        assert server.finished.is_set()  # the whole capture was played within the recording
    ended = {
        native: {
            "bids": [
                [str(p), str(q)]
                for p, q in engine.state.books_on(engine.feed.venue)[symbol].bids.top(10)
            ],
            "asks": [
                [str(p), str(q)]
                for p, q in engine.state.books_on(engine.feed.venue)[symbol].asks.top(10)
            ],
        }
        for native, symbol in SYMBOLS.items()
    }
    report = verify_files([out])
    assert report["status"] == "clean", report["issues"]
    rebuilt = verified_top10(report)
    answers = expected()
    for native in SYMBOLS:
        assert rebuilt[native] == ended[native], native
        assert ended[native] == want_top10(answers[native]), native  # the capture's answer


async def test_record_then_verify_through_the_real_cli(tmp_path: Path) -> None:
    """``record --venue binance`` in a child process, then ``replay --verify --json``: the
    verified final books are the capture's known final books, and nothing is amiss."""
    need()
    out = tmp_path / "bn.ndjson.gz"
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        config = write_config(server, tmp_path)
        code, _, err = await tradeterm(
            tmp_path,
            "--config",
            str(config),
            "record",
            "--venue",
            "binance",
            "--symbols",
            *(s.lower() for s in SYMBOLS.values()),  # any case, as for the sim
            "--seconds",
            "4",
            "--out",
            str(out),
        )
        assert code == 0, err
        assert server.finished.is_set()
        truth = {native: book.snapshot(10) for native, book in server.books.items()}
    assert "recording binance (" in err and f"wrote {out}" in err
    assert "Traceback" not in err
    code, stdout, err = await tradeterm(tmp_path, "replay", "--verify", "--json", str(out))
    assert code == 0, stdout + err
    report = json.loads(stdout)
    assert report["status"] == "clean" and not report["issues"]
    rebuilt = verified_top10(report)
    answers = expected()
    assert sorted(rebuilt) == sorted(SYMBOLS)
    for native in SYMBOLS:
        assert rebuilt[native] == want_top10(answers[native]), native
        exchange_book = {  # the stand-in's own book at the end agrees too
            side: [[str(Decimal(p)), str(Decimal(q))] for p, q in truth[native][side]]
            for side in ("bids", "asks")
        }
        assert rebuilt[native] == exchange_book, native


async def test_record_refuses_a_symbol_the_exchange_does_not_list(tmp_path: Path) -> None:
    need()
    out = tmp_path / "bn.ndjson.gz"
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        code, _, err = await tradeterm(
            tmp_path,
            "--config",
            str(write_config(server, tmp_path)),
            "record",
            "--venue",
            "binance",
            "--symbols",
            "NOPE/USDT",
            "--seconds",
            "1",
            "--out",
            str(out),
        )
    assert code == 2
    assert err.startswith("tradeterm record: binance: no such market NOPE/USDT"), err
    assert "Traceback" not in err
    assert not out.exists()


def exchange_info_rows() -> dict[str, dict[str, Decimal]]:
    """What exchangeInfo itself says of the configured symbols, read here from its filters."""
    rows = {}
    for info in json.loads(EXCHANGE_INFO.read_text())["symbols"]:
        if info["symbol"] not in SYMBOLS:
            continue
        filters = {f["filterType"]: f for f in info["filters"]}
        notional = filters.get("NOTIONAL") or filters["MIN_NOTIONAL"]
        rows[SYMBOLS[info["symbol"]]] = {
            "tick_size": Decimal(filters["PRICE_FILTER"]["tickSize"]),
            "lot_size": Decimal(filters["LOT_SIZE"]["stepSize"]),
            "min_qty": max(Decimal(filters["LOT_SIZE"][k]) for k in ("minQty", "stepSize")),
            "min_notional": Decimal(notional["minNotional"]),
        }
    return rows


async def test_markets_lists_the_venue_then_answers_from_its_cache(tmp_path: Path) -> None:
    need()
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        config = write_config(server, tmp_path)
        code, stdout, err = await tradeterm(
            tmp_path, "--config", str(config), "markets", "--venue", "binance", "--json"
        )
        assert code == 0, err
        asked = list(server.requests)
    assert asked == ["/api/v3/exchangeInfo"]
    listed = json.loads(stdout)
    want = exchange_info_rows()
    assert [m["symbol"] for m in listed] == list(SYMBOLS.values())
    for market in listed:
        assert market["venue"] == "binance"
        got = {k: Decimal(market[k]) for k in ("tick_size", "lot_size", "min_qty", "min_notional")}
        assert all("E" not in market[k] for k in got)  # plain digits, no exponent
        assert got == want[market["symbol"]], market["symbol"]
        assert (market["maker_fee"], market["taker_fee"]) == ("0.001", "0.001")
    # the exchange is gone now: the fresh cache answers, and says so
    code, table, err = await tradeterm(
        tmp_path, "--config", str(config), "markets", "--venue", "BINANCE"
    )
    assert code == 0, err
    assert "markets from cache, 0 hours old" in err
    lines = table.splitlines()
    header = ["SYMBOL", "TICK", "LOT", "MIN QTY", "MIN NOTIONAL", "MAKER", "TAKER", "STATUS"]
    assert [cell.strip() for cell in lines[0].split("  ") if cell.strip()] == header
    assert lines[-1] == "4 market(s) on binance"
    nkn = next(line for line in lines if line.startswith("NKN/USDT "))
    cells = nkn.split()
    assert cells[0] == "NKN/USDT" and cells[5:] == ["USDT", "0.1%", "0.1%", "trading"]
    numbers = {
        "tick_size": Decimal(cells[1]),
        "lot_size": Decimal(cells[2]),
        "min_qty": Decimal(cells[3]),
        "min_notional": Decimal(cells[4]),
    }
    assert numbers == want["NKN/USDT"]
    # numbers right-aligned under their headers
    assert lines[0].index(" TICK ") + 5 == nkn.index(f" {cells[1]} ") + 1 + len(cells[1])
    assert lines[0].index(" TAKER ") + 6 == nkn.rindex(" 0.1% ") + 5


async def test_an_unknown_venue_names_the_configured_ones(tmp_path: Path) -> None:
    config = write_config(None, tmp_path)
    for command in (["markets", "--venue", "kraken"], ["record", "--venue", "kraken"]):
        code, stdout, err = await tradeterm(tmp_path, "--config", str(config), *command)
        assert code == 2, command
        assert "'kraken' is not a configured venue; configured: sim, binance" in err
        assert "Traceback" not in err and not stdout


async def test_markets_all_lists_every_trading_spot_market_from_the_cache(tmp_path: Path) -> None:
    need()
    async with BinanceStandIn(frames(), snapshots(), EXCHANGE_INFO.read_bytes()) as server:
        config = write_config(server, tmp_path)
        code, _, err = await tradeterm(
            tmp_path, "--config", str(config), "markets", "--venue", "binance"
        )
        assert code == 0, err
    code, stdout, err = await tradeterm(
        tmp_path, "--config", str(config), "markets", "--venue", "binance", "--all", "--json"
    )
    assert code == 0, err
    trading = [
        f"{info['baseAsset']}/{info['quoteAsset']}"
        for info in json.loads(EXCHANGE_INFO.read_text())["symbols"]
        if info["status"] == "TRADING" and info.get("isSpotTradingAllowed", True)
    ]
    listed = json.loads(stdout)
    assert len(trading) > 100
    assert sorted(m["symbol"] for m in listed) == sorted(trading)
