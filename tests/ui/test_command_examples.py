"""Every command example the README and the help screen (``?``) show parses and previews clean.

The examples are read from the files at test time (README.md's backticked spans that
start with a command word, and the help screen's grammar rows), so a new example is
covered as soon as it is written. Help rows are templates: ``a|b`` gives one example
per alternative, ``ID`` / ``NAME`` / ``SYMBOL`` are filled in, ``...`` continues the
first order example, ``X · Y`` are two examples and ``(or: X)`` is one more.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig, repo_root
from tradeterm.analysis.filter import compile_filter
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.accounts import AccountSpec
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import COMMANDS
from tradeterm.ui.keys import GRAMMAR

D = Decimal
#: Enough of every asset the examples trade that no example is refused for funds.
BALANCES = {"USDT": D("100000"), "BTC": D("2"), "ETH": D("10"), "SOL": D("50")}


def is_filter(text: str) -> bool:
    """A scanner filter expression (``symbol ~ "ETH*"``), which the README also shows."""
    try:
        compile_filter(text)
    except (ValueError, TradetermError):
        return False
    return True


def readme_examples() -> list[str]:
    text = (repo_root() / "README.md").read_text(encoding="utf-8")
    spans = re.findall(r"`([^`\n]+)`", text)
    found = [s.strip() for s in spans if s.split()[0].lower() in COMMANDS and not is_filter(s)]
    return list(dict.fromkeys(found))


def expand(template: str, first_order: str) -> list[str]:
    """A help-screen grammar row as the concrete commands it stands for (placeholders kept)."""
    out: list[str] = []
    for piece in template.split(" · "):
        part = piece.strip()
        also = re.search(r"\(or: ([^)]*)\)", part)
        if also:
            out.append(also.group(1).strip())
            part = part[: also.start()].strip()
        if part.startswith("..."):
            words = part[3:].split()
            out += [f"{first_order} {alt}" for word in words for alt in word.split("|")]
            continue
        choices = [word.split("|") for word in part.split()]
        out += [" ".join(combo) for combo in itertools.product(*choices)]
    return out


def help_examples() -> list[str]:
    rows = [example for example, _ in GRAMMAR]
    first_order = next(r for r in rows if r.split()[0] in ("buy", "sell"))
    examples: list[str] = []
    for row in rows:
        if row.split()[0] in COMMANDS or row.startswith("..."):
            examples += expand(row, first_order)
    return examples


def test_the_examples_are_found() -> None:
    """The extraction itself: it sees the examples a reader sees (so the test cannot pass empty)."""
    readme, shown = readme_examples(), help_examples()
    assert "buy 0.5 ETH/USDT @ 3100" in readme
    assert "cancel all" in readme
    assert 'symbol ~ "ETH*"' not in readme  # a scanner filter, not a command
    assert len(shown) >= len(GRAMMAR)
    assert "cancel ETH*" in shown and "cancel ID" in shown
    assert "ethusdt" in shown
    assert "buy 0.5 ETH/USDT @ 3100 fok" in shown


def rich_rig(tmp_path: Path) -> Rig:
    accounts = [
        AccountSpec("paper", balances=dict(BALANCES)),
        AccountSpec("live-main", mode=AccountMode.LIVE, venue="sim"),
    ]
    return build_rig(paper_dir=tmp_path, accounts=accounts, alerts_dir=tmp_path)


def fill_in(example: str, rig: Rig, order_id: str, alert_id: str) -> str:
    words = example.split()
    if words[0] == "unalert":
        words = [alert_id if w == "ID" else w for w in words]
    names = {"ID": order_id, "NAME": "paper", "SYMBOL": "SOL/USDT"}  # the rig holds SOL
    return " ".join(names.get(w, w) for w in words)


async def check_examples(tmp_path: Path, examples: list[str]) -> None:
    rig = rich_rig(tmp_path)
    async with rig.app.run_test(size=(160, 48)) as pilot:
        await rig.settle(pilot)
        desk = rig.app.desk
        desk.run(desk.parse("symbol SOL/USDT"))  # examples without a symbol are SOL's prices
        desk.run(desk.parse("buy 0.5 ETH/USDT @ 3000"))
        desk.run(desk.parse("buy 2 SOL/USDT"))  # a position for the reduce-only example
        desk.run(desk.parse("alert BTC/USDT > 1000000"))
        await settle(rig, pilot)
        assert rig.engine.state.account.positions["SOL/USDT"].qty > 1
        order_id = next(iter(rig.engine.state.account.orders.values())).client_id
        alert_id = next(iter(rig.app.alerting.book.alerts))
        refused: list[str] = []
        for example in examples:
            text = fill_in(example, rig, order_id, alert_id)
            try:
                desk.parse(text)
            except (CommandError, TradetermError) as exc:
                refused.append(f"{example!r}: {exc}")
        assert refused == []


async def settle(rig: Rig, pilot: Pilot[None]) -> None:
    await rig.settle(pilot, rounds=2)


async def test_every_readme_command_example_parses_and_previews(tmp_path: Path) -> None:
    examples = readme_examples()
    assert examples
    await check_examples(tmp_path, examples)


async def test_every_help_screen_command_example_parses_and_previews(tmp_path: Path) -> None:
    examples = help_examples()
    assert examples
    await check_examples(tmp_path, examples)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("cancel all|ID|ETH*", ["cancel all", "cancel ID", "cancel ETH*"]),
        ("alerts · unalert ID", ["alerts", "unalert ID"]),
        ("symbol SYMBOL  (or: ethusdt)", ["ethusdt", "symbol SYMBOL"]),
        ("... ioc|fok post", ["buy 1 ioc", "buy 1 fok", "buy 1 post"]),
    ],
)
def test_templates_expand_to_each_alternative(template: str, expected: list[str]) -> None:
    assert expand(template, "buy 1") == expected
