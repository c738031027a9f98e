"""quick_init: the faster __init__ of the hot frozen dataclasses builds the same objects."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from decimal import Decimal

import pytest

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, CandleUpdated, TickerUpdated, TradePrinted
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.quick_init import quick_init


@dataclass(frozen=True, slots=True)
class Plain:
    name: str
    size: Decimal
    flag: bool = False
    venue: str = "sim"


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:
    name: str
    size: Decimal
    flag: bool = False
    venue: str = "sim"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a", Decimal("1.50")), {}),
        (("a", Decimal("1.50"), True), {}),
        (("a",), {"size": Decimal(2), "venue": "binance"}),
        ((), {"name": "b", "size": Decimal(0), "flag": True, "venue": "x"}),
    ],
)
def test_it_builds_what_the_dataclass_init_builds(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    plain, quick = Plain(*args, **kwargs), Quick(*args, **kwargs)  # type: ignore[arg-type]
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert repr(quick).replace("Quick", "Plain") == repr(plain)
    assert quick == Quick(*args, **kwargs)  # type: ignore[arg-type]
    assert hash(quick) == hash(Quick(*args, **kwargs))  # type: ignore[arg-type]
    assert replace(quick, flag=not quick.flag).flag is not quick.flag


def test_the_object_stays_frozen_and_calls_are_checked_as_before() -> None:
    quick = Quick("a", Decimal(1))
    with pytest.raises(FrozenInstanceError):
        quick.name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", Decimal(1), nope=1)  # type: ignore[call-arg]
    assert inspect.signature(Quick) == inspect.signature(Plain)


@pytest.mark.parametrize(
    "cls", [BookChanged, TradePrinted, TickerUpdated, CandleUpdated, Trade, Ticker]
)
def test_the_hot_classes_keep_their_fields_and_defaults(cls: type) -> None:
    params = inspect.signature(cls).parameters
    assert list(params) == [f.name for f in fields(cls)]
    for f in fields(cls):
        want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert params[f.name].default == want


def test_events_made_by_keyword_and_by_position_agree() -> None:
    trade = Trade("BTC/USDT", Decimal("100.5"), Decimal("0.2"), Side.BUY, 7, "9")
    same = Trade(
        symbol="BTC/USDT", price=Decimal("100.5"), qty=Decimal("0.2"), side=Side.BUY, ts_ns=7,
        trade_id="9",
    )  # fmt: skip
    assert trade == same
    assert TradePrinted(trade, "binance") == TradePrinted(trade=same, venue="binance")
    assert TradePrinted(trade).venue == "sim"
    book = BookChanged("BTC/USDT", [(Decimal(1), Decimal(2))], [], True, 3, 4, "kraken")
    assert (book.snapshot, book.seq, book.ts_ns, book.venue) == (True, 3, 4, "kraken")
    candle = Candle(60_000, Decimal(1), Decimal(2), Decimal("0.5"), Decimal(1), Decimal(3))
    assert CandleUpdated("X", candle).closed is False


def test_what_it_cannot_do_is_refused() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class After:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class Scaled:  # an InitVar with no __post_init__: a parameter, but no field
        a: int
        scale: dataclasses.InitVar[int] = 1

    @dataclass(frozen=True, slots=True, init=False)
    class Own:  # its own __init__ (or none made by the dataclass)
        a: int

    for cls in (NoSlots, Factory, After, Scaled, Own):
        with pytest.raises(TypeError):
            quick_init(cls)
