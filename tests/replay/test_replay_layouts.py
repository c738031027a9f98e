"""Both cryptofeed capture layouts replay with the same checks and give the known answers.

cryptofeed's raw-data collector starts a file with ``configuration: {...}`` and, in
its older layout, writes its REST answers into the stream file itself as
``<URL> -> <ts>: <body>`` lines. The files here are built at test time from the
shared captures in those layouts; nothing is copied into the repository.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from replay_data import CF_HTTP, CF_WS, DATA, KRAKEN, SPOT, expected, need
from test_replay_known_answers import check_binance

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.replay import ReplayFeed, verify_files
from tradeterm.venues.replay.files import Format, detect

KRAKEN_PAIRS = DATA / "markets" / "raw_kraken_AssetPairs_20210417_cryptofeed.json"
BINANCE_CONFIG = 'configuration: {"l2_book":["NKN-USDT","BLZ-ETH","LRC-BTC","RUNE-EUR"]}\n'
KRAKEN_CONFIG = 'configuration: {"l2_book":["WAVES-EUR","XMR-USD","ADA-XBT"]}\n'


def receive_time(line: str) -> float | None:
    """A cryptofeed line's receive time in seconds (None for an empty line)."""
    if not line.strip():
        return None
    if " -> " in line.partition(": ")[0]:
        return float(line.split(" -> ", 1)[1].partition(": ")[0])
    if " <-> " in line:
        return float(line.rsplit(" <-> ", 1)[1])
    return float(line.partition(": ")[0])


def interleave(stream: list[str], rest: list[str]) -> list[str]:
    """REST lines placed among the stream lines by receive time, as cryptofeed writes them."""
    pending = [line for line in rest if line.strip()]
    out: list[str] = []
    for line in stream:
        ts = receive_time(line)
        while pending and ts is not None and receive_time(pending[0]) < ts:  # type: ignore[operator]
            out.append(pending.pop(0))
        out.append(line)
    return out + pending


def binance_inline(tmp_path: Path, name: str = "capture.txt") -> Path:
    need(CF_WS, CF_HTTP)
    stream = CF_WS.read_text().splitlines(keepends=True)
    rest = CF_HTTP.read_text().splitlines(keepends=True)
    path = tmp_path / name
    path.write_text(BINANCE_CONFIG + "".join(interleave(stream, rest)))
    return path


def kraken_inline(tmp_path: Path) -> Path:
    """The Kraken book capture with its configuration line and the AssetPairs answer of the
    same session (2021-04-17) inline after the connect line, as cryptofeed's KRAKEN files."""
    need(KRAKEN, KRAKEN_PAIRS)
    lines = KRAKEN.read_text().splitlines(keepends=True)
    connect_ts = lines[0].rsplit(" <-> ", 1)[1].strip()
    pairs = KRAKEN_PAIRS.read_text().strip()
    rest = f"https://api.kraken.com/0/public/AssetPairs -> {connect_ts}: {pairs}\n"
    path = tmp_path / "kraken-session"
    path.write_text(KRAKEN_CONFIG + lines[0] + rest + "".join(lines[1:]))
    return path


def check_cryptofeed_binance(report: dict[str, Any]) -> None:
    want = expected("binance_spot_cryptofeed_20211012.expected.json")["result"]
    assert report["status"] == "clean", report["issues"]
    assert report["issues"] == []
    by_exchange_symbol = {s["exchange_symbol"]: s for s in report["symbols"].values()}
    assert set(by_exchange_symbol) == set(want)
    for name, answer in want.items():
        check_binance(by_exchange_symbol[name], answer)


def test_binance_with_snapshots_inline_and_a_configuration_line(
    tmp_path: Path, cryptofeed_report: dict[str, Any]
) -> None:
    path = binance_inline(tmp_path)
    source = detect(path)
    assert (source.format, source.exchange, source.inline_rest) == (
        Format.CRYPTOFEED_WS,
        "binance",
        True,
    )
    assert source.header["configuration"]["l2_book"][0] == "NKN-USDT"
    report = verify_files([path])
    assert [f["format"] for f in report["files"]] == ["cryptofeed-ws"]  # one file, no sibling
    check_cryptofeed_binance(report)
    assert report["symbols"] == cryptofeed_report["symbols"]  # same books as the two-file layout


def test_binance_inline_snapshot_file_beside_an_http_file_is_not_read_twice(
    tmp_path: Path, cryptofeed_report: dict[str, Any]
) -> None:
    path = binance_inline(tmp_path, "BINANCE.ws.1.0")
    (tmp_path / "BINANCE.http.0.0").write_bytes(CF_HTTP.read_bytes())
    report = verify_files([path])
    assert len(report["files"]) == 1
    assert report["symbols"] == cryptofeed_report["symbols"]


def test_binance_configuration_line_with_its_http_file(
    tmp_path: Path, cryptofeed_report: dict[str, Any]
) -> None:
    need(CF_WS, CF_HTTP)
    ws = tmp_path / "BINANCE.ws.1.0"
    ws.write_text(BINANCE_CONFIG + CF_WS.read_text())
    (tmp_path / "BINANCE.http.0.0").write_text(BINANCE_CONFIG + CF_HTTP.read_text())
    report = verify_files([ws])
    assert [f["format"] for f in report["files"]] == ["cryptofeed-ws", "cryptofeed-http"]
    check_cryptofeed_binance(report)
    assert report["symbols"] == cryptofeed_report["symbols"]


def test_kraken_with_a_configuration_line_and_rest_inline(
    tmp_path: Path, kraken_report: dict[str, Any]
) -> None:
    path = kraken_inline(tmp_path)
    assert (detect(path).format, detect(path).exchange) == (Format.CRYPTOFEED_WS, "kraken")
    report = verify_files([path])
    assert report["status"] == "clean", report["issues"]
    want = expected("kraken_v1_book1000_20210417.expected.json")["result"]
    assert set(report["symbols"]) == set(want)
    for pair, answer in want.items():
        got = report["symbols"][pair]
        assert got["checksum_ok"] == answer["checksum_ok"] == answer["updates"]
        assert got["final_checksum"] == answer["final_checksum"]
        assert got["final_top10"] == answer["final_top10"]
        assert got["final_levels"] == answer["final_levels"]
    assert report["symbols"] == kraken_report["symbols"]


def test_inline_layout_still_checks_update_ids(tmp_path: Path) -> None:
    """A lost update in the inline layout is the same gap, reported by position."""
    path = binance_inline(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    depth = [i for i, line in enumerate(lines) if '"s":"NKNUSDT","U"' in line]
    del lines[depth[40]]
    path.write_text("".join(lines))
    report = verify_files([path])
    assert report["exit_code"] == 1
    assert report["symbols"]["NKN/USDT"]["gap_count"] == 1
    assert [i["kind"] for i in report["issues"]][:1] == ["gap"]


def test_a_binance_capture_with_no_snapshot_anywhere_says_so(tmp_path: Path) -> None:
    need(CF_WS)
    path = tmp_path / "lonely"
    path.write_text(BINANCE_CONFIG + CF_WS.read_text())
    report = verify_files([path])
    assert report["exit_code"] == 1
    assert report["issues"][0]["kind"] == "no_snapshot_file"
    assert "no REST depth snapshot" in report["issues"][0]["message"]


def spot_with_a_gap(tmp_path: Path) -> Path:
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        lines = [next(fh) for _ in range(3000)]
    lost = next(i for i in range(600, len(lines)) if "@depth" in lines[i])
    del lines[lost]
    path = tmp_path / "gap.txt"
    path.write_text("".join(lines))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeterm", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )


def test_json_report_lists_a_gap_in_issues_and_prints_it_nowhere_else(tmp_path: Path) -> None:
    path = spot_with_a_gap(tmp_path)
    result = run_cli("replay", "--verify", "--json", str(path))
    assert result.returncode == 1
    assert result.stderr == ""  # the warning is in the report, not on stderr as well
    report = json.loads(result.stdout)
    kinds = [issue["kind"] for issue in report["issues"]]
    assert kinds == ["gap", "not_synced"]
    (gap,) = report["symbols"]["BTC/USDT"]["gaps"]
    assert report["issues"][0]["position"] == gap["position"]
    assert "sequence gap" in report["issues"][0]["message"]


def test_text_report_shows_the_gap_once(tmp_path: Path) -> None:
    path = spot_with_a_gap(tmp_path)
    result = run_cli("replay", "--verify", str(path))
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.count("sequence gap at gap.txt:") == 1
    assert result.stdout.count("no later snapshot came") == 1


@pytest.mark.parametrize("exchange", ["binance", "kraken"])
def test_the_real_cli_verifies_both_layouts(tmp_path: Path, exchange: str) -> None:
    path = binance_inline(tmp_path) if exchange == "binance" else kraken_inline(tmp_path)
    result = run_cli("replay", "--verify", "--json", str(path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "clean"
    assert report["issues"] == []


@pytest.mark.parametrize("exchange", ["binance", "kraken"])
async def test_the_replay_feed_plays_both_layouts_to_the_verified_books(
    tmp_path: Path, exchange: str
) -> None:
    """The workstation's replay venue reads the same files: its books end where verify's do."""
    path = binance_inline(tmp_path) if exchange == "binance" else kraken_inline(tmp_path)
    want = verify_files([path])
    clock = ManualClock(0)
    feed = ReplayFeed([path], clock, speed=None)
    engine = Engine(clock, feed, [AccountSpec("main")])
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    deadline = time.monotonic() + 30
    while not feed.finished:
        assert time.monotonic() < deadline, "timed out waiting for the replay"
        await asyncio.sleep(0.005)
    task.cancel()
    assert set(engine.state.markets_on(engine.feed.venue)) == set(want["symbols"])
    for symbol, report in want["symbols"].items():
        book = engine.state.books_on(engine.feed.venue)[symbol]
        bids = [[format(p, "f"), format(q, "f")] for p, q in book.bids.top(10)]
        assert [p for p, _ in bids] == [p for p, _ in report["final_top10"]["bids"]], symbol
        assert len(book.asks) == report["final_levels"]["asks"], symbol
