"""The native Kraken feed with permessage-deflate agreed or not, against the local stand-in:
its subscriptions go out while the connection opens, and the books end as recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from kraken_data import DEPTH, PAIRS
from test_kraken_feed import FAST, assert_known_books, session, standin

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.ws_direct import Compression


@pytest.mark.parametrize(("compression", "used"), [("deflate", True), ("auto", False)])
async def test_the_books_end_as_recorded_with_or_without_deflate(
    tmp_path: Path, compression: Compression, used: bool
) -> None:
    async with standin() as server:
        feed = KrakenFeed(
            list(PAIRS),
            urls=server.urls,
            cache_dir=tmp_path,
            backoff=FAST,
            depth=DEPTH,
            compression=compression,
        )
        engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="kraken")])
        await session(server, feed, engine)
    assert ("permessage-deflate" in server.negotiated[0]) is used
    assert feed.malformed == 0 and server.connections == 1
    assert_known_books(engine)
