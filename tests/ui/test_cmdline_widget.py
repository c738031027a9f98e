"""The command line widget: Enter hands the typed text to its owner's ``on_submit`` in the key's
own turn (or posts ``Submitted`` when no owner set one), and ``accept`` closes it, so that the
next ``open`` shows only what it is given, with no old error under it."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.trading_kit import until
from tradeterm.ui.widgets.cmdline import CommandLine


class LineApp(App[None]):
    """A bare app with a command line; records what reaches it."""

    def __init__(self, *, direct: bool) -> None:
        super().__init__()
        self.line = CommandLine(id="cmdline")
        self.ran: list[tuple[str, str]] = []
        """Each line handed to ``on_submit``, with what the input held at that moment."""
        self.posted: list[str] = []
        if direct:
            self.line.on_submit = self.run_line

    def compose(self) -> ComposeResult:
        yield self.line

    def run_line(self, text: str) -> None:
        self.ran.append((text, self.line.input.value))
        if text.startswith("bad"):
            self.line.fail("not a command", 0, "buy|sell QTY")
        else:
            self.line.accept(text)

    def on_command_line_submitted(self, event: CommandLine.Submitted) -> None:
        self.posted.append(event.text)


def burst(app: App[None], keys: str, *then: str) -> None:
    """Queue characters then key names at once, as one read of the terminal."""
    for key in keys:
        app.post_message(events.Key(key, key))
    for name in then:
        app.post_message(events.Key(name, "\r" if name == "enter" else None))


async def test_enter_hands_the_text_to_on_submit_before_the_next_key_and_posts_nothing() -> None:
    app = LineApp(direct=True)
    async with app.run_test() as pilot:
        app.line.open()
        burst(app, "buy", "enter")
        burst(app, "x")
        await until(pilot, lambda: app.ran != [])
        await pilot.pause()
        # run with exactly what was typed before Enter, while the input still held just that
        assert app.ran == [("buy", "buy")]
        assert app.posted == []
        assert not app.line.is_open and app.line.history == ["buy"]


async def test_without_on_submit_the_line_posts_submitted() -> None:
    app = LineApp(direct=False)
    async with app.run_test() as pilot:
        app.line.open("sell 1")
        await pilot.press("enter")
        await until(pilot, lambda: app.posted != [])
        assert app.posted == ["sell 1"]
        assert app.ran == []
        assert app.line.is_open  # nobody accepted it


async def test_a_refused_line_keeps_its_error_until_a_line_is_accepted_and_reopened() -> None:
    app = LineApp(direct=True)
    async with app.run_test() as pilot:
        error = app.query_one("#cmd-error", Static)
        app.line.open("bad words")
        await pilot.press("enter")
        assert app.line.is_open and app.line.error_text == "not a command"
        assert error.display and "not a command" in str(error.content)
        app.line.open("buy 2")  # opened again over the refusal: the error goes
        assert not error.display and app.line.error_text == ""
        await pilot.press("enter")
        assert not app.line.is_open and app.line.history == ["buy 2"]
        app.line.open()
        assert app.line.input.value == "" and app.line.input.cursor_position == 0
        assert not error.display and app.line.error_text == ""
        await pilot.press("up")
        assert app.line.input.value == "buy 2"
