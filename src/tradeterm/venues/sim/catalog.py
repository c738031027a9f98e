"""The simulated venue's listed markets, with realistic prices, ticks, lots, limits and fees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market

VENUE = "sim"
MAKER_FEE = Decimal("0.0008")
TAKER_FEE = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class Listing:
    """One simulated market and the character of its order flow."""

    symbol: str
    price: str
    tick: str
    lot: str
    min_notional: str
    vol: float  # annualised volatility
    gap: int  # typical distance between populated levels, in ticks
    size: float  # typical resting size per level, in base units
    activity: float  # share of the venue's order flow


LISTINGS: tuple[Listing, ...] = (
    Listing("BTC/USDT", "67250.0", "0.1", "0.00001", "5", 0.55, 2, 0.35, 10.0),
    Listing("ETH/USDT", "3185.50", "0.01", "0.0001", "5", 0.70, 3, 4.0, 8.0),
    Listing("SOL/USDT", "152.40", "0.01", "0.001", "5", 0.95, 1, 60.0, 5.0),
    Listing("BNB/USDT", "584.2", "0.1", "0.001", "5", 0.60, 1, 12.0, 3.0),
    Listing("XRP/USDT", "0.5234", "0.0001", "0.1", "5", 0.85, 1, 18000.0, 4.0),
    Listing("ADA/USDT", "0.4512", "0.0001", "0.1", "5", 0.90, 1, 15000.0, 2.0),
    Listing("DOGE/USDT", "0.12345", "0.00001", "1", "5", 1.10, 2, 90000.0, 3.0),
    Listing("AVAX/USDT", "35.21", "0.01", "0.01", "5", 1.00, 1, 300.0, 2.0),
    Listing("DOT/USDT", "6.512", "0.001", "0.01", "5", 0.90, 1, 1500.0, 1.5),
    Listing("LINK/USDT", "14.235", "0.001", "0.01", "5", 0.90, 2, 700.0, 1.5),
    Listing("LTC/USDT", "81.45", "0.01", "0.001", "5", 0.75, 1, 90.0, 1.5),
    Listing("TRX/USDT", "0.12034", "0.00001", "1", "5", 0.55, 1, 60000.0, 1.0),
    Listing("ATOM/USDT", "8.123", "0.001", "0.01", "5", 0.95, 1, 900.0, 1.0),
    Listing("NEAR/USDT", "5.234", "0.001", "0.1", "5", 1.10, 1, 1400.0, 1.0),
    Listing("APT/USDT", "9.012", "0.001", "0.01", "5", 1.10, 1, 800.0, 1.0),
    Listing("ARB/USDT", "1.0234", "0.0001", "0.1", "5", 1.15, 1, 7000.0, 1.0),
    Listing("OP/USDT", "2.234", "0.001", "0.01", "5", 1.15, 1, 3000.0, 1.0),
    Listing("UNI/USDT", "7.891", "0.001", "0.01", "5", 1.00, 1, 900.0, 1.0),
    Listing("FIL/USDT", "5.123", "0.001", "0.01", "5", 1.05, 1, 1300.0, 0.8),
    Listing("SUI/USDT", "1.2345", "0.0001", "0.1", "5", 1.20, 1, 6000.0, 1.2),
    Listing("PEPE/USDT", "0.00001052", "0.00000001", "1", "5", 1.40, 1, 6.0e8, 1.5),
    Listing("ETH/BTC", "0.04736", "0.00001", "0.0001", "0.0001", 0.45, 1, 30.0, 1.0),
)


#: The wide universe (``sim.universe = "all"``): 102 more USDT markets as (base, price).
#: Their ticks keep four significant digits of the price, lots put the 5 USDT minimum
#: at a few dozen lots, and a level rests about 2,500 USDT.
WIDE: tuple[tuple[str, str], ...] = (
    ("AAVE", "92.4"),
    ("ALGO", "0.1812"),
    ("APE", "1.12"),
    ("AR", "24.6"),
    ("AXS", "6.42"),
    ("BCH", "372.5"),
    ("BLUR", "0.289"),
    ("BONK", "0.0000231"),
    ("CAKE", "2.41"),
    ("CFX", "0.168"),
    ("CHZ", "0.0712"),
    ("COMP", "51.2"),
    ("CRV", "0.312"),
    ("CRO", "0.0921"),
    ("DASH", "26.1"),
    ("DYDX", "1.52"),
    ("EGLD", "32.4"),
    ("ENA", "0.412"),
    ("ENS", "19.2"),
    ("EOS", "0.612"),
    ("ETC", "23.4"),
    ("FET", "1.42"),
    ("FLOKI", "0.000142"),
    ("FLOW", "0.612"),
    ("FTM", "0.412"),
    ("GALA", "0.0231"),
    ("GMX", "26.2"),
    ("GRT", "0.162"),
    ("HBAR", "0.0712"),
    ("ICP", "9.12"),
    ("IMX", "1.42"),
    ("INJ", "21.4"),
    ("JASMY", "0.0221"),
    ("JUP", "0.912"),
    ("KAS", "0.142"),
    ("KAVA", "0.412"),
    ("KSM", "24.1"),
    ("LDO", "1.62"),
    ("LRC", "0.162"),
    ("MANA", "0.362"),
    ("MASK", "2.71"),
    ("MINA", "0.512"),
    ("MKR", "1912.0"),
    ("NEO", "11.2"),
    ("NOT", "0.00821"),
    ("ONDO", "0.712"),
    ("ORDI", "31.2"),
    ("PENDLE", "4.12"),
    ("PYTH", "0.312"),
    ("QNT", "72.4"),
    ("RENDER", "6.12"),
    ("ROSE", "0.0721"),
    ("RUNE", "4.12"),
    ("SAND", "0.312"),
    ("SEI", "0.312"),
    ("SHIB", "0.0000172"),
    ("SNX", "1.62"),
    ("STRK", "0.412"),
    ("STX", "1.62"),
    ("SUSHI", "0.712"),
    ("TAO", "312.0"),
    ("THETA", "1.12"),
    ("TIA", "5.12"),
    ("TON", "5.21"),
    ("TRB", "71.2"),
    ("TWT", "0.812"),
    ("VET", "0.0241"),
    ("WIF", "1.82"),
    ("WLD", "1.62"),
    ("XLM", "0.0961"),
    ("XMR", "162.0"),
    ("XTZ", "0.712"),
    ("YFI", "5912.0"),
    ("ZEC", "31.2"),
    ("ZIL", "0.0171"),
    ("ZRX", "0.312"),
    ("1INCH", "0.312"),
    ("ANKR", "0.0261"),
    ("API3", "1.42"),
    ("BAT", "0.172"),
    ("CELO", "0.612"),
    ("CKB", "0.0112"),
    ("COTI", "0.0812"),
    ("ENJ", "0.162"),
    ("GLM", "0.312"),
    ("HOT", "0.00171"),
    ("ICX", "0.142"),
    ("IOTA", "0.162"),
    ("KNC", "0.512"),
    ("LPT", "11.2"),
    ("MAGIC", "0.412"),
    ("OCEAN", "0.512"),
    ("ONE", "0.0141"),
    ("OSMO", "0.512"),
    ("QTUM", "2.41"),
    ("RSR", "0.00712"),
    ("SKL", "0.0312"),
    ("STORJ", "0.412"),
    ("SXP", "0.212"),
    ("UMA", "2.12"),
    ("WOO", "0.172"),
    ("YGG", "0.412"),
)


def _wide_listing(base: str, price: str) -> Listing:
    value = Decimal(price)
    exponent = value.adjusted()
    tick = Decimal(1).scaleb(exponent - 3)
    lot = min(Decimal(1), max(Decimal("0.00001"), Decimal(1).scaleb((5 / value).adjusted() - 2)))
    spread = sum(map(ord, base))  # a stable per-symbol variety, independent of any seed
    return Listing(
        f"{base}/USDT",
        format(value.quantize(tick), "f"),
        format(tick, "f"),
        format(lot, "f"),
        "5",
        0.7 + (spread % 9) / 10,
        1,
        float(Decimal(2500) / value),
        0.2 + (spread % 7) / 10,
    )


@cache
def all_listings() -> tuple[Listing, ...]:
    """The 124 listings of the wide universe (``ALL_LISTINGS``), made on first use: a sim of
    the core universe, the default, never needs them (making them at import was 4 M
    instructions of the workstation's way to its first book)."""
    return LISTINGS + tuple(_wide_listing(b, p) for b, p in WIDE)


if TYPE_CHECKING:
    ALL_LISTINGS: tuple[Listing, ...] = ()


def __getattr__(name: str) -> tuple[Listing, ...]:
    if name == "ALL_LISTINGS":  # made once asked for (PEP 562)
        return all_listings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def select_listings(symbols: Sequence[str] | None, universe: str = "core") -> list[Listing]:
    """The listings a sim of ``universe`` (``core``: the 22 hand-made markets; ``all``: 124)
    trades; ``symbols`` picks any of the 124 instead. Raises DataError for one not listed."""
    pool = all_listings() if universe == "all" or symbols is not None else LISTINGS
    listings = [x for x in pool if symbols is None or x.symbol in symbols]
    if symbols is not None and len(listings) != len(set(symbols)):
        unknown = sorted(set(symbols) - {x.symbol for x in listings})
        raise DataError(f"the sim venue does not list {', '.join(unknown)}")
    return listings


def listing_market(listing: Listing) -> Market:
    base, quote = listing.symbol.split("/")
    lot = Decimal(listing.lot)
    return Market(
        venue=VENUE,
        symbol=listing.symbol,
        base=base,
        quote=quote,
        tick_size=Decimal(listing.tick),
        lot_size=lot,
        min_qty=lot,
        min_notional=Decimal(listing.min_notional),
        maker_fee=MAKER_FEE,
        taker_fee=TAKER_FEE,
    )
