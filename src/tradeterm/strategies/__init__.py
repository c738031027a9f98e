"""Strategies: the public Strategy API, its host, and the built-in strategies.

- ``Strategy``, ``StrategyParams``: subclass them (see docs/strategies.md).
- ``StrategyHost``, ``StrategyState``: run one instance on an engine.
- ``BUILTINS``, ``load_folder``, ``make_params``: find strategies by kind, load users' own.

The names load on first use (PEP 562), so importing a light part of the package (its
``status`` module, for the strategies pane) does not load pydantic, numpy and every
built-in strategy before the workstation's first book.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeterm.strategies.base import Strategy, StrategyParams
    from tradeterm.strategies.host import StrategyHost
    from tradeterm.strategies.registry import BUILTINS, create, load_folder, make_params
    from tradeterm.strategies.status import LoadError, StrategyState

_HOMES = {
    "Strategy": "base",
    "StrategyParams": "base",
    "StrategyHost": "host",
    "StrategyState": "status",
    "LoadError": "status",
    "BUILTINS": "registry",
    "create": "registry",
    "load_folder": "registry",
    "make_params": "registry",
}

__all__ = [
    "BUILTINS",
    "LoadError",
    "Strategy",
    "StrategyHost",
    "StrategyParams",
    "StrategyState",
    "create",
    "load_folder",
    "make_params",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
