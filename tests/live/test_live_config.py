"""Live accounts in config: the composition root gives them a ccxt venue with their keys, or
stops with a message that says where it looked; their funds come from the exchange."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradeterm.cli.compose import build_engine
from tradeterm.config.load import parse_config
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.clock import ManualClock
from tradeterm.venues.ccxt import CcxtVenue
from tradeterm.venues.sim.feed import SimFeed

CONFIG = {
    "accounts": [
        {"name": "paper"},
        {"name": "bn-live", "venue": "binance", "mode": "live", "disarm_after_minutes": 5},
    ],
    "venues": {"binance": {"symbols": ["BTC/USDT"], "sandbox": True}},
}


def engine_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = parse_config(CONFIG, "test")
    clock = ManualClock()
    return build_engine(
        settings, clock, SimFeed(clock, symbols=["BTC/USDT"]), None, secrets_dir=tmp_path
    )


def test_a_live_account_without_keys_stops_the_start_naming_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADETERM_BN_LIVE_API_KEY", raising=False)
    with pytest.raises(ConfigError) as refused:
        engine_for(tmp_path)
    assert "TRADETERM_BN_LIVE_API_KEY" in str(refused.value)
    assert str(tmp_path / "secrets.toml") in str(refused.value)


def test_a_live_account_with_keys_trades_through_ccxt_with_no_paper_funds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADETERM_BN_LIVE_API_KEY", "k")
    monkeypatch.setenv("TRADETERM_BN_LIVE_SECRET", "s")
    engine = engine_for(tmp_path)
    venue = engine.venues["bn-live"]
    assert isinstance(venue, CcxtVenue) and venue.mode is AccountMode.LIVE
    account = engine.state.accounts["bn-live"]
    assert account.balances == {}  # not the paper default: the exchange tells
    assert account.spec.disarm_after_s == 300
    assert venue.client.isSandboxModeEnabled  # sandbox = true: ccxt's testnet


def test_a_config_without_live_accounts_never_imports_ccxt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tradeterm.cli.compose import build_engine\n"
        "from tradeterm.config.settings import Settings\n"
        "from tradeterm.engine.clock import ManualClock\n"
        "from tradeterm.venues.sim.feed import SimFeed\n"
        "c = ManualClock()\n"
        "build_engine(Settings(), c, SimFeed(c, symbols=['BTC/USDT']), None)\n"
        "print('ccxt' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("account", "venues", "names"),
    [
        ({"name": "real", "mode": "live"}, {}, ["'sim' is simulated", "none yet"]),
        (
            {"name": "real", "mode": "live", "venue": "tape"},
            {
                "tape": {"exchange": "replay", "files": ["x.gz"]},
                "binance": {"symbols": ["BTC/USDT"]},
            },
            ["'tape' is simulated", "exchange: binance"],
        ),
    ],
)
def test_a_live_account_on_a_simulated_venue_is_a_config_error_saying_so(
    account: dict[str, str], venues: dict[str, object], names: list[str]
) -> None:
    """Before, such an account started with no funds, armed, and refused every order with
    "no venue to trade on": a dead end found only by trying."""
    with pytest.raises(ConfigError) as refused:
        parse_config({"accounts": [account], "venues": venues}, "test")
    message = str(refused.value)
    assert "account 'real'" in message and 'mode = "paper"' in message
    assert "{'" not in message  # the rule in words, not a dump of the whole config
    for name in names:
        assert name in message
