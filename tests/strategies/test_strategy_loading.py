"""Users' strategies from a folder (strategies.dir): broken files named with their line, the
others loaded; the built-ins by kind; the layer rule checked in a fresh interpreter."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tradeterm.config.models import Config
from tradeterm.domain.errors import TradetermError
from tradeterm.strategies import BUILTINS, Strategy, create, load_folder

GOOD = '''
from decimal import Decimal
from pydantic import Field
from tradeterm.strategies import Strategy, StrategyParams


class BreakoutParams(StrategyParams):
    size: Decimal = Field(default=Decimal("0.01"), gt=0)
    """Order size."""


class Breakout(Strategy[BreakoutParams]):
    kind = "breakout"
    params_model = BreakoutParams
'''

SYNTAX = """
from tradeterm.strategies import Strategy

class Broken(Strategy):
    kind = "broken"
    def on_book(self, book)
        pass
"""

RAISES = """
from tradeterm.strategies import Strategy

LIMIT = 10


def helper():
    return {}["missing"]


VALUE = helper()
"""

CLASH = """
from tradeterm.strategies import Strategy


class MyGrid(Strategy):
    kind = "grid"
"""


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def test_broken_files_are_named_with_their_line_and_the_others_still_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "a_good.py", GOOD)
    write(tmp_path, "b_syntax.py", SYNTAX)
    write(tmp_path, "c_raises.py", RAISES)
    write(tmp_path, "d_clash.py", CLASH)
    write(tmp_path, "e_empty.py", "X = 1\n")
    write(tmp_path, "_helpers.py", "raise RuntimeError('never imported')\n")
    with caplog.at_level(logging.ERROR, logger="tradeterm.strategies"):
        loaded = load_folder(tmp_path)
    assert list(loaded.strategies) == ["breakout"]
    errors = [str(e) for e in loaded.errors]
    assert errors == [
        f"{tmp_path / 'b_syntax.py'}:6: syntax error: expected ':'",
        f"{tmp_path / 'c_raises.py'}:8: KeyError: 'missing'",
        f"{tmp_path / 'd_clash.py'}:5: strategy kind 'grid' is taken already; choose another name",
        f"{tmp_path / 'e_empty.py'}: defines no Strategy subclass with a kind "
        '(class attribute `kind = "..."`)',
    ]
    assert [r.getMessage() for r in caplog.records] == [f"strategy file {e}" for e in errors]
    # the loaded strategy is usable like a built-in
    known = {**BUILTINS, **loaded.strategies}
    strategy = create("breakout", {"size": "0.5"}, known)
    assert isinstance(strategy, Strategy) and str(strategy.params.size) == "0.5"


def test_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    loaded = load_folder(tmp_path / "nope")
    assert [e.message for e in loaded.errors] == ["no such folder (strategies.dir in config)"]


def test_kinds_and_parameters_are_checked_with_what_is_allowed() -> None:
    assert sorted(BUILTINS) == [
        "grid",
        "market_maker",
        "mean_reversion",
        "momentum",
        "sma_cross",
        "trend",
    ]
    with pytest.raises(
        TradetermError, match="unknown strategy 'gird'; known: grid, market_maker, mean_reversion"
    ):
        create("gird", {})
    with pytest.raises(TradetermError, match="levels: Input should be less than or equal to 20"):
        create("market_maker", {"levels": 50})


def test_every_parameter_has_a_default_a_docstring_and_the_config_has_a_folder() -> None:
    for cls in BUILTINS.values():
        for name, field in cls.params_model.model_fields.items():
            assert field.description, f"{cls.kind}.{name} has no docstring"
            assert not field.is_required(), f"{cls.kind}.{name} has no default"
    settings = Config.model_validate({"strategies": {"dir": "~/bots"}}).to_settings()
    assert settings.strategies.dir == "~/bots"
    with pytest.raises(ValueError, match="folder"):
        Config.model_validate({"strategies": {"folder": "x"}})


def test_strategies_import_no_ui_or_exchange_library(tmp_path: Path) -> None:
    code = """
        import importlib, pkgutil, sys, json
        import tradeterm.strategies
        for info in pkgutil.walk_packages(tradeterm.strategies.__path__, "tradeterm.strategies."):
            importlib.import_module(info.name)
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
    """
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True, timeout=60
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "pydantic" in loaded  # the probe sees what was imported
    assert not loaded & {"textual", "rich", "ccxt", "websockets"}
    # pandas (~65 MB resident) waits until a strategy first asks for candles as a frame
    assert "pandas" not in loaded
