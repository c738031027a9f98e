"""The orders pane's rows for execution algorithms: one row per TWAP/VWAP parent, with its
progress (share done, children sent of all, time left); its children are not listed."""

from __future__ import annotations

from tradeterm.domain.enums import Side
from tradeterm.domain.market import Market
from tradeterm.engine.algos import NS, AlgoOrder, AlgoState
from tradeterm.ui.cmdalgo import duration_text
from tradeterm.ui.format import fmt_qty
from tradeterm.ui.palette import role
from tradeterm.ui.widgets.table import Row

_bid, _ask, _accent = role("bid"), role("ask"), role("accent")


def progress_text(algo: AlgoOrder, now_ns: int) -> str:
    """``12/60 4m10s left`` while it runs; its end state after."""
    sent = f"{algo.sent}/{len(algo.slices)}"
    if algo.state is not AlgoState.RUNNING:
        return f"{sent} {algo.state.value}"
    end_ns = algo.start_ns + int(algo.duration_s * NS)
    return f"{sent} {duration_text(max(0, end_ns - now_ns) / NS)} left"


def algo_row(algo: AlgoOrder, market: Market | None, now_ns: int) -> Row:
    """One parent: ID, SYMBOL, SIDE, TYPE (twap/vwap), PRICE (market), TRIGGER (children
    and time left), QTY (target), STATUS (percent done), FILLED, QUEUE, TAG."""
    qty_places = market.qty_places if market else 8
    side = _bid if algo.order.side is Side.BUY else _ask
    target = f"${algo.target:,}" if algo.in_quote else fmt_qty(algo.target, qty_places, 8)
    percent = f"{algo.progress * 100:.0f}%"
    progress = progress_text(algo, now_ns)
    return Row(
        algo.id,
        (
            algo.id,
            algo.order.symbol,
            algo.order.side.value,
            algo.kind,
            "market",
            progress,
            target,
            percent,
            fmt_qty(algo.filled, qty_places, 8),
            "—",
            "algo",
        ),
        (
            algo.start_ns,
            algo.order.symbol,
            algo.order.side.value,
            algo.kind,
            None,
            None,
            algo.target,
            percent,
            algo.filled,
            None,
            "algo",
        ),
        (_accent, None, side, _accent, side, None, None, None),
    )
