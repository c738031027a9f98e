"""The optional Gaussian mixture regime model: components named by their means, synthetic
markets labelled as they were built, the same labels every time, chosen by
``regime_model`` and falling back to the rules, with a message, without scikit-learn."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.analysis.test_regime import _market, _noise
from tests.analysis.test_scanner import btc_rows
from tradeterm.analysis import regime_gmm
from tradeterm.analysis.regime import classify, label, regime_inputs
from tradeterm.analysis.regime_gmm import classify_gmm, component_names, use_model
from tradeterm.analysis.scanner import candles_to_matrix
from tradeterm.analysis.scanner.convert import CandleMatrix
from tradeterm.config.load import parse_config
from tradeterm.config.settings import GeneralSettings, Settings, SimSettings
from tradeterm.domain.errors import ConfigError
from tradeterm.domain.market_data import Candle
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.logbook import LogBook

N = 300


@pytest.fixture(autouse=True)
def rules_after() -> Iterator[None]:
    yield
    use_model("rules")  # never leak the model into other tests


def _markets(seed: int) -> dict[str, list[Candle]]:
    """Four markets built to be up, down, flat and (at the end) wild."""
    wick = np.full(N, 0.02)
    steps = np.arange(N)
    wild = 100.0 + np.cumsum(0.02 * _noise(N, seed))
    wild[-12:] += np.cumsum(0.8 * _noise(12, seed + 100))
    return {
        f"up{seed}": _market(100.0 + 0.05 * steps + 0.03 * _noise(N, seed), wick),
        f"down{seed}": _market(100.0 - 0.05 * steps + 0.03 * _noise(N, seed), wick),
        f"flat{seed}": _market(100.0 + 0.05 * _noise(N, seed), wick),
        f"wild{seed}": _market(wild, np.where(steps >= N - 12, 0.5, 0.02)),
    }


@pytest.fixture(scope="module")
def matrix() -> CandleMatrix:
    markets: dict[str, list[Candle]] = {}
    for seed in (1, 2, 3):
        markets.update(_markets(seed))
    markets["short"] = markets["up1"][:100]  # too short for any regime
    return candles_to_matrix(markets, N)


def test_components_are_named_by_their_means() -> None:
    # columns: signed ADX, ATR percentile, volatility ratio (scaled)
    means = np.array(
        [
            [0.1, -0.4, -0.2],  # middling ADX, calm: ranging
            [1.6, -0.1, 0.0],  # strongly positive ADX: trending up
            [0.3, 2.2, 1.9],  # the most volatile, whatever its ADX: volatile
            [-1.5, 0.0, -0.1],  # strongly negative ADX: trending down
        ]
    )
    assert component_names(means) == ["ranging", "trending_up", "volatile", "trending_down"]


def test_synthetic_markets_get_the_regime_they_were_built_with(matrix: CandleMatrix) -> None:
    pytest.importorskip("sklearn")
    got = dict(zip(matrix.symbols, classify_gmm(matrix).tolist(), strict=True))
    built = {"up": "trending_up", "down": "trending_down", "flat": "ranging", "wild": "volatile"}
    for symbol, regime in got.items():
        expected = "" if symbol == "short" else built[symbol.rstrip("123")]
        assert regime == expected, (symbol, got)
    # deterministic: the same candles, the same labels
    assert classify_gmm(matrix).tolist() == list(got.values())


def test_the_setting_chooses_the_model() -> None:
    pytest.importorskip("sklearn")
    btc = btc_rows()  # six 500-candle cuts of the shared BTC minute candles
    cuts = candles_to_matrix({f"BTC{k}": btc[3_000 * k : 3_000 * k + 500] for k in range(6)}, 500)
    rules = label(regime_inputs(cuts), cuts.counts).tolist()
    mixture = classify_gmm(cuts).tolist()
    assert mixture != rules  # on these candles the two models disagree somewhere
    assert use_model("gmm") == ""
    assert classify(cuts).tolist() == mixture
    assert use_model("rules") == ""
    assert classify(cuts).tolist() == rules


def test_without_scikit_learn_the_rules_label_and_say_so(
    matrix: CandleMatrix, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if it were not installed
    assert not regime_gmm.gmm_available()
    note = use_model("gmm")
    assert "needs scikit-learn" in note and "use the rules" in note
    assert classify(matrix).tolist() == label(regime_inputs(matrix), matrix.counts).tolist()


def test_a_bad_regime_model_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"regime_model[\s\S]*'rules' or 'gmm'"):
        parse_config({"general": {"regime_model": "hmm"}}, "config.toml")
    assert parse_config({"general": {"regime_model": "gmm"}}, "x").general.regime_model == "gmm"


def test_the_workstation_session_takes_the_configured_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tradeterm.cli.compose import open_session

    general = GeneralSettings(data_dir=str(tmp_path), regime_model="gmm")
    config = Settings(general=general, sim=SimSettings(symbols=("BTC/USDT",)))
    matrix = candles_to_matrix(_markets(1), N)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # not installed: the rules, said so
    with caplog.at_level(logging.WARNING, "tradeterm.analysis.regime"):
        open_session(config, ManualClock(), LogBook(), [])
    assert any("needs scikit-learn" in r.getMessage() for r in caplog.records)
    assert classify(matrix).tolist() == label(regime_inputs(matrix), matrix.counts).tolist()
