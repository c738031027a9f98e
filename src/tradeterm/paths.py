"""Where tradeterm keeps its files: the platform's config and data directories."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradeterm.config.settings import Settings

APP = "tradeterm"
LEDGER_FILE = "ledger.sqlite"
CANDLES_FILE = "candles.sqlite"


def config_dir() -> Path:
    """``$TRADETERM_CONFIG_DIR`` or the platform's user config directory."""
    override = os.environ.get("TRADETERM_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    """``$TRADETERM_DATA_DIR`` or the platform's user data directory (ledger, logs)."""
    override = os.environ.get("TRADETERM_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def data_dir_for(config: Settings) -> Path:
    """The data directory ``config`` names (``general.data_dir``), else ``data_dir()``."""
    if config.general.data_dir:
        return Path(config.general.data_dir).expanduser()
    return data_dir()
