"""TWAP/VWAP parents survive a restart: on the deterministic driver the engine stops dead
between (or in the middle of) children, a new engine opens the same ledger, and the parent
goes on. No child is sent twice, the children never add up to more than the parent, a
parent whose time ran out expires saying how much was done, and a cancelled one stays so."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

from tests.strategies.strategy_rig import MS, T0, ListFeed, book, eth_market_buy, play
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.algos import (
    AlgoOrder,
    AlgoState,
    PlaceAlgo,
    algo_desk,
    algos_of,
    restart_notes,
)
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue

D = Decimal
S = 1_000 * MS
START = T0 + 500 * MS  # the parent starts half a second after the first book
END_S = 130


def _engine(tmp: Path, life: int, from_s: float) -> Engine:
    """An engine on ``tmp``'s ledger whose clock starts at ``T0 + from_s`` (its ``life``-th
    start: client ids differ from the earlier lives', as each session's do)."""
    clock = ManualClock(T0 + int(from_s * S) - 1_000 * MS)
    books = [book(T0 + k * S) for k in range(END_S + 1) if T0 + k * S >= clock.now_ns()]
    spec = AccountSpec("paper", venue="list", balances={"USDT": D("100000")})
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    engine = Engine(clock, ListFeed(books), [spec], ledger=ledger, client_id_prefix=f"L{life}-")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=10)
    )
    return engine


async def _first_life(tmp: Path, command: PlaceAlgo, crash_s: float) -> AlgoOrder:
    """Start ``command`` at START and stop dead at ``T0 + crash_s`` (no clean stop: the
    ledger holds what was journaled by then, nothing more)."""
    engine = _engine(tmp, 1, 0)
    await engine.start()
    started: list[AlgoOrder] = []
    engine.clock.call_at(START, lambda: started.append(algo_desk(engine).start(command)))
    await play(engine, until_ns=T0 + int(crash_s * S))
    return started[0]


async def _next_life(tmp: Path, life: int, at_s: float, until_s: float | None = None) -> Engine:
    engine = _engine(tmp, life, at_s)
    await engine.start()
    await play(engine, None if until_s is None else T0 + int(until_s * S))
    return engine


def _children(engine: Engine, tag: str = "A1") -> list[Order]:
    orders = engine.state.accounts["paper"].orders.values()
    return sorted((o for o in orders if o.tag == tag), key=lambda o: o.created_ns)


def _journaled_children(tmp: Path) -> Counter[str]:
    """How often each child of A1 was journaled as placed (sent): once each, at most."""
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    try:
        return Counter(
            r.client_id or ""
            for r in ledger.records()
            if r.kind == "placed" and '"tag":"A1"' in r.payload
        )
    finally:
        ledger.close()


async def test_a_quick_restart_keeps_the_schedule_exactly(tmp_path: Path) -> None:
    first = await _first_life(tmp_path, PlaceAlgo(eth_market_buy("1"), "twap", 100), crash_s=35)
    assert first.sent == 4 and first.state is AlgoState.RUNNING
    engine = await _next_life(tmp_path, 2, at_s=37)
    assert restart_notes(engine) == ["A1 twap resumed: 0.4 of 1 ETH done, 4/10 children sent"]
    algo = algo_desk(engine).algos["A1"]
    children = _children(engine)
    # the same ten children, at the same times, as had tradeterm never stopped
    assert [c.created_ns - START for c in children] == [i * 10 * S for i in range(10)]
    assert [c.qty for c in children] == [D("0.1")] * 10
    assert all(c.status.value == "filled" for c in children)
    assert algo.state is AlgoState.DONE and algo.filled == D("1") and algo.progress == 1.0
    assert set(_journaled_children(tmp_path).values()) == {1}
    # ids go on from the restored parent's
    assert algo_desk(engine).start(PlaceAlgo(eth_market_buy("0.1"), "twap", 20)).id == "A2"


async def test_a_child_in_flight_at_the_crash_is_not_sent_again(tmp_path: Path) -> None:
    # the child due at 30.5 s is journaled and on its way to the venue (10 ms) at the crash
    await _first_life(tmp_path, PlaceAlgo(eth_market_buy("1"), "twap", 100), crash_s=30.505)
    engine = await _next_life(tmp_path, 2, at_s=31)
    children = _children(engine)
    assert len(children) == 10 and sum(c.qty for c in children) == D("1")
    # the paper venue ends the order it had not executed when it stopped; it is not sent
    # again (a live venue's reconciliation would say whether it was executed)
    in_flight = children[3]
    assert (in_flight.created_ns - START) // S == 30 and in_flight.status.value == "expired"
    assert all(c.status.value == "filled" for c in children if c is not in_flight)
    assert set(_journaled_children(tmp_path).values()) == {1}
    algo = algo_desk(engine).algos["A1"]
    assert algo.state is AlgoState.DONE and algo.filled == D("0.9")


async def test_missed_children_are_spread_over_those_still_due(tmp_path: Path) -> None:
    await _first_life(tmp_path, PlaceAlgo(eth_market_buy("1"), "twap", 100), crash_s=35)
    # down from 35 s to 62 s: the children due at 40.5, 50.5 and 60.5 s were missed; their
    # 0.3 ETH goes to the three still due (70.5, 80.5, 90.5 s); then down again at 82 s
    await _next_life(tmp_path, 2, at_s=62, until_s=82)
    engine = await _next_life(tmp_path, 3, at_s=84)
    children = _children(engine)
    assert [(c.created_ns - START) // S for c in children] == [0, 10, 20, 30, 70, 80, 90]
    assert [c.qty for c in children] == [D("0.1")] * 4 + [D("0.2")] * 3
    assert sum(c.qty for c in children) == D("1")
    algo = algo_desk(engine).algos["A1"]
    assert algo.state is AlgoState.DONE and algo.filled == D("1")
    assert set(_journaled_children(tmp_path).values()) == {1}


async def test_a_parent_whose_time_ran_out_expires_saying_how_much_was_done(
    tmp_path: Path,
) -> None:
    await _first_life(tmp_path, PlaceAlgo(eth_market_buy("1"), "twap", 100), crash_s=35)
    engine = await _next_life(tmp_path, 2, at_s=120)
    algo = algo_desk(engine).algos["A1"]
    assert algo.state is AlgoState.EXPIRED
    assert "0.4 of 1 ETH done, 4/10 children sent" in algo.reason
    assert restart_notes(engine) == [f"A1 twap expired: {algo.reason}"]
    assert len(_children(engine)) == 4
    assert algos_of(engine, "paper") == []  # nothing left to show in the orders pane
    # and it stays expired after another restart
    engine = await _next_life(tmp_path, 3, at_s=125)
    assert algo_desk(engine).algos["A1"].state is AlgoState.EXPIRED
    assert restart_notes(engine) == []  # it ended before: nothing to tell
    assert len(_children(engine)) == 4


async def test_a_cancelled_parent_does_not_resume(tmp_path: Path) -> None:
    engine = _engine(tmp_path, 1, 0)
    await engine.start()
    desk = algo_desk(engine)
    started: list[AlgoOrder] = []
    twap = PlaceAlgo(eth_market_buy("1"), "twap", 100)
    engine.clock.call_at(START, lambda: started.append(desk.start(twap)))
    engine.clock.call_at(T0 + 25 * S, lambda: desk.cancel("A1"))
    await play(engine, until_ns=T0 + 35 * S)
    assert started[0].state is AlgoState.CANCELED
    engine = await _next_life(tmp_path, 2, at_s=37)
    algo = algo_desk(engine).algos["A1"]
    assert algo.state is AlgoState.CANCELED and algo.reason == "canceled by the user"
    assert len(_children(engine)) == 3  # at 0, 10 and 20 s; nothing after the restart
    assert algos_of(engine, "paper") == []


async def test_a_restored_parent_shows_its_progress_in_the_orders_pane(tmp_path: Path) -> None:
    await _first_life(tmp_path, PlaceAlgo(eth_market_buy("1"), "twap", 100), crash_s=35)
    engine = await _next_life(tmp_path, 2, at_s=37, until_s=45)
    shown = algos_of(engine, "paper")
    assert [a.id for a in shown] == ["A1"]
    assert shown[0].sent == 5 and shown[0].filled == D("0.5") and shown[0].progress == 0.5


async def test_restarts_at_random_moments_never_send_more_than_the_parent(
    tmp_path: Path,
) -> None:
    rng = random.Random(15)
    for round_ in range(6):
        tmp = tmp_path / str(round_)
        tmp.mkdir()
        kind = "vwap" if round_ % 2 else "twap"
        command = PlaceAlgo(
            eth_market_buy(quote="2500") if round_ % 3 == 0 else eth_market_buy("0.7"), kind, 100
        )
        crash = rng.uniform(1, 99)
        algo = await _first_life(tmp, command, crash_s=crash)
        target, in_quote = algo.target, algo.in_quote
        life, at = 2, crash + rng.uniform(0.5, 20)
        while at < END_S - 5:  # stop dead again and again until the parent has ended
            engine = await _next_life(tmp, life, at_s=at, until_s=at + rng.uniform(1, 30))
            life, at = life + 1, (engine.clock.now_ns() - T0) / S + rng.uniform(0.5, 20)
        engine = await _next_life(tmp, life, at_s=at)
        algo = algo_desk(engine).algos["A1"]
        children = _children(engine)
        assert set(_journaled_children(tmp).values()) == {1}, round_
        if in_quote:
            assert sum(c.cost for c in children) <= target + D("0.01"), round_
        else:
            assert sum(c.qty for c in children) <= target, round_
        assert algo.state in (AlgoState.DONE, AlgoState.EXPIRED), (round_, algo.reason)
        if algo.state is AlgoState.DONE:  # every slice went: the whole parent
            assert in_quote or sum(c.qty for c in children) == target, round_
