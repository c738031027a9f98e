"""The exchange's dead-man's switch (Kraken's CancelAllOrdersAfter through ccxt, and Binance
USD-M futures' countdownCancelAll per symbol, against stand-ins on 127.0.0.1): refreshed on
the engine's clock while armed, turned off by disarming, by the kill switch and by quitting;
an exchange without one says so."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable

import pytest
from binance_rest_standin import BinanceRestStandIn
from kraken_rest_standin import KrakenRestStandIn
from live_kit import StaticFeed

from tradeterm.config.secrets import Credentials
from tradeterm.domain.commands import Arm, Disarm, Kill
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.events import ArmingChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.ccxt import CcxtVenue

KEY = "krKEYq1w2e3r4t5y6"
SECRET = base64.b64encode(b"kraken-test-secret-bytes-0123456789").decode()
NAME = "kr-live"


async def until(ready: Callable[[], bool]) -> None:
    for _ in range(500):
        if ready():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


@pytest.fixture
async def kraken() -> AsyncIterator[KrakenRestStandIn]:
    server = KrakenRestStandIn(KEY, SECRET)
    await server.start()
    yield server
    await server.stop()


def live_engine(
    clock: ManualClock,
    exchange: str,
    urls: dict,  # type: ignore[type-arg]
    symbols: tuple[str, ...] = (),
) -> tuple[Engine, CcxtVenue]:
    body = BinanceRestStandIn("k", "s", {}).info_body  # any markets will do: no orders here
    markets, _ = parse_exchange_info("x", body)
    engine = Engine(clock, StaticFeed(markets), [AccountSpec(NAME, AccountMode.LIVE, exchange)])
    venue = CcxtVenue(NAME, exchange, Credentials(KEY, SECRET), clock,
                      config={"urls": urls, "timeout": 3000, "enableRateLimit": False}, poll_s=3600,
                      dead_man_s=60, dead_man_refresh_s=20, dead_man_symbols=symbols)  # fmt: skip
    engine.attach_venue(NAME, venue)
    engine.bus.subscribe(ArmingChanged, venue.on_arming)
    return engine, venue


async def test_refreshed_every_20_s_while_armed_and_off_when_disarmed(
    kraken: KrakenRestStandIn,
) -> None:
    clock = ManualClock()
    engine, venue = live_engine(clock, "kraken", kraken.ccxt_urls())
    await engine.start()
    running = asyncio.create_task(venue.run())
    try:
        await until(lambda: "USD" in engine.state.accounts[NAME].balances)  # first poll
        assert kraken.dead_man == []  # disarmed: no switch
        clock.advance(20)
        await asyncio.sleep(0.2)
        assert kraken.dead_man == []
        await engine.execute(Arm(NAME))
        await until(lambda: kraken.dead_man == [60])
        clock.advance(20)
        await until(lambda: kraken.dead_man == [60, 60])
        clock.advance(20)
        await until(lambda: kraken.dead_man == [60, 60, 60])
        await engine.execute(Disarm(NAME))
        await until(lambda: kraken.dead_man == [60, 60, 60, 0])
        clock.advance(40)
        await asyncio.sleep(0.2)
        assert kraken.dead_man == [60, 60, 60, 0]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_the_kill_switch_and_quitting_turn_it_off(kraken: KrakenRestStandIn) -> None:
    clock = ManualClock()
    engine, venue = live_engine(clock, "kraken", kraken.ccxt_urls())
    await engine.start()
    await engine.execute(Arm(NAME))
    await until(lambda: kraken.dead_man == [60])
    await engine.execute(Kill())
    await until(lambda: kraken.dead_man == [60, 0])
    assert engine.state.accounts[NAME].armed is False
    await engine.execute(Arm(NAME))
    await until(lambda: kraken.dead_man == [60, 0, 60])
    await venue.close()  # quitting
    assert kraken.dead_man == [60, 0, 60, 0]


def test_the_arm_dialog_can_say_which_exchanges_have_one() -> None:
    clock = ManualClock()
    creds = Credentials(KEY, SECRET)
    kraken = CcxtVenue(NAME, "kraken", creds, clock)
    binance = CcxtVenue(NAME, "binance", creds, clock)
    assert "Kraken has a dead-man's switch" in kraken.dead_man_note()
    assert "Binance has no dead-man's switch" in binance.dead_man_note()


async def test_binance_usdm_countdown_is_set_per_symbol_while_armed_and_stopped_on_disarm(
    tmp_path: object,
) -> None:
    standin = BinanceRestStandIn(KEY, SECRET, {})
    await standin.start()
    clock = ManualClock()
    engine, venue = live_engine(clock, "binanceusdm", standin.ccxt_urls(), ("BTC/USDT:USDT",))
    assert "Binance USD-M has a dead-man's switch" in venue.dead_man_note()
    await engine.start()
    running = asyncio.create_task(venue.run())
    try:
        await asyncio.sleep(0.2)
        assert standin.countdowns == []  # disarmed: no countdown
        await engine.execute(Arm(NAME))
        await until(lambda: standin.countdowns == [("BTCUSDT", 60000)])
        clock.advance(20)
        await until(lambda: len(standin.countdowns) == 2)
        assert standin.countdowns[-1] == ("BTCUSDT", 60000)
        await engine.execute(Disarm(NAME))
        await until(lambda: standin.countdowns[-1] == ("BTCUSDT", 0))
        clock.advance(40)
        await asyncio.sleep(0.2)
        assert len(standin.countdowns) == 3
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await standin.stop()
