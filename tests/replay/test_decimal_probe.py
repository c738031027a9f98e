"""The import probe of ``_decimal_fast.h``: a build whose Decimals made from digits disagree
with the constructor in any field (here: a wrong hash for negative exponents, a wrong hash
only past exponent -100, a zero with no digit) turns the fast path off, and both C modules
then give the constructor's Decimals.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import tradeterm

PACKAGE = Path(tradeterm.__file__).parent
CC = shutil.which("gcc")
INCLUDE = Path(sysconfig.get_paths()["include"])
HEADER = PACKAGE / "_decimal_fast.h"

pytestmark = pytest.mark.skipif(
    CC is None or not (INCLUDE / "Python.h").exists() or not HEADER.exists(),
    reason="no C compiler, Python headers or sources",
)

SABOTAGE = {
    "sound": ("", ""),
    "inverse": ("#define TEN_INVERSE 2075258708292324556ULL", "#define TEN_INVERSE 3ULL"),
    "table tail": ("inverse_powers[k] = p;", "inverse_powers[k] = k > 100 ? 1 : p;"),
    "zero digits": ("dec->dec.digits = digits ? digits : 1;", "dec->dec.digits = digits;"),
}

CHECK = """
import sys
sys.path.insert(0, sys.argv[1])
from decimal import Decimal
import _book, _wire
texts = ["0.00000000", "61800.30", "1.5", "0." + "0" * 150 + "3", "12345678901234567890.5"]
body = ",".join(f'["{t}","{t}"]' for t in texts)
update = _wire.depth('{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[' + body + '],"a":[]}')
parsed = _book.parse([[t, t] for t in texts], {}, {})
want = [(Decimal(t).as_tuple(), str(Decimal(t)), hash(Decimal(t))) for t in texts for _ in "pq"]
for levels in (update[5], parsed):
    got = [(x.as_tuple(), str(x), hash(x)) for level in levels for x in level]
    assert got == want, (got, want)
print(_wire.FAST_DECIMAL, _book.FAST_DECIMAL)
"""


@pytest.mark.parametrize("name", list(SABOTAGE))
def test_a_disagreeing_build_turns_the_fast_decimals_off(name: str, tmp_path: Path) -> None:
    old, new = SABOTAGE[name]
    header = HEADER.read_text()
    assert old in header
    (tmp_path / "_decimal_fast.h").write_text(header.replace(old, new))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    out = tmp_path / "out"
    out.mkdir()
    for package, module in (("domain", "_book"), ("venues", "_wire")):
        shutil.copytree(
            PACKAGE / package, tmp_path / package, ignore=shutil.ignore_patterns("*.py", "*.so")
        )
        built = subprocess.run(
            [
                str(CC),
                "-O2",
                "-shared",
                "-fPIC",
                f"-I{INCLUDE}",
                str(tmp_path / package / f"{module}.c"),
                "-o",
                str(out / f"{module}{suffix}"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, built.stderr[-2000:]
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == (["1", "True"] if name == "sound" else ["0", "False"])
