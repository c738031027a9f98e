"""The simulated venue's listed markets, with realistic prices, ticks, lots, limits and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
