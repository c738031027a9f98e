"""The C decoder of Binance text (``venues/_wire.c``) on ids too long for 64 bits, built with
the compiler's signed-overflow check: each such message is left to the orjson path (None),
with no overflowing arithmetic on the way (undefined behaviour in C, which the check turns
into an abort).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from tradeterm.venues import wire

SOURCE = Path(wire.__file__).parent / "_wire.c"
CC = shutil.which("gcc")
INCLUDE = Path(sysconfig.get_paths()["include"])

pytestmark = pytest.mark.skipif(
    CC is None or not (INCLUDE / "Python.h").exists() or not SOURCE.exists(),
    reason="no C compiler, Python headers or _wire.c",
)

LONG = ["9223372036854775808", "9999999999999999999", "123456789012345678901234567890"]
"""2**63, the largest 19 digits, 30 digits: none fits the decoder's 18."""


def depth_texts() -> list[str]:
    out = []
    for key in ("E", "U", "u", "pu", "T"):
        for number in LONG:
            data: dict[str, Any] = {
                "e": "depthUpdate",
                "E": 1,
                "s": "BTCUSDT",
                "U": 1,
                "u": 2,
                "pu": 0,
                "b": [["1.5", "2"]],
                "a": [],
            }
            data[key] = int(number)
            out.append(json.dumps({"stream": "btcusdt@depth", "data": data}, separators=(",", ":")))
    return out


def trade_texts() -> list[str]:
    out = []
    for key in ("t", "T", "E", "b", "a"):
        for number in LONG:
            data = {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 5, "p": "1.5", "q": "2", "T": 3}
            data |= {"m": True, "b": 1, "a": 2, key: int(number)}
            out.append(json.dumps({"stream": "btcusdt@trade", "data": data}, separators=(",", ":")))
    return out


def ticker_lines() -> str:
    return "".join(
        f'{i + 1} {{"stream":"btcusdt@bookTicker","data":{{"u":{n},"s":"BTCUSDT"}}}}\n'
        for i, n in enumerate(LONG)
    )


CHECK = """
import json, sys
sys.path.insert(0, sys.argv[1])
import _wire
depth, trades, lines = json.loads(sys.stdin.read())
assert all(_wire.depth(t) is None for t in depth)
assert all(_wire.depth(t.encode()) is None for t in depth)
assert all(_wire.trade(t) is None for t in trades)
items, stop = _wire.hft_items(lines, 0, len(lines), 10, 0, 1)
assert stop == len(lines) and [body[1] for _, _, _, body in items] == [None] * 3
print("refused")
"""


def test_ids_past_18_digits_are_refused_without_overflowing(tmp_path: Path) -> None:
    depth, trades, lines = depth_texts(), trade_texts(), ticker_lines()
    # the orjson path, which the caller falls back to, reads those that fit 64 bits unsigned
    fits = [t for t in depth + trades if LONG[2] not in t]
    assert all(
        (wire.depth_python(t) if "depth" in t else wire.trade_python(t)) is not None for t in fits
    )
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    built = subprocess.run(
        [
            str(CC),
            "-O2",
            "-shared",
            "-fPIC",
            "-fsanitize=signed-integer-overflow",
            "-fno-sanitize-recover=all",
            f"-I{INCLUDE}",
            str(SOURCE),
            "-o",
            str(tmp_path / f"_wire{suffix}"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode:
        pytest.skip(f"no sanitizer build here: {built.stderr[-300:]}")
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)],
        input=json.dumps([depth, trades, lines]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "refused"
