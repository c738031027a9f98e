"""The command line's live-trading words: ``arm [NAME]``, ``disarm``, ``kill [flatten]``,
``reconcile``."""

from __future__ import annotations

from dataclasses import dataclass

from tradeterm.domain.commands import Arm, Disarm, Kill
from tradeterm.ui.cmdwords import Reader

LIVE_FORMS = {
    "arm": "arm [NAME] (type the live account's name to arm it)",
    "disarm": "disarm (no new order reaches the exchange; cancels still do)",
    "kill": "kill [flatten] (cancel every open order on every account; flatten also closes "
    "every position at market)",
    "reconcile": "reconcile (compare the live account's ledger with its exchange)",
}


@dataclass(frozen=True, slots=True)
class AskArm:
    """Open the dialog that asks for the active account's name."""


@dataclass(frozen=True, slots=True)
class AskKill:
    """Ask once, then ``Kill(flatten)``."""

    flatten: bool = False


@dataclass(frozen=True, slots=True)
class AskReconcile:
    """Compare the active live account with its exchange and show the differences."""


LiveCommand = Arm | Disarm | Kill | AskArm | AskKill | AskReconcile


def parse_live_command(reader: Reader, verb: str) -> LiveCommand:
    """``arm [NAME]``, ``disarm``, ``kill [flatten]``; raises CommandError naming the form."""
    if verb == "arm":
        rest = reader.tokens[1:]
        if not rest:
            return AskArm()
        name = reader.take("the account's name")
        reader.done()
        return Arm(name.text)
    if verb == "kill":
        flatten = len(reader.tokens) > 1 and reader.tokens[1].word == "flatten"
        if flatten:
            reader.take("flatten")
        reader.done()
        return AskKill(flatten)
    reader.done()
    if verb == "reconcile":
        return AskReconcile()
    return Disarm()
