"""Alerts from config: checked before the screen opens (a bad one exits 2 with a message
naming the key), then merged with the alerts saved in the data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeterm import cli
from tradeterm.cli.alerts import alert_book, config_rules
from tradeterm.cli.compose import build_engine
from tradeterm.config.settings import AlertSettings, Settings
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.clock import ManualClock
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = ["BTC/USDT", "ETH/USDT"]


def test_config_rules_normalise_the_symbol_and_keep_the_condition() -> None:
    rules = config_rules(
        [
            AlertSettings("btcusdt", "> 70000", repeat=False),
            AlertSettings("ETH/USDT", "rsi < 25", repeat=True),
        ],
        SYMBOLS,
    )
    assert rules == [("BTC/USDT", "> 70000", False), ("ETH/USDT", "rsi < 25", True)]


def test_an_unknown_symbol_names_the_key_and_the_symbols_allowed() -> None:
    with pytest.raises(ConfigError) as info:
        config_rules([AlertSettings("DOGE/EUR", "> 1", repeat=False)], SYMBOLS)
    text = str(info.value)
    assert "alerts[0].symbol = 'DOGE/EUR'" in text and "BTC/USDT, ETH/USDT" in text


def test_a_bad_condition_names_the_key_and_the_forms() -> None:
    with pytest.raises(ConfigError) as info:
        config_rules(
            [
                AlertSettings("BTC/USDT", "> 1", repeat=False),
                AlertSettings("BTC/USDT", "rsi <<< 3", repeat=False),
            ],
            SYMBOLS,
        )
    text = str(info.value)
    assert "alerts[1].condition = 'rsi <<< 3'" in text and "alert [SYMBOL] > PRICE" in text


def test_the_book_keeps_saved_alerts_and_adds_config_ones_once(tmp_path: Path) -> None:
    (tmp_path / "alerts.json").write_text(
        json.dumps(
            [
                {
                    "id": "a4",
                    "symbol": "ETH/USDT",
                    "condition": "< 100",
                    "repeat": False,
                    "active": True,
                    "fired_ns": 0,
                }
            ]
        )
    )
    clock = ManualClock(1_700_000_000_000_000_000)
    engine = build_engine(Settings(), clock, SimFeed(clock, seed=1, symbols=SYMBOLS), None)
    rules = [("BTC/USDT", "> 70000", False), ("ETH/USDT", "< 100", False)]
    book = alert_book(engine, tmp_path, rules)
    assert sorted((a.id, a.symbol, a.condition) for a in book.alerts.values()) == [
        ("a4", "ETH/USDT", "< 100"),
        ("a5", "BTC/USDT", "> 70000"),
    ]
    # config alerts are not written to the user's file: it still holds only a4
    assert [row["id"] for row in json.loads((tmp_path / "alerts.json").read_text())] == ["a4"]


def test_a_bad_alert_in_the_config_file_exits_2_before_the_workstation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[general]\ndata_dir = "{tmp_path / "data"}"\n\n'
        '[[alerts]]\nsymbol = "BTC/USDT"\ncondition = "rsi ~ 3"\n',
        encoding="utf-8",
    )
    assert cli.main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "alerts[0].condition = 'rsi ~ 3'" in err and "Traceback" not in err
    assert not (tmp_path / "data" / "ledger.sqlite").exists()
