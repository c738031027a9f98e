"""Logging: the in-memory log book for the log pane and a rotating file in the data directory."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

from tradeterm.engine.logbook import LogBook

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def setup_logging(
    log_dir: Path | None, level: str, now_ns: Callable[[], int] | None = None
) -> LogBook:
    """Route the ``tradeterm`` logger to a LogBook (returned) and, if given, a rotating file.

    Nothing goes to the terminal: the workstation owns the screen.
    """
    quiet_ccxt()
    logger = logging.getLogger("tradeterm")
    logger.setLevel(LEVELS[level])
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    book = LogBook(now_ns)
    logger.addHandler(book)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir / "tradeterm.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        )
        logger.addHandler(file_handler)
    return book


def quiet_ccxt() -> None:
    """ccxt logs every request's headers, the API key among them, at DEBUG: its logger passes
    on warnings and errors only, wherever a handler may be listening (a user's root logger)."""
    logging.getLogger("ccxt").setLevel(logging.WARNING)
