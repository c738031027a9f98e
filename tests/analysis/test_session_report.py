"""The session report: PnL, fees, slippage, trades and excursions, against hand arithmetic."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.analysis.session_report import (
    SessionReport,
    build_report,
    iso_utc,
    mids_at_send,
    recording_stem,
)
from tradeterm.domain.account import Position
from tradeterm.domain.enums import Liquidity, OrderType, Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.orders import Order

D = Decimal
T0 = 1_767_261_600_000_000_000  # 2026-01-01 10:00:00 UTC
S = 1_000_000_000
BTC, ETH = "BTC/USDT", "ETH/USDT"


def fill(
    n: int, client_id: str, symbol: str, side: Side, qty: str, price: str, fee: str, at_s: int
) -> Fill:
    """A fill as the paper venue charges it: buys pay the fee in base, sells in quote."""
    asset = symbol.partition("/")[0] if side is Side.BUY else "USDT"
    return Fill(
        f"f{n}", client_id, "paper", symbol, side, D(price), D(qty), D(fee), asset,
        Liquidity.TAKER, T0 + at_s * S,
    )  # fmt: skip


B, SELL = Side.BUY, Side.SELL
FILLS = [
    # o1 buys 1 BTC in two fills at 10:00:00: 0.5 @ 100 and 0.5 @ 100.2 (fees 0.0005 BTC each)
    fill(1, "o1", BTC, B, "0.5", "100", "0.0005", 0),
    fill(2, "o1", BTC, B, "0.5", "100.2", "0.0005", 0),
    # ETH round trip inside the BTC trade: buy 2 @ 50, sell 2 @ 51
    fill(3, "e1", ETH, B, "2", "50", "0.002", 30),
    fill(4, "o2", BTC, SELL, "0.4", "103", "0.0412", 60),  # partial close
    fill(5, "e2", ETH, SELL, "2", "51", "0.102", 90),
    fill(6, "o3", BTC, SELL, "1.0", "104", "0.104", 120),  # flip: closes 0.6, opens 0.4 short
    fill(7, "o4", BTC, B, "0.4", "102", "0.0004", 180),  # closes the short
    fill(8, "o5", BTC, B, "0.5", "101", "0.0005", 240),
    fill(9, "o6", BTC, SELL, "0.5", "99", "0.0495", 300),  # a losing trade
    fill(10, "o7", BTC, B, "0.2", "100", "0.0002", 360),  # still open at the end
]
MIDS_AT_SEND = {
    "o1": D("99.9"),
    "o2": D("103.1"),
    "o3": D("104.2"),
    "o4": D("102.1"),
    "o5": D("100.9"),
    "o6": D("99.1"),
    "o7": D("99.95"),
    "e1": D("49.98"),
}  # fmt: skip  (e2 has no mid at send)
BTC_PATH = [
    (0, "99.9"), (30, "99.0"), (60, "103.1"), (90, "103.5"), (120, "104.2"), (150, "105.0"),
    (180, "102.1"), (240, "100.9"), (270, "100.0"), (300, "99.1"), (360, "99.95"), (390, "98.5"),
]  # fmt: skip
END = T0 + 420 * S


def scenario(reverse: bool = False) -> SessionReport:
    fills = list(reversed(FILLS)) if reverse else FILLS
    if reverse:  # equal timestamps must still be oldest first: swap the two o1 fills back
        fills[-2], fills[-1] = fills[-1], fills[-2]
    return build_report(
        fills,
        MIDS_AT_SEND,
        {BTC: [(T0 + t * S, D(m)) for t, m in BTC_PATH]},
        {BTC: D("98"), ETH: D("51.5")},
        end_ns=END,
    )


def bps(x: str, of: str) -> float:
    return float(D(x) / D(of) * 10_000)


def test_trades_are_round_trips_flat_to_flat_with_flips_split() -> None:
    trades = scenario().trades
    assert [(t.symbol, t.side, t.entry_ns - T0, t.exit_ns) for t in trades] == [
        (BTC, B, 0, T0 + 120 * S),
        (ETH, B, 30 * S, T0 + 90 * S),
        (BTC, SELL, 120 * S, T0 + 180 * S),
        (BTC, B, 240 * S, T0 + 300 * S),
        (BTC, B, 360 * S, None),
    ]
    long1, eth, short, loser, still_open = trades
    # Trade 1: long 1 BTC, avg entry (0.5*100 + 0.5*100.2) / 1 = 100.1; exits 0.4 @ 103 and
    # 0.6 @ 104 (the first 0.6 of o3's 1.0) -> avg exit (41.2 + 62.4) / 1 = 103.6.
    assert (long1.size, long1.avg_entry, long1.avg_exit) == (D("1.0"), D("100.1"), D("103.6"))
    # FIFO: 0.4*(103-100) + 0.1*(104-100) + 0.5*(104-100.2) = 1.2 + 0.4 + 1.9 = 3.5
    assert long1.realized_pnl == D("3.5")
    # fees: 0.0005 BTC*100 + 0.0005 BTC*100.2 + 0.0412 + 0.6/1.0 of o3's 0.104 = 0.0624
    assert long1.fees == D("0.05") + D("0.0501") + D("0.0412") + D("0.0624")
    assert long1.pnl == D("3.2963")
    assert long1.duration_ns == 120 * S
    assert long1.fills == 4 and not long1.is_open
    # Short 0.4 @ 104 (the rest of o3), covered @ 102: 0.4*2 = 0.8; fees 0.0416 + 0.0004*102
    assert (short.size, short.avg_entry, short.avg_exit) == (D("0.4"), D("104"), D("102"))
    assert short.realized_pnl == D("0.8")
    assert short.fees == D("0.0416") + D("0.0408")
    assert short.pnl == D("0.7176")
    # Long 0.5 @ 101 sold @ 99: -1.0, fees 0.0005*101 + 0.0495 = 0.1 -> -1.1
    assert loser.pnl == D("-1.1")
    # ETH: 2*(51-50) = 2, fees 0.002*50 + 0.102 = 0.202
    assert (eth.realized_pnl, eth.fees, eth.pnl) == (D("2"), D("0.202"), D("1.798"))
    # Open: 0.2 @ 100 marked at 98 -> -0.4 unrealized, fee 0.0002*100 = 0.02
    assert still_open.is_open and still_open.exit_ns is None and still_open.avg_exit is None
    assert (still_open.realized_pnl, still_open.unrealized_pnl) == (D("0"), D("-0.4"))
    assert still_open.pnl == D("-0.42")
    assert still_open.duration_ns == 60 * S  # measured to the end, 10:07:00


def test_excursions_come_from_the_mid_path() -> None:
    long1, eth, short, loser, still_open = scenario().trades
    # Long 1 @ cost 100.1. The sample at 10:00:00 is before the fills (flat: ignored).
    # 30s mid 99.0: 99.0 - 100.1 = -1.1 (-109.9 bps); 60s mid 103.1: +3.0 (+299.7 bps);
    # 90s: 0.6 left (0.1 @ 100, 0.5 @ 100.2; basis 60.1) at 103.5: 62.1 - 60.1 = +2.0;
    # 120s (before the flip) at 104.2: 62.52 - 60.1 = +2.42 = +402.7 bps of 60.1.
    assert long1.mae == D("-1.1")
    assert long1.mae_bps == pytest.approx(bps("-1.1", "100.1"))
    assert long1.mfe == D("3.0")  # the quote and bps extremes fall at different samples
    assert long1.mfe_bps == pytest.approx(bps("2.42", "60.1"))
    # Short 0.4 @ 104 (basis 41.6): 150s at 105 -> -0.4; 180s at 102.1 -> +0.76
    assert (short.mae, short.mfe) == (D("-0.4"), D("0.76"))
    assert short.mae_bps == pytest.approx(bps("-0.4", "41.6"))
    # Long 0.5 @ 101 (basis 50.5): 270s at 100 -> -0.5; 300s at 99.1 -> -0.95; never above
    assert (loser.mae, loser.mfe, loser.mfe_bps) == (D("-0.95"), D("0"), 0.0)
    assert loser.mae_bps == pytest.approx(bps("-0.95", "50.5"))
    # Open long 0.2 @ 100: 390s at 98.5 -> -0.3; the final mark 98 at the end -> -0.4
    assert still_open.mae == D("-0.4")
    assert still_open.mae_bps == pytest.approx(-200.0)
    # ETH has no mid path: no excursion is known
    assert (eth.mae, eth.mfe) == (D("0"), D("0"))


def test_totals_fees_volume_and_hit_rate() -> None:
    report = scenario()
    btc, eth = report.symbols
    # BTC realized 3.5 + 0.8 - 1.0; fees 0.05+0.0501+0.0412+0.104+0.0408+0.0505+0.0495+0.02
    assert (btc.realized_pnl, btc.unrealized_pnl, btc.fees) == (D("3.3"), D("-0.4"), D("0.4061"))
    assert btc.net_pnl == D("2.4939")
    assert (btc.position, btc.mark, btc.quote) == (D("0.2"), D("98"), "USDT")
    assert btc.fills == 8
    assert btc.volume_base == D("4.0")  # 1 + 0.4 + 1 + 0.4 + 0.5 + 0.5 + 0.2
    # 50 + 50.1 + 41.2 + 104 + 40.8 + 50.5 + 49.5 + 20
    assert btc.volume_quote == D("406.1")
    assert btc.time_in_position_ns == (120 + 60 + 60 + 60) * S
    assert (eth.net_pnl, eth.volume_quote, eth.position) == (D("1.798"), D("202"), D("0"))
    assert report.realized_pnl == D("5.3")
    assert report.unrealized_pnl == D("-0.4")
    assert report.fees == D("0.6081")
    assert report.net_pnl == D("4.2919")
    assert report.fills == 10
    assert report.volume_quote == D("608.1")
    assert report.quote == "USDT"
    # closed: long1 (+3.2963), eth (+1.798), short (+0.7176), loser (-1.1); one open
    assert (report.closed_trades, report.winning_trades, report.hit_rate) == (4, 3, 0.75)
    # ETH's 10:00:30-10:01:30 lies inside BTC's first trade: the union is BTC's 300 s
    assert report.time_in_position_ns == 300 * S
    assert (report.start_ns, report.end_ns) == (T0, END)
    assert report.other_fees == {}


def test_slippage_is_signed_worse_than_mid_and_volume_weighted() -> None:
    report = scenario()
    by_id = {o.client_id: o for o in report.orders}
    assert report.orders_without_mid == ("e2",)
    o1 = by_id["o1"]  # bought avg 100.1 against a 99.9 mid: 0.2 worse on 1 BTC
    assert (o1.avg_price, o1.qty, o1.cost) == (D("100.1"), D("1.0"), D("0.2"))
    assert o1.bps == pytest.approx(bps("0.2", "99.9"))
    assert by_id["o2"].cost == D("0.04")  # sold 0.4 @ 103 below a 103.1 mid: worse
    assert by_id["o4"].cost == D("-0.04")  # bought 0.4 @ 102 below a 102.1 mid: better
    assert by_id["o4"].bps < 0
    # sum of costs / sum of notional at the mid
    costs = D("0.2") + D("0.04") + D("0.2") - D("0.04") + D("0.05") + D("0.05") + D("0.01")
    costs += D("0.04")  # e1: 2 @ 50 against 49.98
    at_mid = (
        D("99.9") + D("0.4") * D("103.1") + D("104.2") + D("0.4") * D("102.1")
        + D("0.5") * D("100.9") + D("0.5") * D("99.1") + D("0.2") * D("99.95") + 2 * D("49.98")
    )  # fmt: skip
    assert report.avg_slippage_bps == pytest.approx(float(costs / at_mid * 10_000))


def test_fill_order_does_not_matter_except_for_equal_timestamps() -> None:
    assert scenario(reverse=True) == scenario()


def test_fees_in_another_asset_are_listed_not_netted() -> None:
    bnb = Fill("x", "c", "a", BTC, B, D("100"), D("1"), D("0.01"), "BNB", Liquidity.MAKER, T0)
    report = build_report([bnb], {}, {}, {})
    assert report.other_fees == {"BNB": D("0.01")}
    assert report.fees == D("0")
    assert report.symbols[0].mark == D("100")  # no mark, no mid: the last fill price
    assert report.orders_without_mid == ("c",)
    assert report.avg_slippage_bps is None and report.hit_rate is None


def test_json_is_exact_and_saved_atomically_beside_the_recording(tmp_path: Path) -> None:
    report = scenario()
    recording = tmp_path / "session-1.ndjson.gz"
    recording.write_bytes(b"")
    saved = report.save_beside(recording)
    assert saved == tmp_path / "session-1.report.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == [recording.name, saved.name]
    data = json.loads(saved.read_text())
    assert data["format"] == "tradeterm-session-report"
    assert D(data["net_pnl"]) == D("4.2919") and D(data["fees"]) == D("0.6081")
    assert data["fees"] == str(report.fees)  # every digit Decimal arithmetic produced
    assert data["hit_rate"] == 0.75
    assert data["start_utc"] == "2026-01-01T10:00:00.000000000Z"
    first = data["trades"][0]
    assert first["entry_ns"] == T0 and first["exit_utc"] == "2026-01-01T10:02:00.000000000Z"
    assert D(first["avg_entry"]) == D("100.1") and D(first["pnl"]) == D("3.2963")
    assert first["side"] == "buy"
    assert data["trades"][-1]["exit_ns"] is None and data["trades"][-1]["is_open"] is True
    assert data["time_in_position_ns"] == 300 * S and "time_in_position_utc" not in data
    assert data == report.to_json()


def test_helpers() -> None:
    assert recording_stem(Path("a/s1.ndjson.gz")) == "s1"
    assert recording_stem(Path("capture.bin")) == "capture.bin"
    assert iso_utc(T0 + 5) == "2026-01-01T10:00:00.000000005Z"
    order = Order("o9", "paper", BTC, B, OrderType.MARKET, D("1"), mid_at_send=D("7.5"))
    other = Order("o8", "paper", BTC, B, OrderType.MARKET, D("1"))
    assert mids_at_send([order, other]) == {"o9": D("7.5")}


# --- property: realized PnL three ways ------------------------------------------

PRICES = st.decimals(min_value=D("1"), max_value=D("200"), places=2)
QTYS = st.decimals(min_value=D("0.01"), max_value=D("5"), places=2)
STEPS = st.lists(st.tuples(st.sampled_from([B, SELL]), QTYS, PRICES), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(steps=STEPS, flatten=st.booleans(), last=PRICES)
def test_realized_pnl_three_ways(
    steps: list[tuple[Side, Decimal, Decimal]], flatten: bool, last: Decimal
) -> None:
    fills = [
        Fill(f"f{i}", f"c{i}", "a", BTC, side, price, qty, D(0), "USDT", Liquidity.TAKER, i * S)
        for i, (side, qty, price) in enumerate(steps)
    ]
    position = sum((f.qty * f.side.sign for f in fills), D(0))
    if flatten and position:
        side = SELL if position > 0 else B
        n = len(fills)
        fills.append(Fill("z", "z", "a", BTC, side, last, abs(position), D(0), "USDT",
                          Liquidity.TAKER, n * S))  # fmt: skip
    report = build_report(fills, {}, {}, {})
    realized = report.realized_pnl
    # 1. the engine's own FIFO position
    engine = Position(BTC)
    for f in fills:
        engine.apply(f.side, f.qty, f.price)
    assert realized == engine.realized_pnl
    # 2. the trades: every closed trade's PnL before fees, plus what open ones realized
    closed = sum((t.realized_pnl for t in report.trades if not t.is_open), D(0))
    assert realized == closed + sum((t.realized_pnl for t in report.trades if t.is_open), D(0))
    # 3. cash flow + inventory marked at the last fill price (= realized + unrealized there)
    cash = sum((f.qty * f.price * -f.side.sign for f in fills), D(0))
    inventory = sum((f.qty * f.side.sign for f in fills), D(0))
    last_price = fills[-1].price
    assert cash + inventory * last_price == realized + engine.unrealized(last_price)
    assert report.unrealized_pnl == engine.unrealized(last_price)  # no mark: the last fill
    if not inventory:  # flat: no open trade, and realized is exactly the cash flow
        assert not any(t.is_open for t in report.trades)
        assert realized == closed == cash
    assert sum(t.size for t in report.trades) >= abs(inventory)
