"""Number and time formatting for panes: exact digits where they fit, compact where not."""

from __future__ import annotations

import time
from decimal import Decimal

from tradeterm.domain.numbers import fmt, fmt_compact


def fmt_price(value: Decimal | None, places: int) -> str:
    """A price to ``places`` decimals with thousands separators (``1.00e30`` when huge)."""
    return "—" if value is None else fmt(value, places)


def fmt_qty(value: Decimal | None, places: int, width: int = 12) -> str:
    """The exact quantity when it fits in ``width`` cells, else a compact 1.23M form."""
    if value is None:
        return "—"
    exact = fmt(value, places)
    return exact if len(exact) <= width else fmt_compact(value)


def fmt_money(value: Decimal, places: int = 2, width: int | None = None) -> str:
    """Money to its asset's ``places`` with thousands separators when it fits in ``width``
    cells (any width when None), else the compact form: 12.35B, 1.00e30."""
    text = fmt(value, places)
    return text if width is None or len(text) <= width else fmt_compact(value)


#: Currencies shown to the cent; every other asset to 8 decimals (a satoshi), with trailing
#: zeros beyond two dropped.
CENT_ASSETS = frozenset({"USD", "USDT", "USDC", "BUSD", "FDUSD", "TUSD", "DAI", "EUR", "GBP"})


def asset_places(asset: str) -> int:
    """How many decimals a balance of ``asset`` is shown with: 2 for dollars and other cent
    currencies, 8 for the rest."""
    return 2 if asset.upper() in CENT_ASSETS else 8


def fmt_amount(value: Decimal, max_places: int = 8, width: int | None = None) -> str:
    """A balance: at least two decimals, up to ``max_places``, no trailing zeros beyond two;
    the compact form when it is wider than ``width`` cells or too large to write out."""
    text = fmt(value, max_places)
    if "." in text and "e" not in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(2, "0")
        text = f"{whole}.{frac}"
    return text if width is None or len(text) <= width else fmt_compact(value)


def fmt_pct(value: float | None, places: int = 2) -> str:
    return "—" if value is None else f"{value:+.{places}f}%"


def clock_text(ts_ns: int, millis: bool = False) -> str:
    """HH:MM:SS (UTC) of a nanosecond timestamp, with milliseconds if asked."""
    seconds, rest = divmod(ts_ns, 1_000_000_000)
    text = time.strftime("%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{rest // 1_000_000:03d}" if millis else text


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int) -> str:
    """A one-line chart of the last ``width`` values."""
    values = values[-width:]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span <= 0:
        return SPARKS[3] * len(values)
    top = len(SPARKS) - 1
    return "".join(SPARKS[int((v - low) / span * top + 0.5)] for v in values)


def fmt_compact_quote(value: float) -> str:
    """Volumes in quote currency: 950, 12.3K, 4.56M, 1.2B."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= scale:
            return (
                f"{value / scale:.1f}{unit}"
                if value / scale >= 100
                else f"{value / scale:.2f}{unit}"
            )
    return f"{value:.0f}"
