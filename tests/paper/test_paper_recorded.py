"""The paper venue on real recorded Binance data: book walks and queue position by real prints.

Data is read in place from ``../shared/data`` (see PROVENANCE.md there).
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from paperkit import D, Harness

from tradeterm.domain.enums import Liquidity, OrderType, Side
from tradeterm.domain.events import BookChanged, TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import floor_to

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REST = DATA / "rest" / "binance_spot_20211022_nautilus"
SPOT = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="the shared recorded data is not here")

SYMBOL = "BTC/USDT"
TAKER = D("0.001")  # Binance spot's default fee rate


def btc_market() -> Market:
    """BTC/USDT from the recorded exchangeInfo (tick, lot, min notional) with default fees."""
    info = json.loads((REST / "http_spot_market_exchange_info.json").read_text())
    (symbol,) = [s for s in info["symbols"] if s["symbol"] == "BTCUSDT"]
    filters = {f["filterType"]: f for f in symbol["filters"]}
    return Market(
        venue="binance",
        symbol=SYMBOL,
        base=symbol["baseAsset"],
        quote=symbol["quoteAsset"],
        tick_size=D(filters["PRICE_FILTER"]["tickSize"]).normalize(),
        lot_size=D(filters["LOT_SIZE"]["stepSize"]).normalize(),
        min_qty=D(filters["LOT_SIZE"]["minQty"]),
        min_notional=D(filters["MIN_NOTIONAL"]["minNotional"]),
        maker_fee=TAKER,
        taker_fee=TAKER,
    )


def levels(raw: list[list[str]]) -> list[tuple[Decimal, Decimal]]:
    return [(D(p), D(q)) for p, q in raw]


# --- a market order walking a real book ---------------------------------------------


def test_market_buy_on_the_rest_depth_snapshot_gives_the_hand_computed_vwap() -> None:
    depth = json.loads((REST / "http_spot_market_depth.json").read_text())
    h = Harness(markets=(btc_market(),))
    h.engine.on_market(
        BookChanged(SYMBOL, levels(depth["bids"]), levels(depth["asks"]), snapshot=True)
    )
    # The first three asks, as recorded: 0.61982 @ 60650.01, 0.00696 @ 60653.68, 0.00026 @ 60653.69.
    (p1, q1), (p2, q2), (p3, q3) = levels(depth["asks"][:3])
    assert (p1, q1, p2, q2, p3, q3) == (
        D("60650.01"),
        D("0.61982"),
        D("60653.68"),
        D("0.00696"),
        D("60653.69"),
        D("0.00026"),
    )
    order = h.submit(h.order(Side.BUY, OrderType.MARKET, "0.627", symbol=SYMBOL))
    # 0.61982 + 0.00696 = 0.62678; the last 0.627 - 0.62678 = 0.00022 comes from level 3.
    cost = (
        D("60650.01") * D("0.61982")  # 37592.0891982
        + D("60653.68") * D("0.00696")  # 422.1496128
        + D("60653.69") * D("0.00022")  # 13.3438118
    )
    assert cost == D("38027.5826228")
    fills = h.sink.fills(order.client_id)
    assert [(f.price, f.qty) for f in fills] == [(p1, q1), (p2, q2), (p3, D("0.00022"))]
    vwap = sum((f.price * f.qty for f in fills), D(0)) / sum((f.qty for f in fills), D(0))
    assert vwap == cost / D("0.627")
    assert all(f.liquidity is Liquidity.TAKER for f in fills)
    assert [f.fee for f in fills] == [q1 * TAKER, q2 * TAKER, D("0.00022") * TAKER]
    assert {f.fee_asset for f in fills} == {"BTC"}


def test_market_sell_on_the_rest_depth_snapshot_walks_three_bid_levels() -> None:
    depth = json.loads((REST / "http_spot_market_depth.json").read_text())
    h = Harness(markets=(btc_market(),))
    h.engine.on_market(
        BookChanged(SYMBOL, levels(depth["bids"]), levels(depth["asks"]), snapshot=True)
    )
    order = h.submit(h.order(Side.SELL, OrderType.MARKET, "0.1", symbol=SYMBOL))
    # bids: 0.00213 @ 60650.00, 0.06346 @ 60648.08, then 0.1 - 0.06559 = 0.03441 @ 60648.01
    fills = h.sink.fills(order.client_id)
    assert [(f.price, f.qty) for f in fills] == [
        (D("60650.00"), D("0.00213")),
        (D("60648.08"), D("0.06346")),
        (D("60648.01"), D("0.03441")),
    ]
    proceeds = (
        D("60650.00") * D("0.00213") + D("60648.08") * D("0.06346") + (D("60648.01") * D("0.03441"))
    )
    assert sum((f.price * f.qty for f in fills), D(0)) == proceeds == D("6064.8096809")
    assert sum((f.fee for f in fills), D(0)) == proceeds * TAKER
    assert {f.fee_asset for f in fills} == {"USDT"}


# --- the hftbacktest capture: a tiny reader ------------------------------------------


@functools.cache
def read_capture(limit: int) -> list[tuple[int, int, dict[str, Any]]]:
    """``(line number, receive ns, message)`` for the first ``limit`` lines (do not mutate)."""
    out = []
    with gzip.open(SPOT, "rt") as f:
        for number, line in enumerate(f, start=1):
            if number > limit:
                break
            ts, _, text = line.partition(" ")
            out.append((number, int(ts), json.loads(text)))
    return out


def replay(lines: list[tuple[int, int, dict[str, Any]]]) -> Iterator[tuple[int, Any]]:
    """Binance spot replay: buffer depth until the REST snapshot, apply the buffered updates
    with ``u`` past its ``lastUpdateId``, then every depthUpdate and trade in order.

    Yields ``(line number, event)`` for each event to feed, BookChanged or TradePrinted.
    """
    snapshot_id: int | None = None
    buffered: list[dict[str, Any]] = []
    for number, ts, message in lines:
        if "lastUpdateId" in message:
            snapshot_id = message["lastUpdateId"]
            yield (
                number,
                BookChanged(
                    SYMBOL,
                    levels(message["bids"]),
                    levels(message["asks"]),
                    snapshot=True,
                    seq=snapshot_id,
                    ts_ns=ts,
                ),
            )
            for data in buffered:
                if data["u"] > snapshot_id:
                    yield (
                        number,
                        BookChanged(
                            SYMBOL, levels(data["b"]), levels(data["a"]), seq=data["u"], ts_ns=ts
                        ),
                    )
            continue
        data = message["data"]
        kind = data.get("e")
        if snapshot_id is None:
            if kind == "depthUpdate":
                buffered.append(data)
            continue
        if kind == "depthUpdate" and data["u"] > snapshot_id:
            yield (
                number,
                BookChanged(SYMBOL, levels(data["b"]), levels(data["a"]), seq=data["u"], ts_ns=ts),
            )
        elif kind == "trade":
            aggressor = Side.SELL if data["m"] else Side.BUY  # m: the buyer was the maker
            trade = Trade(SYMBOL, D(data["p"]), D(data["q"]), aggressor, ts, str(data["t"]))
            yield number, TradePrinted(trade)


def test_the_inline_rest_snapshot_gives_the_hand_computed_vwap() -> None:
    lines = read_capture(8)
    number, _, snapshot = lines[7]
    assert number == 8 and snapshot["lastUpdateId"] == 50093239218
    h = Harness(markets=(btc_market(),))
    h.engine.on_market(
        BookChanged(SYMBOL, levels(snapshot["bids"]), levels(snapshot["asks"]), snapshot=True)
    )
    assert snapshot["asks"][:3] == [
        ["61837.64000000", "1.54698000"],
        ["61837.65000000", "0.00843000"],
        ["61837.68000000", "0.00016000"],
    ]
    order = h.submit(h.order(Side.BUY, OrderType.MARKET, "1.5555", symbol=SYMBOL))
    # 1.54698 + 0.00843 = 1.55541; the last 0.00009 at 61837.68
    cost = (
        D("61837.64") * D("1.54698") + D("61837.65") * D("0.00843") + D("61837.68") * D("0.00009")
    )
    fills = h.sink.fills(order.client_id)
    assert [f.qty for f in fills] == [D("1.54698"), D("0.00843"), D("0.00009")]
    assert sum((f.price * f.qty for f in fills), D(0)) == cost
    assert cost / D("1.5555") == sum((f.price * f.qty for f in fills), D(0)) / D("1.5555")


# --- queue position counted down by real prints ------------------------------------------


class Expected:
    """The documented realistic rule for one resting bid, computed from the raw messages."""

    def __init__(self, price: Decimal, qty: Decimal, size: Decimal, lot: Decimal) -> None:
        self.price, self.qty, self.lot = price, qty, lot
        self.queue, self.size, self.credit, self.filled = size, size, D(0), D(0)

    def on_raw(self, data: dict[str, Any]) -> None:
        if data.get("e") == "trade":
            price, qty = D(data["p"]), D(data["q"])
            if price < self.price:  # traded through our bid
                self.filled = self.qty
            elif price == self.price and data["m"]:  # a seller hit the bids at our price
                self.credit += qty
                eaten = min(qty, self.queue)
                self.queue -= eaten
                self.filled = min(self.qty, self.filled + qty - eaten)
        elif data.get("e") == "depthUpdate":
            for p, q in data["b"]:
                if D(p) != self.price:
                    continue
                new = D(q)
                if new < self.size:
                    drop = self.size - new
                    traded = min(drop, self.credit)
                    self.credit -= traded
                    cancelled = drop - traded
                    if cancelled:
                        basis = self.size - traded
                        cut = (
                            self.queue
                            if cancelled >= basis
                            else floor_to(cancelled * self.queue / basis, self.lot)
                        )
                        self.queue -= cut
                    self.queue = min(self.queue, new)
                if not new:
                    self.credit = D(0)
                self.size = new


Step = tuple[int, str, Decimal, Decimal]  # line, "trade"/"depth", expected queue, filled


def run_queue_scenario(
    place_before_line: int, until_line: int
) -> tuple[Expected, list[Step], Harness, str]:
    """Replay, place a 0.01 BTC bid at the best bid just before ``place_before_line``, and
    compare the venue with the independent computation after every message."""
    market = btc_market()
    lines = read_capture(until_line)
    raw = {number: message for number, _, message in lines}
    h = Harness(markets=(market,))
    expected: Expected | None = None
    cid = ""
    steps: list[Step] = []
    for number, event in replay(lines):
        if expected is None and number >= place_before_line:
            book = h.engine.view(h.engine.feed.venue).book(SYMBOL)
            assert book is not None
            best = book.best_bid()
            assert best is not None
            order = h.order(Side.BUY, OrderType.LIMIT, "0.01", str(best), symbol=SYMBOL)
            cid = h.submit(order).client_id
            expected = Expected(best, D("0.01"), book.bids.qty_at(best), market.lot_size)
            assert h.venue.queue_ahead(cid) == expected.size
        h.clock.set_ns(event.ts_ns if isinstance(event, BookChanged) else event.trade.ts_ns)
        h.engine.on_market(event)
        if expected is None or expected.filled == expected.qty:
            continue
        expected.on_raw(raw[number]["data"])
        book = h.engine.view(h.engine.feed.venue).book(SYMBOL)
        assert book is not None
        best_ask = book.best_ask()
        assert best_ask is not None and best_ask > expected.price  # no crossing in the window
        filled = h.sink.filled(cid)
        assert filled == expected.filled, f"line {number}"
        if filled < expected.qty:
            assert h.venue.queue_ahead(cid) == expected.queue, f"line {number}"
        kind = "trade" if isinstance(event, TradePrinted) else "depth"
        steps.append((number, kind, expected.queue, filled))
    assert expected is not None
    return expected, steps, h, cid


def test_queue_of_a_bid_placed_after_the_snapshot_counts_down_by_real_prints() -> None:
    _, steps, h, cid = run_queue_scenario(place_before_line=9, until_line=70)
    lines = {n: m for n, _, m in read_capture(70)}
    # Spelled out from the raw lines: the snapshot (line 8) has 3.78826 at 61837.63 and the
    # buffered update (line 6) says the same; line 54 cuts the level to 0.14298 with no print
    # before it (a cancel of 3.64528, all of it ahead of us); lines 58-61 print 0.048 and
    # 3 × 0.00009 at 61837.63 with the seller aggressing; line 62 prints at 61837.62: the
    # level was traded through.
    assert lines[8]["bids"][0] == ["61837.63000000", "3.78826000"]
    assert lines[54]["data"]["b"][0] == ["61837.63000000", "0.14298000"]
    prints = [lines[n]["data"] for n in (58, 59, 60, 61)]
    assert [(p["p"], p["q"], p["m"]) for p in prints] == [
        ("61837.63000000", "0.04800000", True),
        ("61837.63000000", "0.00009000", True),
        ("61837.63000000", "0.00009000", True),
        ("61837.63000000", "0.00009000", True),
    ]
    assert lines[62]["data"]["p"] == "61837.62000000"
    queue = D("3.78826") - (D("3.78826") - D("0.14298"))
    after_prints = [queue - D("0.048")]
    for _ in range(3):
        after_prints.append(after_prints[-1] - D("0.00009"))
    assert after_prints[-1] == D("0.09471")
    assert h.sink.queues(cid) == [D("3.78826"), D("0.14298"), *after_prints]
    # each print at our price moved the queue by exactly its quantity, and filled nothing
    for previous, step in itertools.pairwise(steps):
        if step[0] in (58, 59, 60, 61):
            assert previous[2] - step[2] == D(lines[step[0]]["data"]["q"])
            assert step[3] == 0
    # the trade-through at line 62 fills the whole order at our price, not before
    assert [s[0] for s in steps if s[3]] == [62]
    (fill,) = h.sink.fills(cid)
    assert (fill.price, fill.qty, fill.liquidity) == (D("61837.63"), D("0.01"), Liquidity.MAKER)


def test_a_bid_fills_only_with_the_printed_volume_beyond_its_queue() -> None:
    expected, steps, h, cid = run_queue_scenario(place_before_line=5112, until_line=5170)
    lines = {n: m for n, _, m in read_capture(5170)}
    # The bid joins 0.15675 at 61831.99. Line 5112 cuts the level to 0.06419 before any print
    # there: a cancel, all of it ahead of us. Lines 5120-5129 print 0.00239 at our price;
    # line 5134 lowers the level by 0.00096, explained by those prints (no cancel). Lines
    # 5137-5146 print until 0.01087 is left ahead; the print on line 5147, 0.01220, has
    # 0.00133 beyond the queue, and that fills us.
    assert h.sink.queues(cid)[:2] == [D("0.15675"), D("0.06419")]
    assert lines[5112]["data"]["b"][0] == ["61831.99000000", "0.06419000"]
    assert lines[5134]["data"]["b"][0] == ["61831.99000000", "0.06323000"]
    first = [D(lines[n]["data"]["q"]) for n in (5120, 5121, 5122, 5123, 5124, 5125, 5129)]
    assert sum(first, D(0)) == D("0.00239") and D("0.06419") - D("0.06323") < D("0.00239")
    later = [D(lines[n]["data"]["q"]) for n in (5137, 5139, 5140, 5142, 5143, 5144, 5145, 5146)]
    queue_before_last = D("0.06419") - sum(first, D(0)) - sum(later, D(0))
    assert queue_before_last == D("0.01087")
    assert lines[5147]["data"]["q"] == "0.01220000"
    assert D("0.01220") - queue_before_last == D("0.00133")
    fills = h.sink.fills(cid)
    assert (fills[0].price, fills[0].qty) == (D("61831.99"), D("0.00133"))
    assert next(s[0] for s in steps if s[3]) == 5147
    # the rest fills when the price trades through our bid (line 5167, at 61828.01)
    assert lines[5167]["data"]["p"] == "61828.01000000"
    assert (fills[1].price, fills[1].qty) == (D("61831.99"), D("0.00867"))
    assert [s[0] for s in steps if s[3] == D("0.01")] == [5167]
    assert expected.filled == D("0.01")
