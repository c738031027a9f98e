"""`record` on a ccxt venue: a recording of the replayed capture, taken through ccxt's own
Binance client on the local stand-in, verifies clean and rebuilds the capture's final books."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

from binance_data import SYMBOLS, expected
from ccxt_rig import standin

from tradeterm.cli.record import record_session
from tradeterm.config.load import load_config
from tradeterm.venues.ccxt.feed import CcxtFeed
from tradeterm.venues.replay.verify import verify_files


async def test_a_ccxt_recording_verifies_and_rebuilds_the_known_books(tmp_path: Path) -> None:
    out = tmp_path / "bn.ndjson.gz"
    async with standin() as server:
        path = tmp_path / "config.toml"
        path.write_text(
            textwrap.dedent(
                f"""
                [general]
                data_dir = "{tmp_path / "data"}"

                [venues.bn]
                exchange = "binance"
                feed = "ccxt"
                symbols = {list(SYMBOLS.values())!r}

                [venues.bn.ccxt]
                enableRateLimit = false
                options = {{ streamLimits = {{ spot = 1 }} }}

                [venues.bn.ccxt.urls.api]
                public = "http://127.0.0.1:{server.port}/api/v3"
                ws = {{ spot = "ws://127.0.0.1:{server.port}/stream" }}

                [[accounts]]
                name = "paper"
                """
            ),
            encoding="utf-8",
        )
        config, _ = load_config(path, tmp_path / "unused.toml")
        engine = await record_session(config, "bn", out, 3.0)
        assert isinstance(engine.feed, CcxtFeed)
        assert server.finished.is_set()
    report = verify_files([out])
    assert report["status"] == "clean", report["issues"]
    answers = expected()
    by_symbol = {s["symbol"]: s for s in report["symbols"].values()}
    for native, symbol in SYMBOLS.items():
        rebuilt = by_symbol[symbol]["final_top10"]
        for side in ("bids", "asks"):
            want = [(Decimal(p), Decimal(q)) for p, q in answers[native]["final_top10"][side]]
            assert [(Decimal(p), Decimal(q)) for p, q in rebuilt[side]] == want, (native, side)
        assert by_symbol[symbol]["final_seq"] == answers[native]["final_u"], native
