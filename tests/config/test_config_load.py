"""Loading, validating and saving config.toml: every error names the key and what is allowed."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.config.load import load_config, parse_config, save_setting
from tradeterm.config.models import AccountConfig, Config, SimConfig
from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError, TradetermError


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path / "unused.toml")
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message.strip()  # one paragraph
    return message


def test_no_file_at_the_default_path_means_defaults(tmp_path: Path) -> None:
    default = tmp_path / "nowhere" / "config.toml"
    config, path = load_config(None, default)
    assert config == Settings()
    assert path == default
    assert not default.exists()


def test_the_default_path_is_read_when_it_exists(tmp_path: Path) -> None:
    default = write(tmp_path, "[sim]\nseed = 99\n")
    config, path = load_config(None, default)
    assert config.sim.seed == 99
    assert config.sim.rate == Settings().sim.rate  # keys left out keep their defaults
    assert path == default


def test_an_explicit_path_that_does_not_exist_points_to_init(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing, tmp_path / "default.toml")
    assert "`tradeterm init`" in str(info.value)
    assert str(missing) in str(info.value)
    assert isinstance(info.value, TradetermError)


def test_invalid_toml_names_line_and_column(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[sim]\nseed = 7\nrate = = 3\n")
    assert "not valid TOML" in message
    assert re.search(r"line 3, column \d+", message), message


def test_unreadable_bytes_are_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[sim]\nseed = \xff\xfe\n")
    with pytest.raises(ConfigError, match=r"cannot be read|not valid TOML"):
        load_config(path, tmp_path / "x.toml")


@pytest.mark.parametrize(
    ("text", "key", "value", "allowed"),
    [
        ('[sim]\nrate = "fast"\n', "sim.rate", "'fast'", "valid number"),
        ("[sim]\nrate = -1\n", "sim.rate", "-1", "greater than or equal to 0"),
        ("[ui]\nrefresh_hz = 100\n", "ui.refresh_hz", "100", "less than or equal to 30"),
        (
            "[sim]\nhistory_minutes = 10\n",
            "sim.history_minutes",
            "10",
            "greater than or equal to 30",
        ),
        ('[general]\nvenue = "binance"\n', "general.venue", "'binance'", "'sim'"),
        ('[general]\nlog_level = "loud"\n', "general.log_level", "'loud'", "'debug'"),
        ('[[accounts]]\nname = "a b"\n', "accounts.0.name", "'a b'", "pattern"),
        ('[[accounts]]\nname = "x"\nmode = "real"\n', "accounts.0.mode", "'real'", "'live'"),
        (
            '[[accounts]]\nname = "x"\nlatency_ms = 99999\n',
            "accounts.0.latency_ms",
            "99999",
            "10000",
        ),
        ("[ui.keys]\nquit = 3\n", "ui.keys.quit", "3", "valid string"),
        ("accounts = []\n", "accounts", "[]", "at least 1"),
    ],
)
def test_a_bad_value_names_the_key_the_value_and_what_is_allowed(
    tmp_path: Path, text: str, key: str, value: str, allowed: str
) -> None:
    message = error_for(tmp_path, text)
    assert message.startswith("config error in ")
    assert f"key {key} = {value} " in message, message
    assert allowed in message, message


def test_an_unknown_key_lists_the_keys_allowed_in_its_section(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[sim]\nspeed = 3\n")
    assert "'sim.speed'" in message
    assert "[sim]" in message
    for name in SimConfig.model_fields:
        assert name in message


def test_an_unknown_key_in_an_account_lists_the_account_keys(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[[accounts]]\nname = "a"\ncolour = "red"\n')
    assert "colour" in message
    for name in AccountConfig.model_fields:
        assert name in message


def test_an_unknown_section_lists_the_sections(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[exchange]\nname = 1\n")
    assert "'exchange'" in message
    for name in Config.model_fields:
        assert name in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, '[sim]\nrate = -1\nseed = "x"\nspeed = 3\n[ui]\nrefresh_hz = 0\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path / "unused.toml")
    message = str(info.value)
    assert message.startswith(f"config error in {path}: 4 problems:\n")
    assert "more problem" not in message
    for needle in (
        "key sim.rate = -1 is not allowed: input should be greater than or equal to 0",
        "key sim.seed = 'x' is not allowed",
        "unknown key 'sim.speed' in [sim]; allowed keys are: seed, rate",
        "key ui.refresh_hz = 0 is not allowed: input should be greater than or equal to 1",
    ):
        assert needle in message, message
    assert len(message.splitlines()) == 6  # heading, one line per problem, the pointer


def test_duplicate_account_names_are_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[[accounts]]\nname = "main"\n\n[[accounts]]\nname = "main"\n')
    assert "unique" in message
    assert "main" in message


def test_duplicate_account_names_are_reported_against_accounts(tmp_path: Path) -> None:
    message = error_for(
        tmp_path,
        '[general]\nlog_level = "debug"\n\n[[accounts]]\nname = "main"\n\n'
        '[[accounts]]\nname = "main"\n',
    )
    assert "key accounts" in message
    assert "log_level" not in message


@pytest.mark.parametrize("amount", ['"-5"', "-0.01", '"nan"', '"abc"'])
def test_balances_must_be_non_negative_numbers(tmp_path: Path, amount: str) -> None:
    message = error_for(tmp_path, f'[[accounts]]\nname = "a"\nbalances = {{ USDT = {amount} }}\n')
    assert "accounts.0.balances" in message
    assert amount.strip('"') in message


def test_parse_config_names_its_source() -> None:
    with pytest.raises(ConfigError, match="the command line"):
        parse_config({"sim": {"rate": -1}}, "the command line")


def test_save_setting_keeps_the_other_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[sim]\nseed = 3\n\n[ui]\nrefresh_hz = 10.0\n\n[[accounts]]\nname = "mine"\n'
        'balances = { BTC = "0.05" }\n',
    )
    save_setting(path, "ui", "theme", "tradeterm-light")
    config, _ = load_config(path, tmp_path / "x.toml")
    assert config.ui.theme == "tradeterm-light"
    assert config.ui.refresh_hz == 10.0
    assert config.sim.seed == 3
    assert [a.name for a in config.accounts] == ["mine"]
    assert config.accounts[0].balances == {"BTC": Decimal("0.05")}
    assert not list(tmp_path.glob("*.tmp"))


def test_save_setting_creates_the_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "config.toml"
    save_setting(path, "ui", "theme", "tradeterm-contrast")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "ui": {"theme": "tradeterm-contrast"}
    }
    config, _ = load_config(path, tmp_path / "x.toml")
    assert config.ui.theme == "tradeterm-contrast"


def test_save_setting_refuses_an_invalid_value_without_writing(tmp_path: Path) -> None:
    original = '# my settings\n[ui]\ntheme = "tradeterm-dark"\nrefresh_hz = 12.0\n'
    path = write(tmp_path, original)
    with pytest.raises(ConfigError, match=r"ui\.refresh_hz"):
        save_setting(path, "ui", "refresh_hz", 500)
    assert path.read_text(encoding="utf-8") == original
    with pytest.raises(ConfigError, match="nonsense"):
        save_setting(path, "ui", "nonsense", 1)
    assert path.read_text(encoding="utf-8") == original
    assert not list(tmp_path.glob("*.tmp"))


def test_save_setting_refuses_to_touch_a_broken_file(tmp_path: Path) -> None:
    original = "[ui\ntheme = 3\n"
    path = write(tmp_path, original)
    with pytest.raises(ConfigError, match="cannot update"):
        save_setting(path, "ui", "theme", "tradeterm-dark")
    assert path.read_text(encoding="utf-8") == original


BINANCE = """
[venues.binance]
symbols = ["BTC/USDT", "ETH/USDT"]

[venues.binance.ccxt]
urls = { api = { public = "http://127.0.0.1:1/api/v3", ws = { spot = "ws://127.0.0.1:1/ws" } } }

[[accounts]]
name = "bn-paper"
venue = "binance"
balances = { USDT = "10000" }
"""


def test_a_binance_venue_and_an_account_on_it_load(tmp_path: Path) -> None:
    config, _ = load_config(write(tmp_path, BINANCE), tmp_path / "unused.toml")
    venue = config.venues["binance"]
    assert venue.exchange == "binance"  # the table's name
    assert venue.symbols == ("BTC/USDT", "ETH/USDT")
    assert venue.ccxt["urls"]["api"]["public"] == "http://127.0.0.1:1/api/v3"
    assert venue.markets_cache_hours == 24.0
    assert config.venue_of() == "binance"
    assert config.accounts[0].venue == "binance"


def test_an_account_on_an_unconfigured_venue_names_the_venues_allowed(tmp_path: Path) -> None:
    message = error_for(tmp_path, BINANCE.replace('venue = "binance"', 'venue = "binanse"'))
    assert "'binanse' is not configured" in message
    assert "allowed: sim, binance" in message


def test_a_native_feed_for_an_exchange_without_one_and_a_bad_symbol_are_refused(
    tmp_path: Path,
) -> None:
    bybit = BINANCE.replace("[venues.binance]", '[venues.binance]\nexchange = "bybit"')
    config, _ = load_config(write(tmp_path, bybit), tmp_path / "unused.toml")
    assert config.venues["binance"].uses_ccxt  # any other exchange goes through ccxt
    assert (
        not load_config(write(tmp_path, BINANCE), tmp_path / "u.toml")[0]
        .venues["binance"]
        .uses_ccxt
    )
    message = error_for(
        tmp_path, bybit.replace('exchange = "bybit"', 'exchange = "bybit"\nfeed = "native"')
    )
    assert "exchange 'bybit' has no native feed; native feeds: binance, kraken" in message
    message = error_for(tmp_path, bybit.replace('exchange = "bybit"', 'exchange = "By Bit"'))
    assert "venues.binance.exchange" in message
    message = error_for(tmp_path, BINANCE.replace('"ETH/USDT"', '"ETHUSDT"'))
    assert "venues.binance.symbols" in message and "BASE/QUOTE" in message
    message = error_for(tmp_path, BINANCE.replace('"BTC/USDT", "ETH/USDT"', ""))
    assert "venues.binance" in message and "symbols: list at least one market" in message


def test_universe_all_takes_a_quote_instead_of_symbols(tmp_path: Path) -> None:
    wide = BINANCE.replace('symbols = ["BTC/USDT", "ETH/USDT"]', 'universe = "all"\nquote = "USDT"')
    config, _ = load_config(write(tmp_path, wide), tmp_path / "unused.toml")
    venue = config.venues["binance"]
    assert venue.symbols == () and venue.quote == "USDT"
    listed = BINANCE.replace('"ETH/USDT"]', '"ETH/USDT"]\nquote = "USDT"')
    message = error_for(tmp_path, listed)
    assert "quote applies to universe" in message
    message = error_for(
        tmp_path, BINANCE.replace('symbols = ["BTC/USDT", "ETH/USDT"]', "symbols = []")
    )
    assert 'universe = "all"' in message


TAPE = """
[venues.tape]
exchange = "replay"
files = ["captures/btc.gz"]

[[accounts]]
name = "tape-paper"
venue = "tape"
"""


def test_a_replay_venue_finds_its_files_from_the_config_folder_and_needs_some(
    tmp_path: Path,
) -> None:
    config, _ = load_config(write(tmp_path, TAPE), tmp_path / "unused.toml")
    tape = config.venues["tape"]
    assert (tape.exchange, tape.symbols, tape.speed) == ("replay", (), 1.0)
    assert tape.files == (str(tmp_path / "captures" / "btc.gz"),)
    message = error_for(tmp_path, TAPE.replace('files = ["captures/btc.gz"]', ""))
    assert "venues.tape: a replay needs files" in message
    message = error_for(
        tmp_path, TAPE.replace('exchange = "replay"', 'exchange = "replay"\nspeed = 500')
    )
    assert "venues.tape.speed" in message and "100" in message
