"""Replaying the real captures reproduces the known answers in shared/data/expected/."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from replay_data import (
    CF_HTTP,
    CF_WS,
    KRAKEN,
    KRAKEN_TICKER,
    KRAKEN_TRADES,
    SPOT,
    USDM,
    expected,
    need,
)

from tradeterm.venues.replay import kraken_checksum, verify_files
from tradeterm.venues.replay.files import Format, detect, resolve_sources
from tradeterm.venues.replay.lines import iter_source
from tradeterm.venues.replay.state import split_symbol, text_of, unified_symbol


def check_binance(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["snapshot_ids"][0] == want["snapshot_lastUpdateId"]
    assert got["dropped_before_snapshot"] == want["dropped_before_snapshot"]
    assert got["updates_applied"] == want["applied"]
    assert got["first_applied"] == want["first_applied_event"]
    assert got["final_seq"] == want["final_u"]
    assert got["final_levels"] == want["final_levels"]
    assert got["final_top10"] == want["final_top10"]
    cross = want["bookTicker_crosscheck"]
    checked = cross["bookTicker_events_with_u_equal_to_a_diff_final_u"]
    assert got["book_ticker"]["checked"] == checked
    assert got["book_ticker"]["matching"] == cross["matching_reconstructed_top"]
    assert got["book_ticker"]["mismatching"] == cross["mismatching"] == 0
    assert got["gap_count"] == 0
    assert got["synced"]


def test_binance_spot_two_days_as_one_session(spot_report: dict[str, Any]) -> None:
    want = expected("binance_spot_btcusdt_20240808-09.expected.json")["result"]
    assert spot_report["status"] == "clean"
    assert spot_report["exit_code"] == 0
    assert spot_report["messages"] == want["lines"]
    (symbol,) = spot_report["symbols"].values()
    assert symbol["symbol"] == "BTC/USDT"
    check_binance(symbol, want)
    assert symbol["trades"] == want["trade_events"]
    assert symbol["trade_id_gaps"] == want["trade_id_gaps"]
    assert symbol["last_trade_id"] == want["last_trade_id"]


def test_binance_usdm_futures_rules(usdm_report: dict[str, Any]) -> None:
    want = expected("binance_usdm_btcusdt_20240808.expected.json")["result"]
    assert usdm_report["status"] == "clean"
    assert usdm_report["messages"] == want["lines"]
    symbol = usdm_report["symbols"]["BTC/USDT:USDT"]
    assert symbol["exchange"] == "binanceusdm"
    check_binance(symbol, want)
    assert symbol["trades"] == want["trade_events"]
    assert symbol["last_trade_id"] == want["last_trade_id"]


def test_cryptofeed_binance_four_symbols_with_sibling_snapshots(
    cryptofeed_report: dict[str, Any],
) -> None:
    want = expected("binance_spot_cryptofeed_20211012.expected.json")["result"]
    assert cryptofeed_report["status"] == "clean"
    formats = [f["format"] for f in cryptofeed_report["files"]]
    assert formats == ["cryptofeed-ws", "cryptofeed-http"]  # the .http file was found
    by_exchange_symbol = {s["exchange_symbol"]: s for s in cryptofeed_report["symbols"].values()}
    assert set(by_exchange_symbol) == set(want)
    for name, answer in want.items():
        check_binance(by_exchange_symbol[name], answer)


def test_cryptofeed_binance_accepts_both_paths_in_any_order() -> None:
    need(CF_WS, CF_HTTP)
    report = verify_files([CF_HTTP, CF_WS])
    assert report["status"] == "clean"
    assert len(report["files"]) == 2
    assert report["symbols"]["NKN/USDT"]["updates_applied"] == 149


def test_kraken_every_checksum_matches(kraken_report: dict[str, Any]) -> None:
    want = expected("kraken_v1_book1000_20210417.expected.json")["result"]
    assert kraken_report["status"] == "clean"
    assert set(kraken_report["symbols"]) == set(want)
    total = 0
    for pair, answer in want.items():
        got = kraken_report["symbols"][pair]
        assert got["snapshots"] == answer["snapshots"]
        assert got["updates"] == answer["updates"]
        assert got["checksum_ok"] == answer["checksum_ok"] == answer["updates"]
        assert got["mismatch_count"] == 0
        assert got["subscribed_depth"] == answer["subscribed_depth"]
        assert got["final_levels"] == answer["final_levels"]
        assert got["final_checksum"] == answer["final_checksum"]
        assert got["final_top10"] == answer["final_top10"]
        sec, _, frac = answer["last_update_local_ts"].partition(".")
        assert got["last_ts_ns"] == int(sec) * 10**9 + int(frac.ljust(9, "0"))
        total += got["checksum_ok"]
    assert total == 4269


def test_kraken_book_trade_and_ticker_files_play_together() -> None:
    need(KRAKEN, KRAKEN_TRADES, KRAKEN_TICKER)
    report = verify_files([KRAKEN, KRAKEN_TRADES, KRAKEN_TICKER])
    assert report["status"] == "clean"
    assert sum(s["checksum_ok"] for s in report["symbols"].values()) == 4269
    assert sum(s["trades"] for s in report["symbols"].values()) > 0


def test_kraken_doc_checksum_examples() -> None:
    doc = expected("kraken_book_checksum_doc_examples.json")
    for version in ("v1", "v2"):
        example = doc[version]
        asks, bids = example["book_top10_asks_low_to_high"], example["book_top10_bids_high_to_low"]
        assert kraken_checksum(asks, bids) == example["expected_checksum"]


@pytest.mark.parametrize(
    ("path", "fmt", "exchange"),
    [
        (SPOT[0], Format.HFTBACKTEST, "binance"),
        (USDM, Format.HFTBACKTEST, "binanceusdm"),
        (CF_WS, Format.CRYPTOFEED_WS, "binance"),
        (CF_HTTP, Format.CRYPTOFEED_HTTP, "binance"),
        (KRAKEN, Format.CRYPTOFEED_WS, "kraken"),
    ],
)
def test_formats_are_detected_from_content(tmp_path, path, fmt, exchange) -> None:
    need(path)
    copy = tmp_path / "capture.bin"  # no telling name, no .gz suffix
    copy.write_bytes(path.read_bytes())
    source = detect(copy)
    assert (source.format, source.exchange) == (fmt, exchange)


def test_decimal_text_reproduces_every_received_string() -> None:
    """The report prints levels from Decimals; they must read exactly as the exchange sent them."""
    need(CF_WS, CF_HTTP, KRAKEN)

    sources, _ = resolve_sources([CF_WS, KRAKEN])
    seen = 0
    for index, source in enumerate(sources):
        for _, _, _, body in iter_source(source, index, []):
            text = body[1] if isinstance(body, tuple) else body
            msg = json.loads(text)
            parts = [msg] if isinstance(msg, dict) else [p for p in msg if isinstance(p, dict)]
            for outer in parts:
                part = outer.get("data", outer)
                for key in ("bids", "asks", "b", "a", "bs", "as"):
                    levels = part.get(key)
                    if isinstance(levels, list):
                        for level in levels:
                            for item in level[:2]:
                                assert text_of(Decimal(item)) == item
                                seen += 1
    assert seen > 30_000


@given(st.from_regex(r"\A(0|[1-9][0-9]{0,9})(\.[0-9]{1,12})?\Z"))
def test_text_of_reproduces_plain_exchange_strings(text: str) -> None:
    assert text_of(Decimal(text)) == text


@given(
    st.integers(0, 12).flatmap(
        lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places)
    )
)
def test_text_of_round_trips_decimals(value: Decimal) -> None:
    text = text_of(value)
    assert "E" not in text
    assert Decimal(text) == value
    assert text_of(Decimal(text)) == text


def test_text_of_keeps_trailing_zeros_that_str_loses() -> None:
    assert str(Decimal("0.00000050")) == "5.0E-7"
    assert text_of(Decimal("0.00000050")) == "0.00000050"
    assert text_of(Decimal("0.00001000")) == "0.00001000"
    assert text_of(Decimal("1E-8")) == "0.00000001"


@pytest.mark.parametrize(
    ("exchange", "raw", "unified", "split"),
    [
        ("binance", "BTCUSDT", "BTC/USDT", ("BTC", "USDT")),
        ("binanceusdm", "BTCUSDT", "BTC/USDT:USDT", ("BTC", "USDT")),
        ("binance", "BLZETH", "BLZ/ETH", ("BLZ", "ETH")),
        ("binance", "RUNEEUR", "RUNE/EUR", ("RUNE", "EUR")),
        ("kraken", "XBT/CHF", "XBT/CHF", ("XBT", "CHF")),
    ],
)
def test_symbols(exchange: str, raw: str, unified: str, split: tuple[str, str]) -> None:
    assert unified_symbol(exchange, raw) == unified
    assert split_symbol(raw) == split
