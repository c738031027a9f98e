"""Instruments: a venue plus a symbol. The sim and a replayed Binance capture run in one
engine with BTC/USDT on both; a trade on one never touches the other's books, orders or
balances, and an order for one venue's instrument on another venue's account is refused."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import BookChanged, SymbolSelected, TradePrinted
from tradeterm.domain.instrument import Instrument, ambiguous_symbols, resolve, split
from tradeterm.domain.market_data import Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import drive
from tradeterm.engine.engine import Engine
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed
from tradeterm.venues.sim.feed import SimFeed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "replay"))
from replay_data import SPOT, need

D = Decimal
SIM_BTC = Instrument("sim", "BTC/USDT")
BN_BTC = Instrument("binance", "BTC/USDT")
START_NS = 1_723_075_200_000_000_000  # 2024-08-08 00:00 UTC, before the capture


# --- the value type ----------------------------------------------------------------------


def test_an_instrument_is_a_value_shown_with_its_venue_only_when_needed() -> None:
    assert Instrument("sim", "BTC/USDT") == SIM_BTC and hash(Instrument("sim", "BTC/USDT")) == hash(
        SIM_BTC
    )
    assert SIM_BTC != BN_BTC and SIM_BTC != "BTC/USDT@sim"
    assert str(BN_BTC) == "BTC/USDT@binance"
    assert BN_BTC.label(ambiguous=False) == "BTC/USDT"
    assert BN_BTC.label(ambiguous=True) == "BTC/USDT@binance"
    assert sorted([SIM_BTC, BN_BTC]) == [BN_BTC, SIM_BTC]  # by venue, then symbol
    with pytest.raises(AttributeError):
        SIM_BTC.venue = "kraken"  # type: ignore[misc]
    assert ambiguous_symbols([SIM_BTC, BN_BTC, Instrument("sim", "ETH/USDT")]) == {"BTC/USDT"}


symbols = st.from_regex(r"[A-Z0-9]{1,8}/[A-Z0-9]{1,6}", fullmatch=True)
venues = st.from_regex(r"[a-z][a-z0-9_.-]{0,15}", fullmatch=True)


@given(symbol=symbols, venue=venues)
def test_the_written_form_reads_back(symbol: str, venue: str) -> None:
    inst = Instrument(venue, symbol)
    assert split(str(inst)) == (symbol, venue)
    assert split(symbol) == (symbol, None)
    assert resolve(str(inst), [inst, Instrument(venue + "x", symbol)]) == inst


def test_resolve_names_the_choices_when_a_bare_symbol_is_ambiguous() -> None:
    known = [SIM_BTC, BN_BTC, Instrument("sim", "ETH/USDT")]
    assert resolve("eth/usdt", known) == Instrument("sim", "ETH/USDT")
    assert resolve("BTC/USDT", known, prefer="binance") == BN_BTC
    assert resolve("BTC/USDT@Binance", known) == BN_BTC
    with pytest.raises(TradetermError, match="say which: BTC/USDT@binance, BTC/USDT@sim"):
        resolve("BTC/USDT", known)
    with pytest.raises(TradetermError, match=r"not listed on 'kraken'.*venues: binance, sim"):
        resolve("BTC/USDT@kraken", known)
    with pytest.raises(TradetermError, match="unknown symbol 'DOGE/USDT'"):
        resolve("DOGE/USDT", known)


# --- two venues in one engine ------------------------------------------------------------


def two_venues() -> tuple[ManualClock, SimFeed, ReplayFeed, Engine]:
    clock = ManualClock(START_NS)
    sim = SimFeed(clock, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=30, rate=0)
    replay = ReplayFeed([SPOT[0]], clock, speed=None, venue="binance")
    funds = {"USDT": D("100000"), "BTC": D("1")}
    accounts = [AccountSpec("paper", venue="sim", balances=funds),
                AccountSpec("bn", venue="binance", balances=funds)]  # fmt: skip
    engine = Engine(clock, [sim, replay], accounts)
    for name, venue in (("paper", "sim"), ("bn", "binance")):
        engine.attach_venue(name, PaperVenue(name, engine.view(venue), clock, latency_ms=20))
    return clock, sim, replay, engine


def top(engine: Engine, inst: Instrument) -> tuple[object, object]:
    book = engine.state.books[inst]
    return book.bids.top(5), book.asks.top(5)


async def test_sim_and_a_replayed_capture_trade_side_by_side_without_touching_each_other() -> None:
    need(SPOT[0])
    _, sim, replay, engine = two_venues()
    await engine.start()
    sim.bootstrap(engine.sink("sim"))
    state = engine.state
    assert state.ambiguous == {"BTC/USDT"}
    assert state.label(SIM_BTC) == "BTC/USDT@sim"
    assert state.label(Instrument("sim", "ETH/USDT")) == "ETH/USDT"
    sim_book = top(engine, SIM_BTC)
    sim_mid = state.books[SIM_BTC].mid()
    assert sim_mid is not None

    # stops on the sim account that Binance's lower prices would fire: one the paper venue
    # holds, one the engine holds (a trailing stop); only a trade on the sim may fire them
    stop = await engine.place(
        PlaceOrder("BTC/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"),
                   stop_price=(sim_mid * D("0.96")).quantize(D("1")), account="paper")
    )  # fmt: skip
    trailing = await engine.place(
        PlaceOrder("BTC/USDT", Side.SELL, OrderType.TRAILING_STOP, qty=D("0.01"),
                   trail=D("2000"), account="paper")
    )  # fmt: skip
    assert trailing.status is OrderStatus.EMULATED
    placed: list[asyncio.Task[object]] = []

    def on_first_trade(event: TradePrinted) -> None:
        book = state.books.get(BN_BTC)  # the capture's first trades come before its book
        if event.venue == "binance" and not placed and book is not None and book.mid():
            for account in ("paper", "bn"):
                cmd = PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.01"),
                                 account=account)  # fmt: skip
                placed.append(asyncio.get_running_loop().create_task(engine.place(cmd)))

    engine.bus.subscribe(TradePrinted, on_first_trade)
    report = await drive(engine, [replay])
    assert report.messages > 40_000 and not report.failed and len(placed) == 2

    bn_mid = state.books[BN_BTC].mid()
    assert bn_mid is not None and bn_mid < sim_mid * D("0.95")  # two different markets
    assert top(engine, SIM_BTC) == sim_book  # 41,000 Binance messages left the sim's book alone
    lowest = min(t.price for t in state.tapes[BN_BTC])
    assert stop.stop_price is not None and lowest < stop.stop_price
    for held in (stop, trailing):  # never fired
        assert held.is_open and not held.filled and not held.triggered_ns, held

    paper, bn = state.accounts["paper"], state.accounts["bn"]
    (paper_fill,), (bn_fill,) = paper.fills, bn.fills
    assert abs(paper_fill.price - sim_mid) < sim_mid * D("0.01")
    assert abs(bn_fill.price - bn_mid) < bn_mid * D("0.01")  # Binance's price, on its book
    for account, fill in ((paper, paper_fill), (bn, bn_fill)):  # a buy's fee is in the base
        assert fill.fee_asset == "BTC"
        assert account.balances["BTC"].total == D("1.01") - fill.fee
    paid_paper = D("100000") - paper.balances["USDT"].total
    paid_bn = D("100000") - bn.balances["USDT"].total
    assert paid_paper > paid_bn * D("1.05")  # each paid its own venue's price
    assert set(paper.orders) == {stop.client_id, trailing.client_id, paper_fill.client_id}
    assert set(bn.orders) == {bn_fill.client_id}


async def test_an_order_for_another_venues_instrument_is_refused_in_words() -> None:
    need(SPOT[0])
    _, sim, _, engine = two_venues()
    await engine.start()
    sim.bootstrap(engine.sink("sim"))
    limit = PlaceOrder("BTC/USDT@binance", Side.BUY, OrderType.LIMIT, qty=D("0.01"),
                       price=D("50000"), account="paper")  # fmt: skip
    with pytest.raises(TradetermError, match="BTC/USDT is on binance, and account paper trades"
                                             " on sim: switch to bn"):  # fmt: skip
        await engine.place(limit)
    assert "switch to bn" in engine.preview(limit).problems[0]
    assert not engine.state.accounts["paper"].orders  # nothing journaled, nothing sent
    order = await engine.place(PlaceOrder("BTC/USDT@sim", Side.BUY, OrderType.LIMIT,
                                          qty=D("0.01"), price=D("50000")))  # fmt: skip
    assert (order.symbol, order.account) == ("BTC/USDT", "paper")


async def test_selecting_a_symbol_prefers_the_active_accounts_venue() -> None:
    need(SPOT[0])
    _, _, _, engine = two_venues()
    await engine.start()
    seen: list[SymbolSelected] = []
    engine.bus.subscribe(SymbolSelected, seen.append)
    assert engine.state.active == SIM_BTC  # the first feed's first market
    engine.select_symbol("BTC/USDT@binance")
    assert engine.state.active == BN_BTC and engine.state.feed.venue == "binance"
    engine.select_symbol("BTC/USDT")  # ambiguous: the active account (paper) is on the sim
    assert seen == [SymbolSelected(BN_BTC), SymbolSelected(SIM_BTC)]
    engine.switch_account("bn")
    engine.select_symbol("btc/usdt")
    assert engine.state.active == BN_BTC
    with pytest.raises(TradetermError, match="not listed on 'kraken'"):
        engine.select_symbol("BTC/USDT@kraken")


class Unstamped:
    """A feed that forgets to say which venue its events are from."""

    venue = "binance"

    def events(self) -> Iterator[BookChanged]:
        yield BookChanged("BTC/USDT", [(D("100"), D("1"))], [(D("101"), D("1"))], snapshot=True)


async def test_a_feeds_events_are_kept_to_its_own_venue() -> None:
    need(SPOT[0])
    _, sim, _, engine = two_venues()
    await engine.start()
    sim.bootstrap(engine.sink("sim"))
    before = top(engine, SIM_BTC)
    sink = engine.sink("binance")
    for event in Unstamped().events():
        sink.on_market(event)  # stamped "sim" by default: the sink keeps it to binance
    assert top(engine, SIM_BTC) == before
    assert engine.state.books[BN_BTC].mid() == D("100.5")
    assert engine.state.feeds["binance"].last_message_ns > 0


class NamedFeed:
    """Only what the engine reads of a feed before it is started: its venue."""

    def __init__(self, venue: str) -> None:
        self.venue = venue


def test_each_venues_lane_holds_that_venues_own_books_and_feed() -> None:
    clock = ManualClock(START_NS)
    engine = Engine(clock, [NamedFeed("sim"), NamedFeed("binance")], [AccountSpec("paper")])  # type: ignore[list-item]
    sim_view, bn_view = engine.view("sim"), engine.view("binance")  # made before any book
    seen: list[str] = []
    bn_view.subscribe(BookChanged, lambda e: seen.append(f"book {e.venue}"))
    bn_view.subscribe(TradePrinted, lambda e: seen.append(f"trade {e.venue}"))
    assert bn_view.book("BTC/USDT") is None
    for venue, bid in (("sim", "100"), ("binance", "200")):
        clock.advance(1)
        engine.sink(venue).on_market(
            BookChanged("BTC/USDT", [(D(bid), D("1"))], [(D(bid) + 1, D("1"))], snapshot=True)
        )
        trade = Trade("BTC/USDT", D(bid), D("1"), Side.BUY, clock.now_ns(), venue)
        engine.sink(venue).on_market(TradePrinted(trade))
    sim_book, bn_book = sim_view.book("BTC/USDT"), bn_view.book("BTC/USDT")
    assert sim_book is engine.state.books[SIM_BTC] and sim_book.best_bid() == D("100")
    assert bn_book is engine.state.books[BN_BTC] and bn_book.best_bid() == D("200")
    assert [t.price for t in engine.state.tapes[BN_BTC]] == [D("200")]
    assert seen == ["book binance", "trade binance"]  # the sim's events are not binance's
    sim_feed, bn_feed = engine.state.feeds["sim"], engine.state.feeds["binance"]
    assert bn_feed.last_message_ns == clock.now_ns() > sim_feed.last_message_ns > 0
    assert sim_view.book("ETH/USDT") is None and engine.view("kraken").book("BTC/USDT") is None
    # a venue no feed was made for (an event straight into the engine) still gets a status
    engine.on_market(TradePrinted(Trade("X/Y", D("1"), D("1"), Side.SELL, 1, "t"), "other"))
    assert engine.state.feeds["other"].last_message_ns == clock.now_ns()
    assert engine.state.tapes[Instrument("other", "X/Y")][0].price == D("1")
