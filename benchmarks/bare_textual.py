"""The yardstick for start-up: a bare Textual app with one line of text (issue 2 quotes its
first frame as about 0.25 s on the reference machine). Run by ``bench_app.py``."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Order book")


if __name__ == "__main__":
    Bare().run()
