"""The strategy runner and live accounts: entries checked, started by name, paused while a
live account is disarmed, and stopped by the kill switch before it cancels anything."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from strategy_rig import ETH, MS, T0, ListFeed, book, list_engine, play

from tradeterm.config.settings import StrategyEntry
from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import Arm, Disarm, Kill
from tradeterm.domain.enums import AccountMode, OrderStatus
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import KillSwitchPulled
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.strategies import Strategy, StrategyParams, StrategyState
from tradeterm.strategies.registry import BUILTINS
from tradeterm.strategies.runner import StrategyRunner, check_entries
from tradeterm.venues.paper import PaperVenue

D = Decimal
BOOKS = [book(T0 + i * 100 * MS) for i in range(10)]


class Bidder(Strategy[StrategyParams]):
    """Counts books; on the first one it rests a buy well under the market."""

    kind = "bidder"

    def __init__(self, params: StrategyParams) -> None:
        super().__init__(params)
        self.books = 0

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        if self.books == 1:
            self.buy(D("0.01"), D("3000.00"))


KNOWN = {**BUILTINS, "bidder": Bidder}


def entry(
    name: str, account: str = "paper", kind: str = "bidder", **params: object
) -> StrategyEntry:
    return StrategyEntry(name, kind, account, ETH.symbol, params)


def test_entries_are_checked_against_their_parameter_model() -> None:
    entries = [
        entry("ok", kind="grid", lower=3000, upper=3200),
        entry("bad", kind="grid", levels=500, lower=3000, upper=3200),
        entry("typo", kind="grid", level=5),
        entry("what", kind="nope"),
    ]
    problems = check_entries(entries, KNOWN)
    assert len(problems) == 3
    assert problems[0].startswith("strategy 'bad': params: grid parameters: levels:")
    assert "less than or equal to" in problems[0]
    assert problems[1].startswith("strategy 'typo': params: grid parameters: level:")
    assert problems[2].startswith("strategy 'what': unknown kind 'nope'; known: ")
    assert "bidder" in problems[2] and "grid" in problems[2]


async def test_started_by_name_autostarted_paused_resumed_stopped(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, BOOKS)
    await engine.start()
    runner = StrategyRunner(
        engine,
        [
            StrategyEntry("auto", "bidder", "paper", ETH.symbol, {}, autostart=True),
            entry("later"),
            StrategyEntry("broken", "bidder", "paper", "XRP/USDT", {}, autostart=True),
        ],
        KNOWN,
    )
    problems = runner.start_autostart()
    assert list(runner.hosts) == ["auto"]
    assert problems == ["strategy broken did not start: strategy broken: unknown symbol 'XRP/USDT'"]
    with pytest.raises(TradetermError, match="no strategy entry 'nope'; entries: auto, later"):
        runner.start("nope")
    with pytest.raises(TradetermError, match="strategy auto is running already"):
        runner.start("auto")
    with pytest.raises(TradetermError, match="only paused ones resume"):
        runner.resume("auto")
    runner.start("later")
    runner.pause("later")
    engine.clock.call_at(T0 + 450 * MS, lambda: runner.resume("later"))
    report = await play(engine)
    assert not report.failed
    auto, later = runner.hosts["auto"].strategy, runner.hosts["later"].strategy
    assert isinstance(auto, Bidder) and isinstance(later, Bidder)
    assert (auto.books, later.books) == (10, 5)  # books at 0..400 ms did not reach "later"
    orders = engine.state.accounts["paper"].orders.values()
    assert sorted(o.tag or "" for o in orders if o.is_open) == ["auto", "later"]
    runner.stop("later", cancel_orders=True)
    runner.stop("auto", cancel_orders=False)
    await asyncio.sleep(0)
    await play(engine)
    left = {o.tag: o.status for o in engine.state.accounts["paper"].orders.values()}
    assert left == {"auto": OrderStatus.OPEN, "later": OrderStatus.CANCELED}
    assert runner.hosts["later"].state is StrategyState.STOPPED
    # a stopped entry starts again
    assert runner.start("later").state is StrategyState.RUNNING


async def test_the_kill_switch_stops_every_strategy_before_it_cancels(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, BOOKS)
    await engine.start()
    runner = StrategyRunner(engine, [entry("a"), entry("b")], KNOWN)
    runner.start("a")
    runner.start("b")
    states_at_kill: list[list[StrategyState]] = []
    engine.bus.subscribe(
        KillSwitchPulled, lambda _e: states_at_kill.append([h.state for h in runner.hosts.values()])
    )
    await play(engine, until_ns=T0 + 250 * MS)
    assert len([o for o in engine.state.accounts["paper"].orders.values() if o.is_open]) == 2
    said = await engine.execute(Kill())
    assert isinstance(said, str) and "asked to cancel 2 open order(s)" in said
    assert [h.state for h in runner.hosts.values()] == [StrategyState.STOPPED] * 2
    assert {h.reason for h in runner.hosts.values()} == {"kill switch"}
    await play(engine)
    assert not any(o.is_open for o in engine.state.accounts["paper"].orders.values())
    # the runner heard the kill first: it subscribed before the test's handler
    assert states_at_kill == [[StrategyState.STOPPED] * 2]


def live_engine(tmp: Path) -> Engine:
    clock = ManualClock(T0 - 1_000 * MS)
    spec = AccountSpec("live", AccountMode.LIVE, venue="list", balances={"USDT": D("10000")})
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    engine = Engine(clock, ListFeed(BOOKS), [spec], ledger=ledger, client_id_prefix="h")
    engine.attach_venue("live", PaperVenue("live", engine.view("list"), clock, latency_ms=10))
    return engine


async def test_on_a_live_account_it_runs_only_while_the_account_is_armed(tmp_path: Path) -> None:
    engine = live_engine(tmp_path)
    await engine.start()
    runner = StrategyRunner(engine, [entry("mm", account="live")], KNOWN)
    host = runner.start("mm")
    assert host.state is StrategyState.PAUSED
    assert host.reason == "account live is not armed"
    with pytest.raises(TradetermError, match="account live is not armed: arm it first"):
        runner.resume("mm")
    tasks: list[asyncio.Future[object]] = []
    clock = engine.clock
    clock.call_at(
        T0 + 250 * MS,
        lambda: tasks.append(asyncio.ensure_future(engine.execute(Arm("live", "live")))),
    )
    clock.call_at(
        T0 + 550 * MS, lambda: tasks.append(asyncio.ensure_future(engine.execute(Disarm("live"))))
    )
    states: list[StrategyState] = []
    clock.call_at(T0 + 450 * MS, lambda: states.append(host.state))
    await play(engine)
    strategy = host.strategy
    assert isinstance(strategy, Bidder)
    assert states == [StrategyState.RUNNING]
    assert host.state is StrategyState.PAUSED
    assert host.reason == "account live disarmed: by the user"
    assert strategy.books == 3  # the books at 300, 400 and 500 ms, while armed
    # a strategy the user paused stays paused when the account is armed again
    await engine.execute(Arm("live", "live"))
    assert host.state is StrategyState.RUNNING
    runner.pause("mm")
    await engine.execute(Disarm("live"))
    await engine.execute(Arm("live", "live"))
    assert host.state is StrategyState.PAUSED and host.reason == "paused by the user"


def test_the_workstation_refuses_to_open_with_a_bad_entry_and_knows_the_users_kinds(
    tmp_path: Path,
) -> None:
    from tradeterm.cli.compose import strategy_entries
    from tradeterm.config.settings import Settings, StrategiesSettings
    from tradeterm.domain.errors import ConfigError

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "dip.py").write_text(
        "from tradeterm.strategies import Strategy, StrategyParams\n\n\n"
        "class Dip(Strategy[StrategyParams]):\n"
        '    kind = "dip"\n'
        "    params_model = StrategyParams\n",
        encoding="utf-8",
    )
    good = (entry("mine", kind="dip"), entry("g", kind="grid", lower=1, upper=2))
    config = Settings(strategies=StrategiesSettings(str(folder), good))
    entries, kinds, broken = strategy_entries(config)
    assert entries == good and "dip" in kinds and "grid" in kinds and broken == ()
    bad = Settings(strategies=StrategiesSettings("", (*good, entry("g2", kind="grid", levels=0))))
    with pytest.raises(ConfigError) as caught:
        strategy_entries(bad)
    message = str(caught.value)
    assert message.startswith("[[strategies]]: strategy 'mine': unknown kind 'dip'")
    assert "strategy 'g2': params: grid parameters: levels: Input should be greater than" in message


async def test_an_instance_from_the_form_becomes_an_entry_only_when_it_starts(
    tmp_path: Path,
) -> None:
    engine = list_engine(tmp_path, BOOKS)
    await engine.start()
    runner = StrategyRunner(engine, [entry("cfg", kind="grid", lower=3000, upper=3200)], KNOWN)
    grid = BUILTINS["grid"].params_model
    params = grid.model_validate({"lower": 3000, "upper": 3100, "levels": 4})
    # an unknown symbol: refused, and the config entry of that name is what it was
    with pytest.raises(TradetermError, match="unknown symbol 'XRP/USDT'"):
        runner.start_new("cfg", "grid", params, "paper", "XRP/USDT")
    assert runner.entries["cfg"] == entry("cfg", kind="grid", lower=3000, upper=3200)
    with pytest.raises(TradetermError, match="unknown symbol"):
        runner.start_new("new", "grid", params, "paper", "XRP/USDT")
    assert "new" not in runner.entries and not runner.hosts

    host = runner.start_new("new", "grid", params, "paper", ETH.symbol)
    assert host.state is StrategyState.RUNNING and host.params == params
    with pytest.raises(TradetermError, match="strategy new is running already"):
        runner.start_new("new", "grid", params, "paper", ETH.symbol)
    runner.stop("new", cancel_orders=True)
    again = runner.start("new")  # :strategy start NAME runs it again, same parameters
    assert again is not host and again.params == params and again.symbol == ETH.symbol
    runner.stop("new", cancel_orders=True)
    runner.close()
