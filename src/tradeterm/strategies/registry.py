"""Strategies by kind: the built-ins, users' own from a folder, and their parameters checked.

``load_folder`` imports every ``*.py`` file of the folder (``strategies.dir`` in
config) on its own: a file that does not import, or defines no usable strategy,
gives a ``LoadError`` naming the file and line, logged, and the other files still
load. Files starting with ``_`` are skipped (helpers the others may import).
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from tradeterm.domain.errors import TradetermError
from tradeterm.strategies.base import Strategy, StrategyParams
from tradeterm.strategies.grid import Grid
from tradeterm.strategies.market_maker import MarketMaker
from tradeterm.strategies.scored import MeanReversion, Momentum, Trend
from tradeterm.strategies.sma_cross import SmaCross
from tradeterm.strategies.status import LoadError

log = logging.getLogger("tradeterm.strategies")

StrategyClass = type[Strategy[Any]]

BUILTINS: dict[str, StrategyClass] = {
    cls.kind: cls for cls in (SmaCross, Grid, MarketMaker, Trend, MeanReversion, Momentum)
}
"""The built-in strategies by kind."""


@dataclass(slots=True)
class Loaded:
    strategies: dict[str, StrategyClass] = field(default_factory=dict)
    """Kind -> class, for every strategy found (the built-ins not included)."""
    errors: list[LoadError] = field(default_factory=list)


def make_params(cls: StrategyClass, values: Mapping[str, Any]) -> StrategyParams:
    """``values`` checked against the strategy's parameter model.

    Raises:
        TradetermError: every wrong or unknown parameter, each with what is allowed.
    """
    try:
        return cls.params_model.model_validate(dict(values))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "parameters"
            problems.append(f"{key}: {error['msg']}")
        raise TradetermError(f"{cls.kind} parameters: " + "; ".join(problems)) from None


def create(
    kind: str, values: Mapping[str, Any], known: Mapping[str, StrategyClass] = BUILTINS
) -> Strategy[Any]:
    """A new strategy of ``kind`` with ``values`` as its parameters.

    Raises:
        TradetermError: an unknown kind (the message lists the known ones), or bad parameters.
    """
    cls = known.get(kind)
    if cls is None:
        raise TradetermError(f"unknown strategy {kind!r}; known: {', '.join(sorted(known))}")
    return cls(make_params(cls, values))


def load_folder(folder: str | Path, known: Mapping[str, StrategyClass] = BUILTINS) -> Loaded:
    """Every strategy defined in ``folder``'s ``*.py`` files; see the module docstring."""
    loaded = Loaded()
    root = Path(folder).expanduser()
    if not root.is_dir():
        loaded.errors.append(LoadError(root, None, "no such folder (strategies.dir in config)"))
    else:
        for path in sorted(root.glob("*.py")):
            if not path.name.startswith("_"):
                _load_file(path, known, loaded)
    for error in loaded.errors:
        log.error("strategy file %s", error)
    return loaded


def _load_file(path: Path, known: Mapping[str, StrategyClass], loaded: Loaded) -> None:
    module_name = f"tradeterm_user_strategies.{path.stem}"
    try:
        module = _import(path, module_name)
    except SyntaxError as exc:
        loaded.errors.append(LoadError(path, exc.lineno, f"syntax error: {exc.msg}"))
        return
    except (Exception, SystemExit) as exc:  # a user's file never takes the app down
        line = _line_in(path, exc)
        loaded.errors.append(LoadError(path, line, f"{type(exc).__name__}: {exc}"))
        return
    found = [
        cls
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, Strategy)
        and cls.__module__ == module_name
        and cls.kind
    ]
    if not found:
        message = 'defines no Strategy subclass with a kind (class attribute `kind = "..."`)'
        loaded.errors.append(LoadError(path, None, message))
    for cls in found:
        line = inspect.getsourcelines(cls)[1]
        if not (
            isinstance(cls.params_model, type) and issubclass(cls.params_model, StrategyParams)
        ):
            message = f"{cls.__name__}.params_model is not a StrategyParams subclass"
            loaded.errors.append(LoadError(path, line, message))
        elif cls.kind in known or cls.kind in loaded.strategies:
            message = f"strategy kind {cls.kind!r} is taken already; choose another name"
            loaded.errors.append(LoadError(path, line, message))
        else:
            loaded.strategies[cls.kind] = cls


def _import(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _line_in(path: Path, exc: BaseException) -> int | None:
    """The line of ``path`` the exception was raised from (the deepest frame in that file)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line
