"""The config schema: defaults, documentation on every field, and the example file."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import FrozenInstanceError, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pydantic
import pytest
import tomli_w

import tradeterm
from tradeterm.config.example import render_example
from tradeterm.config.load import parse_config, to_toml_data
from tradeterm.config.models import (
    AccountConfig,
    AlertConfig,
    Config,
    GeneralConfig,
    SimConfig,
    UiConfig,
)
from tradeterm.config.settings import (
    AccountSettings,
    AlertSettings,
    GeneralSettings,
    Settings,
    SimSettings,
    UiSettings,
)
from tradeterm.config.strategy_config import StrategiesConfig
from tradeterm.domain.enums import AccountMode, FillModel
from tradeterm.domain.errors import ConfigError
from tradeterm.venues.sim.catalog import ALL_LISTINGS, LISTINGS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.toml.example"


def all_models(model: type[pydantic.BaseModel] = Config) -> list[type[pydantic.BaseModel]]:
    """Config and every section model reachable from its fields (lists included)."""
    found = [model]
    for field in model.model_fields.values():
        for candidate in (field.annotation, *get_args(field.annotation)):
            if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
                found += [m for m in all_models(candidate) if m not in found]
    return found


def test_the_schema_has_every_section() -> None:
    names = {m.__name__ for m in all_models()}
    assert {"Config", "GeneralConfig", "SimConfig", "UiConfig", "AccountConfig"} <= names


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_every_field_says_what_it_is_for(model: type[pydantic.BaseModel]) -> None:
    for name, field in model.model_fields.items():
        text = (field.description or "").strip()
        assert len(text) >= 10, f"{model.__name__}.{name} has no docstring"


def test_defaults_are_a_working_offline_setup() -> None:
    config = Settings()
    assert config.general.venue == "sim"
    assert config.sim.symbols == ()  # all listings
    assert config.sim.rate > 0
    assert config.sim.history_minutes == 1440  # "1440 = one day"
    shipped = {p.stem for p in (Path(tradeterm.__file__).parent / "themes").glob("*.toml")}
    assert config.ui.theme in shipped
    assert len(config.accounts) == 1
    account = config.accounts[0]
    assert account.mode is AccountMode.PAPER
    assert account.fill_model is FillModel.REALISTIC
    assert all(amount > 0 for amount in account.balances.values())
    assert "USDT" in account.balances


def test_config_is_immutable() -> None:
    with pytest.raises(pydantic.ValidationError):
        Config().sim.seed = 3  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Settings().sim.seed = 3  # type: ignore[misc]


def test_an_empty_file_validates_to_exactly_the_plain_defaults() -> None:
    """The schema and the settings agree on every key and every default."""
    assert parse_config({}, "empty") == Settings()
    pairs: list[tuple[type[pydantic.BaseModel], type]] = [
        (Config, Settings),
        (GeneralConfig, GeneralSettings),
        (SimConfig, SimSettings),
        (UiConfig, UiSettings),
        (AccountConfig, AccountSettings),
        (AlertConfig, AlertSettings),
    ]
    for model, plain in pairs:
        assert list(model.model_fields) == [f.name for f in fields(plain)], model


def test_a_start_without_a_config_file_does_not_import_pydantic(tmp_path: Path) -> None:
    """pydantic is about a fifth of the work to the first frame; only a file needs it."""
    code = (
        "import sys; from pathlib import Path; from tradeterm.config.load import load_config; "
        f"config, _ = load_config(None, Path({str(tmp_path / 'none.toml')!r})); "
        "print(config.ui.theme, 'pydantic' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == [Settings().ui.theme, "False"]


def test_defaults_survive_a_trip_through_toml() -> None:
    text = tomli_w.dumps(to_toml_data(Settings()))
    assert parse_config(tomllib.loads(text), "roundtrip") == Settings()


def test_balances_are_exact_decimals_and_round_trip_as_text() -> None:
    raw = tomllib.loads('[[accounts]]\nname = "a"\nbalances = { BTC = "0.05", ETH = 0.1 }\n')
    config = parse_config(raw, "inline")
    assert config.accounts[0].balances == {"BTC": Decimal("0.05"), "ETH": Decimal("0.1")}
    data = to_toml_data(config)
    assert data["accounts"][0]["balances"] == {"BTC": "0.05", "ETH": "0.1"}
    assert parse_config(tomllib.loads(tomli_w.dumps(data)), "again") == config


def test_the_example_file_is_exactly_what_the_code_renders() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == render_example(), (
        "config.toml.example is out of date; regenerate it from render_example()"
    )


def test_the_example_parses_shows_every_key_and_shows_the_defaults() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    config = parse_config(raw, EXAMPLE)
    # every key of every section is written out, so users can see what exists; the
    # alert examples are commented out, so that copying the file switches none on
    # (and so is the exchange example: a real venue needs the network)
    assert set(raw) == set(Config.model_fields) - {"alerts", "venues"}
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "# [[alerts]]" in text
    for key in get_args(Config.model_fields["alerts"].annotation)[0].model_fields:
        assert f"\n# {key} = " in text, key
    assert "# [venues.binance]" in text
    for key in get_args(Config.model_fields["venues"].annotation)[1].model_fields:
        assert f"\n# {key} = " in text, key
    for name, field in Config.model_fields.items():
        if name in ("alerts", "venues"):
            continue
        sections: list[dict[str, Any]] = raw[name] if isinstance(raw[name], list) else [raw[name]]
        model = get_args(field.annotation)[0] if isinstance(raw[name], list) else field.annotation
        # the strategy instances are commented out too: one would start trading
        hidden = {"run"} if name == "strategies" else set()
        for section in sections:
            assert set(section) == set(model.model_fields) - hidden, name
    assert "# [[strategies.run]]" in text
    for key in get_args(StrategiesConfig.model_fields["run"].annotation)[0].model_fields:
        assert f"\n# {key} = " in text, key
    # the values shown are the defaults; a second account shows off the options
    assert replace(config, accounts=config.accounts[:1]) == Settings()
    assert len(config.accounts) == 2
    assert len({a.name for a in config.accounts}) == 2


def test_the_example_comments_are_the_field_docstrings() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for model in all_models():
        for field in model.model_fields.values():
            first_line = (field.description or "").strip().splitlines()[0].replace("``", "`")
            assert f"# {first_line.strip()}" in text


def test_the_documented_listing_counts_match_the_catalog() -> None:
    fields = Config.model_fields["sim"].annotation.model_fields
    description = fields["universe"].description or ""
    assert f"{len(LISTINGS)} hand-made" in description
    assert f"all``: {len(ALL_LISTINGS)} markets" in description


def test_strategy_entries_in_either_form_and_their_mistakes_named() -> None:
    entry = {"name": "g1", "kind": "grid", "account": "paper", "params": {"levels": 5}}
    listed = parse_config(
        {"strategies": [{**entry, "instrument": "BTC/USDT@sim", "autostart": True}]}, "c"
    )
    tabled = parse_config(
        {"strategies": {"dir": "mine", "run": [{**entry, "symbol": "BTC/USDT"}]}}, "c"
    )
    (a,), (b,) = listed.strategies.run, tabled.strategies.run
    assert (a.name, a.kind, a.account, a.symbol, dict(a.params)) == (
        "g1", "grid", "paper", "BTC/USDT", {"levels": 5},
    )  # fmt: skip
    assert a.autostart and not b.autostart and b.symbol == "BTC/USDT"
    assert tabled.strategies.dir == "mine"
    bad = {
        "nope": ("account 'nope' is not configured; allowed: paper", "BTC/USDT"),
        "paper": ("account 'paper' trades on 'sim', not 'binance'", "BTC/USDT@binance"),
    }
    for account, (message, instrument) in bad.items():
        with pytest.raises(ConfigError, match=f"strategy 'g1': {message}"):
            parse_config(
                {"strategies": [{**entry, "account": account, "instrument": instrument}]}, "c"
            )
    with pytest.raises(ConfigError, match="instrument is written BASE/QUOTE or BASE/QUOTE@venue"):
        parse_config({"strategies": [{**entry, "instrument": "BTCUSDT"}]}, "c")
    with pytest.raises(ConfigError, match="strategy names must be unique; repeated: g1"):
        parse_config({"strategies": [{**entry, "symbol": "BTC/USDT"}] * 2}, "c")
