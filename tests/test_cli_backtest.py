"""`tradeterm backtest`: the JSON report, the text report with its charts, the files of
--out, and clear refusals (exit 2, no traceback) of bad arguments and unreadable files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tradeterm import cli, paths
from tradeterm.domain.market_data import Candle
from tradeterm.engine.candle_store import CandleStore

XRP_5M = Path("candles/binance_spot_2019-10_freqtrade/XRP_ETH-5m.feather")
FUNDING = Path("candles/binance_usdm_2021-11_freqtrade/XRP_USDT_USDT-8h-funding_rate.feather")
JSON_KEYS = {
    "num_trades",
    "final_equity",
    "total_return",
    "max_drawdown",
    "sharpe",
    "sortino",
    "fees_paid",
    "trades",
    "cagr",
    "win_rate",
    "profit_factor",
    "exposure",
    "max_drawdown_duration_s",
    "mode",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_report_has_the_figures_and_the_trades(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    code, out, err = run(
        capsys,
        "backtest",
        "sma_cross",
        "--data",
        str(shared_data / XRP_5M),
        "--param",
        "fast=10",
        "--param",
        "slow=30",
        "--fee",
        "0.001",
        "--cash",
        "2500",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= JSON_KEYS
    assert report["mode"] == "vectorised" and report["params"] == {"fast": 10, "slow": 30}
    assert report["num_trades"] == len(report["trades"]) > 0
    trades = report["trades"]
    assert sum(t["fees"] for t in trades) == pytest.approx(report["fees_paid"])
    # money follows the trades: the final equity is the start plus every trade's PnL
    assert 2500 * report["final_equity"] == pytest.approx(2500 + sum(t["pnl"] for t in trades))
    assert report["total_return"] == pytest.approx(report["final_equity"] - 1)
    first = trades[0]
    assert set(first) >= {"entry_time", "entry_price", "exit_time", "exit_price", "quantity"}
    assert first["quantity"] == pytest.approx(2500 / (first["entry_price"] * 1.001))


def test_next_open_fills_at_the_next_candles_open(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    path = shared_data / XRP_5M
    code, out, _ = run(
        capsys, "backtest", "sma_cross", "--data", str(path), "--fill", "next-open", "--json"
    )
    assert code == 0
    candles = pd.read_feather(path).set_index("date")
    for trade in json.loads(out)["trades"]:
        assert trade["entry_price"] == candles.loc[pd.Timestamp(trade["entry_time"]), "open"]


def test_text_report_lists_figures_trades_and_draws_the_charts(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "run"
    code, out, err = run(
        capsys, "backtest", "sma_cross", "--data", str(shared_data / XRP_5M), "--out", str(out_dir)
    )
    assert code == 0, err
    for label in (
        "total return",
        "CAGR",
        "Sharpe",
        "Sortino",
        "max drawdown",
        "win rate",
        "profit factor",
        "exposure",
        "trades",
        "fees paid",
        "equity",
        "drawdown %",
    ):
        assert label in out, label
    assert "\x1b[" not in out  # not a terminal: no colour codes
    assert any(ch in out for ch in "⠁⠂⠄⡀⣀⣿")  # plotext's braille curve
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    with (out_dir / "trades.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["num_trades"]
    assert float(rows[0]["entry_price"]) == report["trades"][0]["entry_price"]
    entry = tomllib.loads((out_dir / "strategy.toml").read_text(encoding="utf-8"))
    assert entry["strategies"] == [
        {"name": "sma_cross-10-30", "kind": "sma_cross", "params": {"fast": 10, "slow": 30}}
    ]
    assert f"wrote {out_dir / 'report.json'}" in out


def test_several_files_of_one_market_are_merged_by_time(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    candles = pd.read_feather(shared_data / XRP_5M)
    first, second = tmp_path / "a.csv", tmp_path / "b.json"
    candles.iloc[:400].to_csv(first, index=False)
    rows = candles.iloc[350:]
    ms = rows["date"].dt.as_unit("ms").astype("int64")
    columns = (ms, rows["open"], rows["high"], rows["low"], rows["close"], rows["volume"])
    data = [[int(t), *values] for t, *values in zip(*columns, strict=True)]
    second.write_text(json.dumps(data), encoding="utf-8")
    code, split, _ = run(
        capsys, "backtest", "sma_cross", "--data", str(second), str(first), "--json"
    )
    assert code == 0
    code, whole, _ = run(
        capsys, "backtest", "sma_cross", "--data", str(shared_data / XRP_5M), "--json"
    )
    assert json.loads(split)["trades"] == json.loads(whole)["trades"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--data", "X"], "unknown strategy 'nope'; known: grid, market_maker"),
        (
            ["nope", "--data", "X", "--mode", "vectorised"],
            "unknown strategy 'nope': the vectorised ones are mean_reversion, momentum, "
            "sma_cross, trend",
        ),
        (["trend", "--data", "X", "--fill", "next-open"], "--fill close only"),
        (["momentum", "--data", "X", "--param", "entry_score=101"], "--param entry_score=101"),
        (["sma_cross", "--data", "X", "--mode", "event", "--fill", "next-open"], "--fill close"),
        (["sma_cross", "--data", "X", "--param", "speed=3"], "no parameter speed"),
        (["sma_cross", "--data", "X", "--param", "fast=abc"], "--param fast=abc"),
        (["sma_cross", "--data", "X", "--param", "fast=40"], "fast (40) must be less than slow"),
        (["sma_cross", "--data", "X", "--param", "slow=0"], "--param slow=0"),
        (["sma_cross", "--data", "X", "--param", "fast=3", "--param", "fast=4"], "given twice"),
        (["sma_cross", "--data", "MISSING"], "cannot be read"),
    ],
)
def test_bad_arguments_are_refused_in_words(
    capsys: pytest.CaptureFixture[str], shared_data: Path, args: list[str], message: str
) -> None:
    args = [str(shared_data / XRP_5M) if a == "X" else a for a in args]
    code, out, err = run(capsys, "backtest", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--fee", "0.5", "from 0 up to 0.1"),
        ("--fee", "nan", "from 0 up to 0.1"),
        ("--cash", "-5", "above 0 and at most 1e15"),
        ("--cash", "lots", "above 0 and at most 1e15"),
        ("--param", "fast", "give name=value"),
        ("--fill", "open", "invalid choice: 'open'"),
    ],
)
def test_bad_option_values_exit_2_with_what_is_allowed(
    capsys: pytest.CaptureFixture[str], option: str, value: str, allowed: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["backtest", "sma_cross", "--data", "x.csv", option, value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert allowed in err and "Traceback" not in err


def test_an_unreadable_file_is_named_with_its_columns_and_the_layouts(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    path = shared_data / FUNDING
    code, _, err = run(capsys, "backtest", "sma_cross", "--data", str(path))
    assert code == 2
    assert str(path) in err
    assert "Columns found: date, open, high, low, close, volume" in err
    assert "Accepted: CSV with a header" in err and "JSON list [[ms, open" in err


def test_the_command_runs_as_a_program_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("when,price\n1,2\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tradeterm", "backtest", "sma_cross", "--data", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "missing a time column, open, high, low, close" in result.stderr
    assert "Columns found: when, price" in result.stderr
    assert "Traceback" not in result.stderr


KRAKEN = Path("candles/kraken_rest_OHLC_XBTUSDT_1m_20251111_nautilus.json")


def test_candles_from_the_candle_store_backtest_like_the_same_candles_in_a_file(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    rows = json.loads((shared_data / KRAKEN).read_text())["result"]["XBTUSDT"]
    store = CandleStore(paths.data_dir() / "candles.sqlite")
    store.put(
        "kraken",
        "BTC/USD",
        "1m",
        [Candle(r[0] * 1000, *(Decimal(r[i]) for i in (1, 2, 3, 4, 6))) for r in rows],
    )
    store.close()
    as_file = tmp_path / "same.json"
    as_file.write_text(json.dumps([[r[0] * 1000, *(r[i] for i in (1, 2, 3, 4, 6))] for r in rows]))
    code, from_store, err = run(
        capsys, "backtest", "sma_cross", "--venue", "kraken", "--symbol", "BTC/USD", "--json"
    )
    assert code == 0, err
    code, from_file, _ = run(capsys, "backtest", "sma_cross", "--data", str(as_file), "--json")
    assert json.loads(from_store)["trades"] == json.loads(from_file)["trades"]
    assert json.loads(from_store)["num_trades"] > 0
    code, part, _ = run(
        capsys,
        "backtest",
        "sma_cross",
        "--venue",
        "kraken",
        "--symbol",
        "BTC/USD",
        "--from",
        "2025-11-10T18:00",
        "--to",
        "2025-11-10T20:00",
        "--json",
    )
    assert code == 0
    report = json.loads(part)
    assert report["candles"] == 120
    assert (report["start"], report["end"]) == (
        "2025-11-10T18:00:00+00:00",
        "2025-11-10T19:59:00+00:00",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give candle files with --data, or --venue and --symbol"),
        (
            ["--data", "x.csv", "--symbol", "BTC/USD", "--mode", "vectorised"],
            "give candle files with --data, or",
        ),
        (["--data", "x.csv", "--symbol", "BTC/USD"], "x.csv: no such file"),  # a capture's market
        (["--symbol", "BTC/USD"], "--symbol needs --venue"),
        (["--venue", "kraken", "--symbol", "BTC/USD"], "no candle store yet"),
        (["--venue", "kraken", "--symbol", "BTC/USD", "--timeframe", "7m"], "unknown timeframe"),
    ],
)
def test_the_candle_source_is_checked(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "backtest", "sma_cross", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_an_empty_store_selection_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    CandleStore(paths.data_dir() / "candles.sqlite").close()
    code, _, err = run(
        capsys, "backtest", "sma_cross", "--venue", "binance", "--symbol", "ETH/USDT"
    )
    assert code == 2
    assert "binance ETH/USDT 1m" in err and "0 candle(s); a backtest needs at least 2" in err


def test_a_bad_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["backtest", "sma_cross", "--venue", "v", "--symbol", "s", "--from", "May"])
    assert stopped.value.code == 2
    assert "give an ISO 8601 date or time" in capsys.readouterr().err
