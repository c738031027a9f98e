"""The native Binance feed's websocket with and without permessage-deflate, either way round,
against the local stand-in replaying a real capture: the books always end as recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from binance_data import EXCHANGE_INFO, frames, need, snapshots
from binance_standin import BinanceStandIn
from test_binance_feed import assert_known_tops, make, session

from tradeterm.cli.compose import market_feed
from tradeterm.config.load import load_config
from tradeterm.domain.errors import ConfigError
from tradeterm.engine.clock import SystemClock
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.ws_direct import Compression


def standin(compression: str | None) -> BinanceStandIn:
    need()
    return BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), compression=compression
    )


@pytest.mark.parametrize(
    ("client", "server", "offered", "used"),
    [
        ("deflate", "deflate", True, True),  # a remote exchange that compresses
        ("none", "deflate", False, False),  # the trader turned it off
        ("deflate", None, True, False),  # an exchange that declines the offer
        ("auto", "deflate", False, False),  # 127.0.0.1: a local server, bytes are free
    ],
)
async def test_the_books_end_as_recorded_whatever_compression_is_agreed(
    tmp_path: Path, client: Compression, server: str | None, offered: bool, used: bool
) -> None:
    async with standin(server) as exchange:
        feed, engine = make(exchange, tmp_path, compression=client)
        await session(exchange, feed, engine)
    assert ("permessage-deflate" in exchange.offered[0]) is offered
    assert ("permessage-deflate" in exchange.negotiated[0]) is used
    assert feed.malformed == 0 and exchange.connections == 1
    assert_known_tops(engine)


CONFIG = """
[venues.{name}]
symbols = ["BTC/USDT"]
{line}

[[accounts]]
name = "paper"
venue = "{name}"
balances = {{ USDT = "10000" }}
"""


@pytest.mark.parametrize("name", ["binance", "kraken"])
@pytest.mark.parametrize("setting", ["auto", "deflate", "none"])
def test_the_venue_table_sets_the_native_feeds_compression(
    tmp_path: Path, name: str, setting: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(name=name, line=f'compression = "{setting}"'), "utf-8")
    config, _ = load_config(path, tmp_path / "unused.toml")
    feed = market_feed(config, SystemClock())
    assert isinstance(feed, BinanceFeed | KrakenFeed)
    assert feed.compression == setting


def test_the_default_is_auto_and_a_wrong_value_says_what_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(name="binance", line=""), "utf-8")
    config, _ = load_config(path, tmp_path / "unused.toml")
    assert config.venues["binance"].compression == "auto"
    path.write_text(CONFIG.format(name="binance", line='compression = "gzip"'), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path / "unused.toml")
    message = str(info.value)
    assert "compression" in message and "gzip" in message
    assert all(word in message for word in ("auto", "deflate", "none"))
