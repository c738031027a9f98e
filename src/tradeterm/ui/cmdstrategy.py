"""The command line's strategy words: ``strategy start|pause|resume|stop NAME``, ``strategies``."""

from __future__ import annotations

from dataclasses import dataclass

from tradeterm.ui.cmdwords import Reader, suggest

STRATEGY_FORMS = {
    "strategy": "strategy start|pause|resume|stop NAME (stop NAME cancel|keep: its orders)",
    "strategies": "strategies (shows the strategies pane)",
}
_ACTIONS = ("start", "pause", "resume", "stop")
_STOP_WORDS = {"cancel": True, "keep": False}


@dataclass(frozen=True, slots=True)
class StrategyAction:
    """Start a ``[[strategies]]`` entry, or pause, resume or stop a started strategy;
    ``cancel`` None: a stop asks about its open orders."""

    action: str
    name: str
    cancel: bool | None = None


@dataclass(frozen=True, slots=True)
class ShowStrategies:
    """Show the strategies pane."""


def parse_strategy_command(reader: Reader, verb: str) -> StrategyAction | ShowStrategies:
    """Raises CommandError naming the form and what was expected."""
    if verb == "strategies":
        reader.done()
        return ShowStrategies()
    token = reader.take("start, pause, resume or stop")
    if token.word not in _ACTIONS:
        hint = suggest(token.text, list(_ACTIONS))
        raise reader.error(f"{token.text!r} is not start, pause, resume or stop{hint}", token)
    name = reader.take("the strategy's name (the strategies pane lists them)")
    cancel: bool | None = None
    if token.word == "stop" and reader.peek() is not None:
        word = reader.take("cancel or keep")
        if word.word not in _STOP_WORDS:
            raise reader.error(f"{word.text!r}: say cancel (its orders) or keep", word)
        cancel = _STOP_WORDS[word.word]
    reader.done()
    return StrategyAction(token.word, name.text, cancel)
