"""Each instance's journal (the strategies pane's log view): its own decisions, orders,
vetoes and its failure in one line, and nothing of another instance's."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from strategy_rig import MS, T0, book, host_on, list_engine, play

from tradeterm.domain.book import OrderBook
from tradeterm.strategies import Strategy, StrategyParams, StrategyState

D = Decimal
log = logging.getLogger("tradeterm.strategies")


class Talker(Strategy[StrategyParams]):
    """On its first book: says what it decides, rests a buy and asks for one it cannot pay;
    on the second it divides by zero when ``breaks``."""

    kind = "talker"

    def __init__(self, breaks: bool) -> None:
        super().__init__(StrategyParams())
        self.breaks = breaks
        self.books = 0

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        if self.books == 1:
            log.info("%s: bidding at 3000.00", self.name)
            self.buy(D("0.01"), D("3000.00"))
            self.buy(D("100"), D("3000.00"))
        elif self.breaks:
            print(1 / 0)


async def test_each_journal_has_its_own_lines_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = list_engine(tmp_path, [book(T0), book(T0 + 2_000 * MS)])
    quiet = await host_on(engine, Talker(breaks=False), name="quiet")
    loud = await host_on(engine, Talker(breaks=True), name="loud")
    with caplog.at_level(logging.INFO, logger="tradeterm"):
        log.info("not inside any callback")
        report = await play(engine)
    assert not report.failed
    assert loud.state is StrategyState.FAILED and quiet.state is StrategyState.RUNNING
    texts = {h.name: [line.text for line in h.journal.lines] for h in (quiet, loud)}
    levels = {h.name: [line.level for line in h.journal.lines] for h in (quiet, loud)}
    for name, lines in texts.items():
        other = "loud" if name == "quiet" else "quiet"
        assert lines[0] == "started (talker) on ETH/USDT, paper"
        assert f"{name}: bidding at 3000.00" in lines
        assert not any(other in line for line in lines)
        assert "not inside any callback" not in lines
        assert any(
            line.startswith("order ") and line.endswith("buy 0.01 ETH/USDT @ 3000.00 open")
            for line in lines
        )
        refused = [i for i, line in enumerate(lines) if "refused" in line or "denied" in line]
        assert refused and all(levels[name][i] == logging.WARNING for i in refused)
        assert any("insufficient USDT" in lines[i] for i in refused)
        assert all("Traceback" not in line for line in lines)
    assert texts["loud"][-1] == (
        "failed: ZeroDivisionError in on_book: division by zero (the traceback is in the log file)"
    )
    assert levels["loud"][-1] == logging.ERROR
    assert not any("failed" in line for line in texts["quiet"])
    # the log gets each host line once, and the traceback
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None
