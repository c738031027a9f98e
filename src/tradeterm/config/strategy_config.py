"""The config file's strategy sections: ``[strategies]`` (the folder of your own) and the
``[[strategies]]`` instances."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from tradeterm.config.section import Section
from tradeterm.config.settings import StrategiesSettings

_STRATEGIES = StrategiesSettings()


_NAME = r"^[A-Za-z0-9_.-]+$"


class StrategyEntryConfig(Section):
    name: Annotated[str, Field(min_length=1, max_length=32, pattern=_NAME)]
    """The instance's name (letters, digits, ``_ . -``): ``:strategy start NAME``, and the tag
    on its orders."""

    kind: Annotated[str, Field(min_length=1)]
    """Which strategy: a built-in (``grid``, ``market_maker``, ``sma_cross``, ``trend``,
    ``mean_reversion``, ``momentum``) or one from ``strategies.dir``."""

    account: str
    """The account it trades on (an ``[[accounts]]`` name)."""

    instrument: str = ""
    """What it trades, ``BASE/QUOTE`` or ``BASE/QUOTE@venue`` (the account's venue)."""

    symbol: str = ""
    """Another name for ``instrument`` (give one of the two)."""

    params: dict[str, Any] = {}
    """The strategy's parameters, checked against its parameter model at start-up."""

    autostart: bool = False
    """Start it with the workstation."""

    @model_validator(mode="after")
    def _one_instrument(self) -> StrategyEntryConfig:
        if bool(self.instrument) == bool(self.symbol):
            raise ValueError(
                f'strategy {self.name!r}: give instrument = "BASE/QUOTE" (or symbol), once'
            )
        symbol, _venue = split_instrument(self.instrument or self.symbol)
        if symbol.count("/") != 1 or not all(symbol.split("/")):
            raise ValueError(
                f"strategy {self.name!r}: instrument is written BASE/QUOTE or "
                f"BASE/QUOTE@venue (e.g. BTC/USDT@sim), got {self.instrument or self.symbol!r}"
            )
        return self


def split_instrument(text: str) -> tuple[str, str | None]:
    """``BTC/USDT@binance`` -> (``BTC/USDT``, ``binance``); a bare symbol has no venue."""
    symbol, sep, venue = text.strip().rpartition("@")
    return (symbol.strip(), venue.strip()) if sep else (venue, None)


class StrategiesConfig(Section):
    dir: str = _STRATEGIES.dir
    """Folder of your own strategies (``*.py`` files with ``Strategy`` subclasses). Empty:
    the built-in ones only. A broken file is reported with its line; the others load."""

    run: list[StrategyEntryConfig] = []
    """Strategy instances, ``[[strategies.run]]`` here or ``[[strategies]]`` at the top of
    the file (then without ``dir``): name, kind, account, instrument, params, autostart."""

    @field_validator("run")
    @classmethod
    def _unique_names(cls, run: list[StrategyEntryConfig]) -> list[StrategyEntryConfig]:
        names = [entry.name for entry in run]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"strategy names must be unique; repeated: {', '.join(duplicates)}")
        return run
