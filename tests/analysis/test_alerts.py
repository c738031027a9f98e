"""Alerts: forms, edge-triggered firing on trades and scanner passes, files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.analysis.alerts import AlertBook, AlertError, parse_alert
from tradeterm.analysis.scanner import candles_to_matrix, scan
from tradeterm.domain.enums import Side
from tradeterm.domain.events import AlertFired, TradePrinted
from tradeterm.domain.market_data import Candle, Trade

SYMBOLS = ["BTC/USDT", "ETH/USDT"]
NOW = 1_767_225_600_000_000_000


def trade(symbol: str, price: str) -> TradePrinted:
    return TradePrinted(Trade(symbol, Decimal(price), Decimal("0.1"), Side.BUY, NOW, "1"))


def book(tmp_path: Path) -> tuple[AlertBook, list[object]]:
    fired: list[object] = []
    return AlertBook(
        tmp_path / "alerts.json", tmp_path / "last-alert.txt", fired.append, lambda: NOW
    ), fired


def test_forms_and_errors() -> None:
    assert parse_alert("BTC/USDT > 70000", SYMBOLS, "ETH/USDT") == ("BTC/USDT", "> 70000")
    assert parse_alert("btcusdt <= 60,000.5", SYMBOLS, "ETH/USDT") == ("BTC/USDT", "<= 60,000.5")
    assert parse_alert("rsi < 25", SYMBOLS, "ETH/USDT") == ("ETH/USDT", "rsi < 25")
    assert (
        parse_alert("ETH/USDT chg_1h > 3 and vol_z > 2", SYMBOLS, "BTC/USDT")[1]
        == "chg_1h > 3 and vol_z > 2"
    )
    with pytest.raises(AlertError, match="needs a condition"):
        parse_alert("BTC/USDT", SYMBOLS, "ETH/USDT")
    with pytest.raises(AlertError, match=r"unknown column 'rsii'.*did you mean rsi"):
        parse_alert("ETH/USDT rsii < 25", SYMBOLS, "BTC/USDT")


def test_price_alert_fires_once_on_the_crossing_trade(tmp_path: Path) -> None:
    alerts, fired = book(tmp_path)
    alert = alerts.add("BTC/USDT", "> 70000")
    for price in ("69000", "69999.9", "70000"):
        alerts.on_trade(trade("BTC/USDT", price))
    assert fired == []
    alerts.on_trade(trade("ETH/USDT", "71000"))  # another symbol: not this alert
    alerts.on_trade(trade("BTC/USDT", "70000.1"))
    alerts.on_trade(trade("BTC/USDT", "70500"))
    assert fired == [AlertFired(alert.id, "BTC/USDT", "> 70000", "70000.1", NOW)]
    assert not alert.active
    assert (tmp_path / "last-alert.txt").read_text().startswith("⚑ BTC/USDT > 70000 (70000.1)")


def test_a_repeating_alert_rearms_when_the_condition_turns_false(tmp_path: Path) -> None:
    alerts, fired = book(tmp_path)
    alerts.add("BTC/USDT", "< 60000", repeat=True)
    for price in ("59000", "58000", "61000", "59500"):
        alerts.on_trade(trade("BTC/USDT", price))
    assert [e.value for e in fired] == ["59000", "59500"]  # type: ignore[attr-defined]


def test_indicator_alert_on_a_scanner_pass(tmp_path: Path) -> None:
    # ETH falls steadily for 60 minutes: RSI(14) ends at 0, far under 25; BTC rises
    def series(start: float, step: float) -> list[Candle]:
        out = []
        for i in range(80):
            close = Decimal(str(round(start + step * i, 2)))
            out.append(Candle(i * 60_000, close, close + 1, close - 1, close, Decimal("5")))
        return out

    result = scan(
        candles_to_matrix({"ETH/USDT": series(3200, -2), "BTC/USDT": series(60000, 5)}, 80)
    )
    alerts, fired = book(tmp_path)
    falling = alerts.add("ETH/USDT", "rsi < 25")
    rising = alerts.add("BTC/USDT", "rsi < 25")
    alerts.on_scan(result)
    assert [e.alert_id for e in fired] == [falling.id]  # type: ignore[attr-defined]
    assert "rsi 0" in fired[0].value  # type: ignore[attr-defined]
    assert rising.active


def test_alerts_are_saved_and_come_back(tmp_path: Path) -> None:
    alerts, _ = book(tmp_path)
    alerts.add("BTC/USDT", "> 70000")
    second = alerts.add("ETH/USDT", "rsi < 25", repeat=True)
    alerts.remove("a1")
    again, _ = book(tmp_path)
    assert [(a.id, a.symbol, a.condition, a.repeat) for a in again.alerts.values()] == [
        (second.id, "ETH/USDT", "rsi < 25", True)
    ]
    assert again.add("BTC/USDT", "< 1").id == "a3"  # ids never repeat
    with pytest.raises(AlertError, match="no alert 'a9'"):
        again.remove("a9")


def test_an_unreadable_alerts_file_is_reported_not_fatal(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "alerts.json").write_text("{ not json")
    alerts, _ = book(tmp_path)
    assert alerts.alerts == {}
    (kept,) = tmp_path.glob("alerts.json.unreadable-*")
    assert kept.read_text() == "{ not json"  # the user's file is kept, not overwritten
    assert f"kept it as {kept}" in caplog.text
    alerts.add("BTC/USDT", "> 1")
    assert json.loads((tmp_path / "alerts.json").read_text())[0]["condition"] == "> 1"
