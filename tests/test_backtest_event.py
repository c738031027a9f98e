"""Two engines, one answer: ``sma_cross`` run as the strategy object through the engine, the
paper venue and the deterministic driver makes the vectorised mode's trades on every shared
candle file, and ends with the equity the documented fee and sizing difference predicts.

The difference (see ``tradeterm.cli.backtest_event``): the paper venue takes a buy's fee in
the base received (``qty x fee``) where the vectorised mode adds it to the quote paid, and the
strategy spends ``(1 - fee_reserve) / (1 + MARKET_BUY_MARGIN)`` of its free quote per entry.
So a round trip from cash ``C`` with fraction ``f`` spent ends with
``C (1 - f) + C f (1 - fee)^2 exit / entry``; a trade open at the end is worth
``C (1 - f) + C f (1 - fee) last_close / entry``. The expectation below is computed from
that formula and the vectorised trades' prices, not by the code under test.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm import cli
from tradeterm.analysis.backtest.candles import read_candles
from tradeterm.analysis.backtest.runner import run_vectorised
from tradeterm.analysis.backtest.signals import parse_params
from tradeterm.cli.backtest_event import event_report, run_event_candles
from tradeterm.domain.errors import DataError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "candles"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file()) if DATA.is_dir() else []
NOT_CANDLES = {"XRP_USDT_USDT-8h-funding_rate.feather"}  # rates in `open`, closes all 0
BARS = 1500  # the first candles of each file: the engine runs a few thousand candles/s
FEE = 0.001
MARGIN = 0.02  # tradeterm.engine.risk.MARKET_BUY_MARGIN, the documented value
XRP_5M = DATA / "binance_spot_2019-10_freqtrade" / "XRP_ETH-5m.feather"


def expected_equity(report_trades: list[dict[str, object]], last_close: float, f: float) -> float:
    cash = 1.0
    for trade in report_trades:
        entry = float(trade["entry_price"])  # type: ignore[arg-type]
        if trade["exit_price"] is None:
            cash = cash * (1 - f) + cash * f * (1 - FEE) * last_close / entry
        else:
            exit_ = float(trade["exit_price"])  # type: ignore[arg-type]
            cash = cash * (1 - f) + cash * f * (1 - FEE) ** 2 * exit_ / entry
    return cash


def test_the_shared_candle_files_are_there() -> None:
    assert FILES, f"shared candle data not found at {DATA} (see shared/data/PROVENANCE.md)"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_event_driven_sma_cross_makes_the_vectorised_trades(path: Path) -> None:
    if path.name in NOT_CANDLES:
        pytest.skip("funding rates, not prices")
    try:
        candles = read_candles(path)
    except DataError:
        pytest.skip(f"{path.name} holds no candles")
    candles = candles.iloc[:BARS]
    vector = run_vectorised(
        candles, "sma_cross", parse_params("sma_cross", {"fast": "10", "slow": "30"}), fee=FEE
    )
    event = event_report(
        candles, "sma_cross", {"fast": 10, "slow": 30, "fee_reserve": "0.002"}, fee=FEE,
        cash=Decimal(10_000),
    )  # fmt: skip
    assert event.mode == "event" and vector.mode == "vectorised"
    assert event.num_trades == vector.num_trades  # > 0 on all but the 8h mark prices
    vt = [(t.entry_time, t.entry_price, t.exit_time, t.exit_price) for t in vector.trades]
    et = [(t.entry_time, t.entry_price, t.exit_time, t.exit_price) for t in event.trades]
    assert et == vt
    last = float(candles["close"].iloc[-1])
    want = expected_equity([t.__dict__ for t in vector.trades], last, (1 - 0.002) / (1 + MARGIN))
    assert math.isclose(event.final_equity, want, rel_tol=1e-9, abs_tol=0.0)


def test_the_same_candles_give_the_same_fills_run_to_run() -> None:
    candles = read_candles(XRP_5M)
    one = run_event_candles(candles, "sma_cross", {}, fee=FEE, cash=Decimal(10_000))
    two = run_event_candles(candles, "sma_cross", {}, fee=FEE, cash=Decimal(10_000))
    assert one.fills and one.fills == two.fills
    assert one.drive.failed == [] and one.drive.unfinished == []


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_event_report_has_the_vectorised_reports_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "backtest", "sma_cross", "--data", str(XRP_5M), "--json")
    assert code == 0, err
    vector = json.loads(out)
    code, out, err = run(
        capsys, "backtest", "sma_cross", "--data", str(XRP_5M), "--json", "--mode", "event"
    )
    assert code == 0, err
    event = json.loads(out)
    assert vector["mode"] == "vectorised" and event["mode"] == "event"
    assert set(event) == set(vector)
    assert set(event["trades"][0]) == set(vector["trades"][0])
    assert event["num_trades"] == vector["num_trades"] > 0


def test_a_strategy_without_array_signals_runs_event_driven(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "backtest", "grid", "--data", str(XRP_5M), "--json")
    assert code == 0, err
    assert json.loads(out)["mode"] == "event"
    code, out, err = run(capsys, "backtest", "trend", "--data", str(XRP_5M), "--json")
    assert code == 0, err
    assert json.loads(out)["mode"] == "vectorised"  # the score strategies have a numpy path


CAPTURE = DATA.parent / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"


def test_a_book_capture_runs_the_market_maker_through_the_paper_venue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "backtest", "market_maker", "--data", str(CAPTURE), "--param", "qty=0.002",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["mode"] == "event" and report["fill"] == "book"
    code, out, _ = run(capsys, "backtest", "sma_cross", "--data", str(XRP_5M), "--json")
    assert set(report) == set(json.loads(out))
    assert report["num_trades"] >= 1  # the market maker is filled on this capture
    assert report["trades"][0]["quantity"] == pytest.approx(0.002)


def test_a_file_that_is_neither_candles_nor_a_capture_is_refused_in_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    code, _, err = run(capsys, "backtest", "market_maker", "--data", str(bad))
    assert code == 2
    assert str(bad) in err and "nor is it a book capture" in err
    assert "Traceback" not in err


def test_a_symbol_the_capture_does_not_hold_is_refused_with_the_ones_it_has(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        capsys, "backtest", "market_maker", "--data", str(CAPTURE), "--symbol", "DOGE/USDT"
    )
    assert code == 2
    assert "DOGE/USDT is not in the capture; it has BTC/USDT" in err
