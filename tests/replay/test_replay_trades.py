"""Binance trades replayed as market data: ids counted as verify counts them, candles exact."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.enums import Side
from tradeterm.venues.replay.session import Session

MINUTE_MS = 60_000
START_MS = 1_723_075_200_000  # 2024-08-08 00:00 UTC

# (trade id, price, size, buyer is maker, ms after START_MS): ids 4 and 8 are missing
TRADES = [
    (1, "100.50", "0.010", True, 1_000),
    (2, "101.00", "0.200", False, 20_000),
    (3, "99.75", "1.500", True, 59_999),
    (5, "99.80", "0.001", False, 60_000),
    (6, "102.25", "0.300", False, 61_000),
    (7, "98.00", "2.000", True, 119_000),
    (9, "98.50", "0.050", False, 180_500),
]


def capture(tmp_path: Path) -> Path:
    lines = []
    for trade_id, price, qty, maker, after in TRADES:
        data = {
            "e": "trade",
            "E": START_MS + after,
            "s": "BTCUSDT",
            "t": trade_id,
            "p": price,
            "q": qty,
            "T": START_MS + after,
            "m": maker,
            "M": True,
        }
        body = json.dumps({"stream": "btcusdt@trade", "data": data}, separators=(",", ":"))
        lines.append(f"{(START_MS + after) * 1_000_000 + 5} {body}")
    path = tmp_path / "trades.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_trade_ids_are_counted_as_verify_counts_them(tmp_path: Path) -> None:
    path = capture(tmp_path)
    feed, verify = Session([path], market_data=True), Session([path])
    feed.run()
    verify.run()
    got, want = feed.states["BTC/USDT"].report(), verify.states["BTC/USDT"].report()
    for key in ("messages", "trades", "last_trade_id", "trade_id_gaps"):
        assert got[key] == want[key], key
    assert (got["trades"], got["last_trade_id"], got["trade_id_gaps"]) == (7, 9, 2)


def test_trades_build_exact_candles_and_the_tape(tmp_path: Path) -> None:
    session = Session([capture(tmp_path)], market_data=True)
    session.run()
    tape = session.states["BTC/USDT"].tape
    assert tape is not None
    minutes: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for _, price, qty, _, after in TRADES:
        minute = (START_MS + after) // MINUTE_MS * MINUTE_MS
        minutes.setdefault(minute, []).append((Decimal(price), Decimal(qty)))
    candles = [*tape.closed, tape.candle]
    assert [c.ts_ms for c in candles if c is not None] == sorted(minutes)
    for candle in candles:
        assert candle is not None
        trades = minutes[candle.ts_ms]
        prices = [p for p, _ in trades]
        assert (candle.open, candle.high, candle.low, candle.close) == (
            prices[0],
            max(prices),
            min(prices),
            prices[-1],
        )
        assert candle.volume == sum((q for _, q in trades), Decimal(0))
    assert str(tape.candle_qvol) == str(Decimal("98.50") * Decimal("0.050"))
    last = tape.recent[-1]
    assert (last.price, last.qty, last.side, last.trade_id) == (
        Decimal("98.50"),
        Decimal("0.050"),
        Side.BUY,
        "9",
    )
    assert [t.side for t in tape.recent] == [
        Side.SELL if maker else Side.BUY for _, _, _, maker, _ in TRADES
    ]
