"""Runs ``:backtest`` on the workstation: the active instrument's candles, a vectorised backtest
in a worker thread (the UI keeps drawing), then the report screen; refusals are shown, not
raised."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.host import Notifies, Screens, Works

if TYPE_CHECKING:
    from tradeterm.analysis.backtest.report import Report
    from tradeterm.domain.market_data import Candle
    from tradeterm.engine.engine import Engine
    from tradeterm.ui.cmdbacktest import RunBacktest

log = logging.getLogger("tradeterm.ui.backtest")

WORKER_GROUP = "backtest"


class BacktestHost(Notifies, Screens, Works, Protocol):
    """What ``:backtest`` uses of the workstation: the engine's candles, a worker to run in,
    toasts, and the report screen to push."""

    @property
    def engine(self) -> Engine: ...


def start_backtest(app: BacktestHost, command: RunBacktest) -> None:
    """Copy the active instrument's candles (on the event loop, where the engine writes them)
    and backtest them in a worker named ``backtest``; the screen opens when it is done."""
    state = app.engine.state
    inst = state.active
    where = state.label(inst)
    candles = list(state.candles.get(inst, ()))
    market = state.markets.get(inst)
    if len(candles) < 2 or market is None:
        app.notify(f"backtest: no candles of {where} yet; wait for the feed", severity="warning")
        return
    app.notify(f"backtest {command.strategy} on {len(candles)} candles of {where}…", timeout=3)
    job = _run(app, command, candles, where, market.price_places, market.qty_places)
    app.run_worker(job, name="backtest", group=WORKER_GROUP, exit_on_error=False)


async def _run(
    app: BacktestHost,
    command: RunBacktest,
    candles: list[Candle],
    where: str,
    price_places: int,
    qty_places: int,
) -> None:
    from tradeterm.ui.screens.backtest import BacktestScreen

    try:
        report = await asyncio.to_thread(backtest, command, candles, where)
    except TradetermError as exc:
        log.warning("backtest %s: %s", command.words(), exc)
        app.notify(f"backtest: {exc}", severity="warning", timeout=6)
        return
    log.info(
        "backtest %s on %s: %d trades, return %.4f",
        command.words(),
        where,
        report.num_trades,
        report.total_return,
    )
    await app.push_screen(BacktestScreen(report, where, price_places, qty_places))


def backtest(command: RunBacktest, candles: list[Candle], where: str) -> Report:
    """The vectorised backtest of ``command`` on ``candles`` (safe in a worker thread).

    Raises:
        TradetermError: the candles or the parameters are refused; the message says why.
    """
    from tradeterm.analysis.backtest.candles import from_store
    from tradeterm.analysis.backtest.runner import run_vectorised
    from tradeterm.analysis.backtest.signals import parse_params

    params = parse_params(command.strategy, dict(command.params))
    frame = from_store(candles, f"candles of {where}")
    return run_vectorised(frame, command.strategy, params, fee=command.fee)
