"""A replay session: several capture or recording files read as one time-ordered stream of messages.

Files are merged by receive time (a file that continues another, like a second
day of the same capture, simply follows it), each message goes to its file's
decoder, and the decoders rebuild one state per symbol shared by all files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from tradeterm.domain.errors import DataError
from tradeterm.venues.replay.binance_decoder import BinanceDecoder, Route
from tradeterm.venues.replay.files import Format, Issue, Item, Source, resolve_sources
from tradeterm.venues.replay.kraken import KrakenDecoder
from tradeterm.venues.replay.lines import bad_message, iter_source, merge, source_chunks
from tradeterm.venues.replay.recorded import ExecutionHandler, RecordingDecoder
from tradeterm.venues.replay.state import Context, SymbolState, unified_symbol

DECODE_ERRORS = (ValueError, KeyError, TypeError, IndexError, AttributeError)

Handler = Callable[[int, int, int, Any], None]
_NEVER = 1 << 63


class Session:
    """The files of one replay and the symbol states rebuilt from them.

    Args:
        paths: capture or recording files, in any order (a cryptofeed Binance
            ``.ws.`` file brings its ``.http.`` snapshot file along).
        venue: the venue name put on feed-state events.
        market_data: also build trades, candles and tickers (a feed does; verify does not).
        scan: only find symbols, first snapshots and times (fast).

    Raises:
        DataError: a file is missing, unreadable or not a capture.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        venue: str = "replay",
        market_data: bool = False,
        scan: bool = False,
    ) -> None:
        self.sources, issues = resolve_sources(paths)
        self.ctx = Context(
            [s.name for s in self.sources], venue, market_data=market_data, scan=scan
        )
        self.ctx.issues.extend(issues)
        self.states: dict[str, SymbolState] = {}
        self.messages = 0
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.on_execution: ExecutionHandler | None = None
        self._routes: list[dict[str, Route]] = []
        """Per source, the routes of its pre-read lines by stream (``steps``); empty for a
        source whose lines are not pre-read."""
        self._handlers: list[Handler] = [self._handler(s, i) for i, s in enumerate(self.sources)]

    @property
    def issues(self) -> list[Issue]:
        return self.ctx.issues

    def _handler(self, source: Source, index: int) -> Handler:
        self._routes.append({})
        if source.format is Format.RECORDING:
            venue = str(source.header.get("venue", "recording"))
            decoder = RecordingDecoder(self.ctx, venue, self._book_for, lambda: self.on_execution)
            return decoder.handle
        stream: Handler
        rest: Handler
        if source.exchange == "kraken":
            kraken = KrakenDecoder(self.ctx, self._book_for)
            stream, rest = kraken.handle, kraken.handle_http
        else:
            binance = BinanceDecoder(self.ctx, source.exchange, self._book_for, index)
            stream, rest = binance.handle, binance.handle_http
            if source.format is Format.HFTBACKTEST:
                self._routes[index] = binance.routes
        if source.format is Format.CRYPTOFEED_HTTP:
            return rest
        if source.format is Format.CRYPTOFEED_WS:
            return _stream_or_rest(stream, rest)
        return stream

    def _book_for(
        self, kind: type[SymbolState], exchange: str, exchange_symbol: str, ts: int
    ) -> SymbolState:
        key = unified_symbol(exchange, exchange_symbol)
        state = self.states.get(key)
        if state is None:
            state = self.states[key] = kind(self.ctx, exchange, exchange_symbol)
            state.first_ts = state.last_ts = ts
        elif type(state) is not kind:
            raise DataError(
                f"{key} appears both in {state.exchange} data and in {exchange} data of a "
                "different kind; replay them separately"
            )
        return state

    def items(self) -> Iterator[Item]:
        """Every message of every file, ordered by receive time (file order breaks ties)."""
        issues, keep = self.ctx.issues, self.ctx.scan  # (a scan keeps what it read for the play)
        if len(self.sources) == 1:
            return iter_source(self.sources[0], 0, issues, keep)
        streams = [source_chunks(s, i, issues, keep) for i, s in enumerate(self.sources)]
        return chain.from_iterable(merge(streams))

    def process(self, item: Item) -> None:
        """Apply one message; a message that cannot be decoded is reported and skipped."""
        ts, src, line, body = item
        self.messages += 1
        if self.first_ts is None:
            self.first_ts = ts
        self.last_ts = ts
        try:
            self._handlers[src](ts, src, line, body)
        except DECODE_ERRORS as exc:
            bad_message(self.ctx.issues, self.ctx.names[src], line, exc)

    def timeline(self) -> Iterator[int]:
        """Every message's receive time, yielded just before the message is applied (when the
        iterator is advanced again): how the deterministic driver steps a session."""
        return self.steps(self.items())

    def steps(
        self, items: Iterable[Item], tick: Callable[[int], int] | None = None, tick_ns: int = 0
    ) -> Iterator[int]:
        """``items``' receive times, each yielded just before its message is applied (when the
        iterator is advanced again); after a message at or past ``tick_ns``, ``tick(ts)``
        runs and returns the next such time.

        A message the C reader pre-read (a ``(stream, value, text)`` body of an hftbacktest
        line) goes straight to its stream's handler once the decoder has chosen one: one
        call a message instead of three (``process``, the decoder's ``handle``, the route).
        """
        handlers, routes = self._handlers, self._routes
        issues, names = self.ctx.issues, self.ctx.names
        next_tick = tick_ns if tick is not None else _NEVER
        for ts, src, line, body in items:
            yield ts
            self.messages += 1
            if self.first_ts is None:
                self.first_ts = ts
            self.last_ts = ts
            try:
                if body.__class__ is tuple and (route := routes[src].get(body[0])) is not None:
                    route(ts, src, line, body[1], body[2])
                else:
                    handlers[src](ts, src, line, body)
            except DECODE_ERRORS as exc:
                bad_message(issues, names[src], line, exc)
            if ts >= next_tick:
                assert tick is not None
                next_tick = tick(ts)

    def run(self) -> None:
        """Read everything, as fast as possible."""
        for _ in self.timeline():
            pass


def _stream_or_rest(stream: Handler, rest: Handler) -> Handler:
    """A cryptofeed capture's lines: stream messages, and REST answers written inline
    (which ``iter_source`` gives as ``(URL, body)`` pairs)."""

    def handle(ts: int, src: int, line: int, body: Any) -> None:
        if body.__class__ is tuple:
            rest(ts, src, line, body)
        else:
            stream(ts, src, line, body)

    return handle
