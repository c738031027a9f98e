"""ccxt's exceptions translated, where they enter, into tradeterm's error tree in plain words.

"binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}"
becomes ``InsufficientFunds("Binance: insufficient balance for this order (code -2010)")``.
Every message passes through the credentials' ``redact`` first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tradeterm.domain.errors import (
    InsufficientFunds,
    OrderRejected,
    TradetermError,
    VenueUnavailable,
)

_JSON = re.compile(r"\{.*\}", re.DOTALL)


def exchange_detail(message: str) -> tuple[str, str]:
    """(code, message) from an exchange's JSON error body inside a ccxt message, else
    ("", the text after the exchange id)."""
    match = _JSON.search(message)
    if match:
        try:
            body = json.loads(match.group(0))
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), list):  # Kraken's shape
            return "", "; ".join(str(e) for e in body["error"])
        if isinstance(body, dict):
            code = body.get("code", body.get("error", ""))
            text = body.get("msg", body.get("message", ""))
            return str(code), str(text)
    return "", message.split(" ", 1)[-1] if " " in message else message


def translate(
    exc: Exception, label: str, redact: Callable[[str], str], body: str = ""
) -> TradetermError:
    """The tradeterm error for a ccxt exception raised by exchange ``label`` ("Binance");
    ``body`` is the exchange's last answer, for its error code when the message lacks it."""
    import ccxt

    message = redact(str(exc))
    if not _JSON.search(message) and _JSON.search(body or ""):
        message = redact(body)
    code, text = exchange_detail(message)
    tail = f" (code {code})" if code else ""
    said = text.rstrip(".") or type(exc).__name__
    error: TradetermError
    if isinstance(exc, ccxt.RequestTimeout):
        error = VenueUnavailable(f"{label}: no answer in time")
    elif isinstance(exc, ccxt.NetworkError):
        error = VenueUnavailable(f"{label}: not reachable now ({type(exc).__name__}): {said}")
    elif isinstance(exc, ccxt.OperationFailed):
        error = VenueUnavailable(f"{label}: could not tell whether it was done: {said}{tail}")
    elif isinstance(exc, ccxt.InsufficientFunds):
        error = InsufficientFunds(f"{label}: insufficient balance for this order{tail}")
    elif isinstance(exc, ccxt.OrderNotFound):
        error = OrderRejected(f"{label}: no such order on the exchange{tail}")
    elif isinstance(exc, ccxt.InvalidOrder):
        error = OrderRejected(f"{label}: order refused: {said}{tail}")
    elif isinstance(exc, ccxt.AuthenticationError):
        error = OrderRejected(
            f"{label}: the API key was refused: {said}{tail}; check the key, the secret, "
            "its trading permission and its IP allow-list"
        )
    elif isinstance(exc, ccxt.BaseError):
        error = OrderRejected(f"{label}: {said}{tail}")
    else:
        error = TradetermError(f"{label}: {redact(str(exc))}")
    return error


def is_not_found(exc: Any) -> bool:
    import ccxt

    return isinstance(exc, ccxt.OrderNotFound)


def outcome_unknown(exc: Any) -> bool:
    """The request may or may not have been carried out (no answer, a dropped link, the
    exchange's own "unable to process": Binance -1001): look it up before anything else."""
    import ccxt

    return isinstance(exc, ccxt.OperationFailed)


class Translated(Exception):
    """A ccxt error carried with its tradeterm translation inside the ccxt venue."""

    def __init__(self, original: Exception, error: TradetermError) -> None:
        super().__init__(str(error))
        self.original = original
        self.error = error


def is_ccxt(exc: Exception) -> bool:
    return type(exc).__module__.startswith("ccxt")
