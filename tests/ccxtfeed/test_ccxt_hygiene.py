"""Import hygiene with a ccxt venue: a session on an exchange without a native feed (or with
``feed = "ccxt"``) goes through ccxt; a native-only config never imports it
(tests/binance/test_binance_hygiene.py)."""

from __future__ import annotations

from pathlib import Path

from binance_data import SYMBOLS
from ccxt_rig import ccxt_config, standin
from test_binance_hygiene import probe

from tradeterm.venues.ccxt.feed import CcxtFeed

CCXT_BINANCE = """
    [general]
    data_dir = "data"

    [venues.bn]
    exchange = "binance"
    feed = "ccxt"
    symbols = ["NKN/USDT", "BLZ/ETH"]

    [venues.bn.ccxt.urls.api]
    public = "http://127.0.0.1:9/api/v3"
    ws = { spot = "ws://127.0.0.1:9/stream" }

    [[accounts]]
    name = "bn-paper"
    venue = "bn"
"""


async def test_a_ccxt_venue_session_loads_ccxt_and_its_markets_offline(tmp_path: Path) -> None:
    # the markets cache a first (online) start leaves in the data directory
    async with standin() as server:
        feed = CcxtFeed(
            "binance",
            list(SYMBOLS.values()),
            venue="bn",
            config=ccxt_config(server),
            cache_dir=tmp_path / "data" / "markets",
        )
        await feed.load_markets()
        await feed.close()
    result = probe(tmp_path, CCXT_BINANCE)
    assert result["venue"] == "bn" and result["markets"] == 2
    assert "ccxt" in set(result["modules"])  # type: ignore[arg-type]
