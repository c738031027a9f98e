"""The replay reads the same books, gaps, trades and damage with the C decoder and without it.

Messages the C decoder does not read (whitespace, escapes, keys in other orders, cut short,
levels that are not numbers) take the orjson path; a verify report and a feed's events
must not depend on which path read a message.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from replay_data import SPOT, need

from tradeterm.venues import wire
from tradeterm.venues.replay import verify_files

LINES = 6000


def damaged(path: Path) -> Path:
    """The spot capture's first lines with messages the C decoder refuses or cannot read."""
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        lines = [next(fh) for _ in range(LINES)]
    kinds: dict[str, int] = {}
    for i, line in enumerate(lines):
        ts, _, body = line.partition(" ")
        kind = body[11 : body.find('"', 11)].partition("@")[2]
        seen = kinds[kind] = kinds.get(kind, 0) + 1
        if i < 1000 or seen % 97:
            continue
        msg = json.loads(body)
        data = msg["data"]
        change = (seen // 97) % 5
        if change == 0:  # spaced out: valid JSON, not the compact layout
            body = json.dumps(msg) + "\n"
        elif change == 1:  # keys in another order
            body = json.dumps({"data": dict(reversed(data.items())), "stream": msg["stream"]})
            body = body.replace(" ", "") + "\n"
        elif change == 2:  # an escape in a string
            body = body.replace('"BTCUSDT"', '"BTC\\u0055SDT"')
        elif change == 3:  # cut short
            body = body[: len(body) // 2] + "\n"
        elif kind.startswith("depth") and data["b"]:  # a level that is not a number
            body = body.replace(data["b"][0][1], "n/a", 1)
        lines[i] = f"{ts} {body}"
    out = path / "damaged.gz"
    out.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=1))
    return out


def without_times(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "elapsed_s"}


@pytest.mark.skipif(not wire.ON, reason="the C decoder is not built or is switched off")
def test_verify_reports_the_same_with_and_without_the_c_decoder(tmp_path: Path) -> None:
    path = damaged(tmp_path)
    here = without_times(verify_files([path]))
    assert here["exit_code"] == 1
    kinds = {issue["kind"] for issue in here["issues"]}
    assert "corrupted_line" in kinds
    env = dict(os.environ, TRADETERM_KERNELS="numpy")
    code = (
        "import json, sys; from tradeterm.venues import wire; assert not wire.ON; "
        "from tradeterm.venues.replay import verify_files; "
        "print(json.dumps(verify_files([sys.argv[1]])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert without_times(json.loads(out)) == here
