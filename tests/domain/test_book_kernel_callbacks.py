"""The C book (``_book.c``) stays memory-safe, and answers as its Python twin does, when a
comparison or a cache miss runs Python code that changes the lists it is walking.

Each case runs in a child interpreter: on a C loop that kept a stale length it is a crash
(a read past the list's end), not an exception."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tradeterm.domain import book_kernel

needs_c = pytest.mark.skipif(
    book_kernel.C_MODULE is None, reason="C book not built: pip install -e . --no-deps"
)

SHRINKING_PRICE = """
from decimal import Decimal
from tradeterm.domain import book_kernel as k

class Shrinking(Decimal):
    # a price whose comparisons empty the side's price list under the search
    def __lt__(self, other):
        prices.clear()
        return Decimal.__lt__(self, other)

    def __gt__(self, other):
        prices.clear()
        return Decimal.__gt__(self, other)

for name, fn in (("py", k.set_many_python), ("c", k.C_MODULE.set_many)):
    prices = [Decimal(i) for i in range(1, 200)]
    levels = {p: Decimal(1) for p in prices}
    try:
        fn(levels, prices, prices, True, [(Shrinking("50.5"), Decimal(1))])
        print(name, "none")
    except Exception as error:
        print(name, type(error).__name__)

# an ask side: the C search compares the prices themselves (Python compares their negations)
prices = [Decimal(i) for i in range(199, 0, -1)]
keys = [p.copy_negate() for p in prices]
levels = {p: Decimal(1) for p in prices}
try:
    k.C_MODULE.set_many(levels, prices, keys, False, [(Shrinking("50.5"), Decimal(1))])
    print("c ask none")
except Exception as error:
    print("c ask", type(error).__name__)
"""

SHRINKING_RAW = """
# (numbers with an exponent: the C parse makes plain numbers itself, it asks the caches
# only about other text)
from decimal import Decimal
from tradeterm.domain import book_kernel as k

class Emptying(dict):
    # a cache whose miss empties the message being parsed
    def __missing__(self, text):
        raw.clear()
        self[text] = value = Decimal(text)
        return value

class Plain(dict):
    def __missing__(self, text):
        self[text] = value = Decimal(text)
        return value

class Growing(dict):
    # a cache whose miss adds a level to the message being parsed
    def __missing__(self, text):
        if len(raw) < 5:
            raw.append([f"{len(raw) + 10}e0", "1"])
        self[text] = value = Decimal(text)
        return value

for name, fn in (("py", k.parse_python), ("c", k.C_MODULE.parse)):
    raw = [[f"{i}e0", "1"] for i in range(1, 300)]
    print(name, len(fn(raw, Emptying(), Plain())))
    raw = [["1e0", "1"]]
    print(name, [str(p) for p, _ in fn(raw, Growing(), Plain())])
"""

LOOKING_AROUND = """
import gc
from decimal import Decimal
from tradeterm.domain import book_kernel as k

class Looking(dict):
    # a cache whose miss looks at every list alive (as a debugger or a profiler may)
    def __missing__(self, text):
        for thing in gc.get_objects():
            if type(thing) is list:
                len([x for x in thing])
        self[text] = value = Decimal(text)
        return value

raw = [[f"{i}e0", "1"] for i in range(1, 50)]
print(len(k.C_MODULE.parse(raw, Looking(), Looking())))
"""


def child(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


@needs_c
def test_a_comparison_that_empties_the_price_list_raises_as_bisect_does() -> None:
    lines = child(SHRINKING_PRICE)
    assert lines == ["py IndexError", "c IndexError", "c ask IndexError"]


@needs_c
def test_a_cache_miss_that_changes_the_message_parses_what_python_would() -> None:
    lines = child(SHRINKING_RAW)
    assert [line.replace("c ", "", 1) for line in lines if line.startswith("c ")] == [
        line.replace("py ", "", 1) for line in lines if line.startswith("py ")
    ]
    assert len(lines) == 4


@needs_c
def test_python_code_run_by_a_cache_miss_never_sees_the_half_made_result() -> None:
    assert child(LOOKING_AROUND) == ["49"]
