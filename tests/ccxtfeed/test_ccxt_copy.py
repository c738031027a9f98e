"""ccxt's own parsing of recorded exchange replies, copied into tradeterm's events: exact
Decimals equal to the exchange's text, sides, times; a book copied once and then by
changes only."""

from __future__ import annotations

import json
from decimal import Decimal

import ccxt
from binance_data import DATA

from tradeterm.domain.enums import Side
from tradeterm.venues.ccxt.feed_copy import BookMirror, ticker_event, trade_event

REST = DATA / "rest"


def test_binance_trades_parsed_by_ccxt_become_exact_prints() -> None:
    raw = json.loads(
        (REST / "binance_spot_20211022_nautilus" / "http_spot_market_trades.json").read_text()
    )
    exchange = ccxt.binance()
    for item in raw[:20]:
        event = trade_event({**exchange.parse_trade(item), "symbol": "BTC/USDT"})
        assert event is not None
        trade = event.trade
        assert trade.symbol == "BTC/USDT"
        assert trade.price == Decimal(item["price"]) and trade.qty == Decimal(item["qty"])
        assert trade.side is (Side.SELL if item["isBuyerMaker"] else Side.BUY)
        assert trade.ts_ns == item["time"] * 1_000_000 and trade.trade_id == str(item["id"])
    assert trade_event({"symbol": "BTC/USDT", "price": 1.0, "amount": 1.0, "side": None}) is None


def test_a_kraken_ticker_parsed_by_ccxt_keeps_the_exchanges_numbers() -> None:
    raw = json.loads((REST / "kraken_spot_20251111_nautilus" / "http_ticker.json").read_text())
    (pair, body), *_ = raw["result"].items()
    parsed = ccxt.kraken().parse_ticker(body)
    event = ticker_event("BTC/USDT", parsed)
    assert event is not None, pair
    ticker = event.ticker
    assert ticker.last == Decimal(body["c"][0])
    assert ticker.bid == Decimal(body["b"][0]) and ticker.ask == Decimal(body["a"][0])
    assert ticker.high_24h == Decimal(body["h"][1]) and ticker.low_24h == Decimal(body["l"][1])
    assert ticker.open_24h == Decimal(body["o"])
    assert ticker.volume_24h == Decimal(body["v"][1])
    assert ticker_event("BTC/USDT", {"last": None}) is None


def test_a_book_is_copied_whole_then_by_its_changes() -> None:
    mirror = BookMirror("BTC/USDT")
    book = {"bids": [[100.5, 2.0], [100.0, 1.0]], "asks": [[101.0, 3.0]], "nonce": 7}
    first = mirror.update(book)
    assert first is not None and first.snapshot and first.seq == 7
    assert list(first.bids) == [
        (Decimal("100.5"), Decimal("2.0")),
        (Decimal("100.0"), Decimal("1.0")),
    ]
    book["bids"][0][1] = 2.5  # ccxt changes its lists in place
    del book["bids"][1]
    book["asks"].append([101.5, 0.1])
    book["nonce"] = 8
    assert first.bids[0] == (Decimal("100.5"), Decimal("2.0"))  # the event kept its copy
    second = mirror.update(book)
    assert second is not None and not second.snapshot and second.seq == 8
    assert sorted(second.bids) == [
        (Decimal("100.0"), Decimal(0)),
        (Decimal("100.5"), Decimal("2.5")),
    ]
    assert list(second.asks) == [(Decimal("101.5"), Decimal("0.1"))]
    assert mirror.update(book) is None  # nothing changed
    mirror.reset()
    again = mirror.update(book)
    assert again is not None and again.snapshot and len(again.bids) == 1
