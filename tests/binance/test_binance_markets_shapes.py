"""exchangeInfo read the fast way (only the fields that choose a market) and the general way
(a body of another shape) gives the same markets."""

from __future__ import annotations

import json

import pytest
from binance_data import EXCHANGE_INFO, need

from tradeterm.domain.errors import DataError
from tradeterm.venues.binance.markets import parse_exchange_info

SOME = ["BTC/USDT", "NKN/USDT", "BLZ/ETH", "LRC/BTC", "RUNE/EUR", "ETH/BTC"]


def odd_shape(body: bytes) -> bytes:
    """The same body with entries no market comes from: a string, and an object without a
    base asset whose fields have other types (the general reading skips both)."""
    info = json.loads(body)
    info["symbols"][1:1] = ["not a market", {"symbol": 42, "status": ["?"]}]
    return json.dumps(info).encode()


@pytest.mark.parametrize(("symbols", "quote"), [(SOME, ""), ([], "USDT"), ([], "")])
def test_the_fast_and_the_general_reading_give_the_same_markets(
    symbols: list[str], quote: str
) -> None:
    need()
    body = EXCHANGE_INFO.read_bytes()
    fast = parse_exchange_info("binance", body, symbols, quote)
    general = parse_exchange_info("binance", odd_shape(body), symbols, quote)
    assert fast == general
    markets, native = fast
    if symbols:
        assert [m.symbol for m in markets] == symbols
    assert len(native) == len(markets) > 5
    assert all(m.tick_size > 0 and m.lot_size > 0 for m in markets)


@pytest.mark.parametrize("body", [b"not json", b'{"symbols": 3}', b"[]"])
def test_a_body_that_is_not_exchange_info_is_a_data_error(body: bytes) -> None:
    with pytest.raises(DataError, match="exchangeInfo is not readable"):
        parse_exchange_info("binance", body, ["BTC/USDT"])
