"""The command line's ``backtest [STRATEGY] [NAME=VALUE ...] [fee=RATE]`` word, checked as typed
(no strategy named: ``sma_cross``, the reference one)."""

from __future__ import annotations

from dataclasses import dataclass

from tradeterm.domain.errors import ConfigError
from tradeterm.ui.cmdwords import Reader, suggest

BACKTEST_FORMS = {
    "backtest": "backtest [STRATEGY] [NAME=VALUE ...] [fee=RATE] (on the active symbol's "
    "candles, e.g. backtest sma_cross fast=10 slow=30)",
}
DEFAULT_FEE = 0.001
DEFAULT_STRATEGY = "sma_cross"


@dataclass(frozen=True, slots=True)
class RunBacktest:
    """Backtest ``strategy`` with ``params`` (name, value text) on the active instrument's
    candles, vectorised, with ``fee`` as the fee rate."""

    strategy: str
    params: tuple[tuple[str, str], ...] = ()
    fee: float = DEFAULT_FEE

    def words(self) -> str:
        """The command in canonical words."""
        parts = ["backtest", self.strategy, *(f"{k}={v}" for k, v in self.params)]
        return " ".join(parts + ([f"fee={self.fee:g}"] if self.fee != DEFAULT_FEE else []))


def parse_backtest_command(reader: Reader) -> RunBacktest:
    """Raises CommandError naming the word that is wrong and what is allowed. The analysis
    code (numpy) is imported only when a backtest is typed."""
    from tradeterm.analysis.backtest.runner import check_fee
    from tradeterm.analysis.backtest.signals import VECTORISED, parse_params

    first = reader.peek()
    if first is None or "=" in first.text:  # no strategy named: the reference one
        strategy = DEFAULT_STRATEGY
    else:
        token = reader.take("a strategy")
        strategy = token.word
    if strategy not in VECTORISED:
        hint = suggest(token.text, sorted(VECTORISED))
        raise reader.error(
            f"{token.text!r} has no vectorised backtest here (the workstation runs "
            f"{', '.join(sorted(VECTORISED))}; others: tradeterm backtest --mode event){hint}",
            token,
        )
    params: dict[str, str] = {}
    fee = DEFAULT_FEE
    while (word := reader.peek()) is not None:
        reader.take("NAME=VALUE")
        name, sep, value = word.text.partition("=")
        if not sep or not name or not value:
            raise reader.error(f"{word.text!r} is not NAME=VALUE, e.g. fast=10", word)
        if name.lower() == "fee":
            try:
                fee = check_fee(float(value))
            except (ValueError, ConfigError):
                problem = f"fee {value!r}: give a rate from 0 to 0.1, e.g. 0.001"
                raise reader.error(problem, word) from None
        elif name in params:
            raise reader.error(f"{name} is given twice ({params[name]} and {value})", word)
        else:
            params[name] = value
    try:
        parse_params(strategy, params)
    except ConfigError as exc:
        raise reader.error(str(exc)) from None
    return RunBacktest(strategy, tuple(params.items()), fee)
