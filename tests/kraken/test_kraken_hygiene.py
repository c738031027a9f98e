"""A paper session on Kraken is built from ``[venues.kraken]`` config and never imports ccxt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from kraken_data import ASSET_PAIRS, need

PROBE = """
    import asyncio, json, sys
    from pathlib import Path
    from tradeterm.cli.compose import open_session
    from tradeterm.config.load import load_config
    from tradeterm.engine.clock import SystemClock
    from tradeterm.engine.logbook import LogBook

    config, _ = load_config(Path("config.toml"), Path("unused.toml"))
    session = open_session(config, SystemClock(), LogBook(), [])
    feed = session.engine.feed
    markets = asyncio.run(feed.load_markets())
    print(json.dumps({"venue": feed.venue, "kind": type(feed).__name__,
                      "markets": [m.symbol for m in markets],
                      "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""

KRAKEN = """
    [general]
    data_dir = "data"

    [venues.kr]
    exchange = "kraken"
    symbols = ["XBT/CHF", "ADA/XBT"]

    [venues.kr.ccxt]
    urls = { api = { public = "http://127.0.0.1:9/0/public", ws = "ws://127.0.0.1:9/v2" } }

    [[accounts]]
    name = "kr-paper"
    venue = "kr"
"""


def test_a_kraken_session_runs_without_ccxt(tmp_path: Path) -> None:
    need()
    cache = tmp_path / "data" / "markets" / "kr-AssetPairs.json"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(ASSET_PAIRS.read_bytes())  # offline: the markets come from the cache
    (tmp_path / "config.toml").write_text(textwrap.dedent(KRAKEN), encoding="utf-8")
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
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["venue"] == "kr" and result["kind"] == "KrakenFeed"
    assert result["markets"] == ["BTC/CHF", "ADA/BTC"]
    modules = set(result["modules"])
    assert {"websockets", "orjson"} <= modules
    assert "ccxt" not in modules
