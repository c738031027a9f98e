"""Strategies: the public Strategy API, its host, and the built-in strategies.

- ``Strategy``, ``StrategyParams``: subclass them (see docs/strategies.md).
- ``StrategyHost``, ``StrategyState``: run one instance on an engine.
- ``BUILTINS``, ``load_folder``, ``make_params``: find strategies by kind, load users' own.
"""

from tradeterm.strategies.base import Strategy, StrategyParams
from tradeterm.strategies.host import StrategyHost, StrategyState
from tradeterm.strategies.registry import BUILTINS, LoadError, create, load_folder, make_params

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
