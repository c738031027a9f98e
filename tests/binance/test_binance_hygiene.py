"""Import hygiene with native venues: a session on Binance never imports ccxt, and a session
on the sim never imports the exchange libraries at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from binance_data import EXCHANGE_INFO, need

PROBE = """
    import asyncio, json, sys
    from pathlib import Path
    from tradeterm.cli.compose import open_session
    from tradeterm.config.load import load_config
    from tradeterm.engine.clock import SystemClock
    from tradeterm.engine.logbook import LogBook

    config, _ = load_config(Path("config.toml"), Path("unused.toml"))
    session = open_session(config, SystemClock(), LogBook(), [])
    markets = asyncio.run(session.engine.feed.load_markets())
    print(json.dumps({"venue": session.engine.feed.venue, "markets": len(markets),
                      "modules": sorted({m.split(".")[0] for m in sys.modules}),
                      "sim": "tradeterm.venues.sim.feed" in sys.modules}))
"""

BINANCE = """
    [general]
    data_dir = "data"

    [venues.binance]
    symbols = ["BTC/USDT", "ETH/USDT"]

    [venues.binance.ccxt]
    urls = { api = { public = "http://127.0.0.1:9/api/v3", ws = "ws://127.0.0.1:9/ws" } }

    [[accounts]]
    name = "bn-paper"
    venue = "binance"
"""


def probe(tmp_path: Path, config: str) -> dict[str, object]:
    (tmp_path / "config.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    (tmp_path / "probe.py").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "probe.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_a_binance_session_runs_without_ccxt(tmp_path: Path) -> None:
    need()
    cache = tmp_path / "data" / "markets" / "binance-exchangeInfo.json"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(EXCHANGE_INFO.read_bytes())  # offline: the markets come from the cache
    result = probe(tmp_path, BINANCE)
    assert result["venue"] == "binance" and result["markets"] == 2
    modules = set(result["modules"])  # type: ignore[arg-type]
    assert {"websockets", "orjson"} <= modules  # the probe sees the venue's own imports
    assert "ccxt" not in modules
    assert result["sim"] is False  # (nor the built-in market's code)


def test_a_sim_session_imports_no_exchange_library(tmp_path: Path) -> None:
    result = probe(tmp_path, '[general]\ndata_dir = "data"\n')
    assert result["venue"] == "sim" and result["sim"] is True
    modules = set(result["modules"])  # type: ignore[arg-type]
    assert not modules & {"ccxt", "websockets", "orjson", "aiohttp"}
