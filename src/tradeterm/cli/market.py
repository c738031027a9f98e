"""What config says about the market, checked before the screen opens: the sim's symbols
and the config's alerts. Light on purpose: the market itself is built behind the first frame."""

from __future__ import annotations

from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError, DataError


def sim_symbols(config: Settings) -> list[str]:
    """The symbols the configured sim trades.

    Raises:
        ConfigError: ``sim.symbols`` names one the sim does not list; the message names the
            key and every symbol it does list.
    """
    from tradeterm.venues.sim.catalog import ALL_LISTINGS, select_listings

    try:
        return [x.symbol for x in select_listings(config.sim.symbols or None, config.sim.universe)]
    except DataError as exc:
        listed = ", ".join(x.symbol for x in ALL_LISTINGS)
        raise ConfigError(f"config key sim.symbols: {exc}; it lists {listed}") from None


def check_market(config: Settings) -> list[tuple[str, str, bool]]:
    """The config's alert rules (see ``cli.alerts.config_rules``) after checking the sim's
    symbols. Raises ConfigError. A config that names neither costs no import."""
    if not config.sim.symbols and not config.alerts:
        return []
    symbols = sim_symbols(config)
    if not config.alerts:
        return []
    from tradeterm.cli.alerts import config_rules

    return config_rules(config.alerts, symbols)
