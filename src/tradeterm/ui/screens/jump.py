"""Jump to a replay time: HH:MM[:SS], +30s / -5m from now, or a date-time, inside the session."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tradeterm.ui.widgets.lineinput import LineInput

NS = 1_000_000_000
ALLOWED = (
    "HH:MM or HH:MM:SS (UTC, on the session's day), +30s / -5m / +1h30m from the replay's "
    "now, or a date-time like 2026-01-01T10:30:00 (UTC unless it names a zone)"
)
_RELATIVE = re.compile(r"([+-])\s*((?:\d+(?:\.\d+)?\s*[hms]\s*)+)", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([hms])", re.IGNORECASE)
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")
_UNIT_NS = {"h": 3600 * NS, "m": 60 * NS, "s": NS}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_JUMP_NS = 100 * 366 * 86_400 * NS


def _brief(text: str) -> str:
    return repr(text if len(text) <= 24 else text[:20] + "…")


class JumpError(ValueError):
    """Input that is not a time, or a time outside the session; the text says what is allowed."""


def when_text(ts_ns: int, day: bool = True) -> str:
    """``2026-01-01 10:30:00`` (UTC), with milliseconds when they are not zero."""
    moment = _EPOCH + timedelta(microseconds=ts_ns // 1000)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if day else "%H:%M:%S")
    millis = ts_ns // 1_000_000 % 1000
    return f"{text}.{millis:03d}" if millis else text


def span_text(start_ns: int | None, end_ns: int | None) -> str:
    """How the session's span reads in messages: ``10:00:00 to 10:07:00 UTC on 2026-01-01``."""
    if start_ns is None and end_ns is None:
        return "the session's span is not known yet"
    if end_ns is None:
        return f"the session starts at {when_text(start_ns or 0)} UTC"
    if start_ns is None:
        return f"the session ends at {when_text(end_ns)} UTC"
    if when_text(start_ns)[:10] == when_text(end_ns)[:10]:
        return (
            f"the session runs from {when_text(start_ns, False)} to "
            f"{when_text(end_ns, False)} UTC on {when_text(start_ns)[:10]}"
        )
    return f"the session runs from {when_text(start_ns)} to {when_text(end_ns)} UTC"


def parse_jump(
    text: str, now_ns: int | None, start_ns: int | None = None, end_ns: int | None = None
) -> int:
    """The replay time (ns since the epoch) that ``text`` names.

    Args:
        text: ``HH:MM``, ``HH:MM:SS[.fff]``, ``+30s`` / ``-5m`` / ``+1h30m`` (relative to
            ``now_ns``) or an ISO date-time (naive means UTC).
        now_ns: the replay's clock, or None before it started.
        start_ns: the session's first message, when known.
        end_ns: the session's last message, when known.

    Raises:
        JumpError: the text is not one of those forms, or names a time outside the session.
    """
    raw = text.strip()
    if not raw:
        raise JumpError(f"type a time: {ALLOWED}")
    if match := _RELATIVE.fullmatch(raw):
        if now_ns is None:
            raise JumpError("the replay has not started, so there is no now: give a time of day")
        parts = [(Decimal(n), u.lower()) for n, u in _PART.findall(match[2])]
        if any(n > _MAX_JUMP_NS for n, _ in parts) or (
            (amount := sum(n * _UNIT_NS[u] for n, u in parts)) > _MAX_JUMP_NS
        ):
            raise JumpError(f"{_brief(raw)} is too far: a jump goes at most 100 years either way")
        target = now_ns + (1 if match[1] == "+" else -1) * int(amount)
    elif match := _TIME_OF_DAY.fullmatch(raw):
        target = _time_of_day(raw, match, now_ns, start_ns, end_ns)
    elif re.fullmatch(r"[+-]\s*\d+(?:\.\d+)?", raw):
        raise JumpError(f"{raw!r} needs a unit: s, m or h (e.g. {raw}s); allowed: {ALLOWED}")
    else:
        target = _date_time(raw)
    if (start_ns is not None and target < start_ns) or (end_ns is not None and target > end_ns):
        raise JumpError(
            f"{when_text(target)} UTC is outside the session: {span_text(start_ns, end_ns)}; "
            "pick a time inside it"
        )
    return target


def _time_of_day(
    raw: str, match: re.Match[str], now_ns: int | None, start_ns: int | None, end_ns: int | None
) -> int:
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise JumpError(f"{raw!r} is not a time of day; allowed: {ALLOWED}")
    reference = now_ns if now_ns is not None else start_ns if start_ns is not None else end_ns
    if reference is None:
        raise JumpError("the session's date is not known yet: give a date-time, e.g. "
                        "2026-01-01T10:30:00")  # fmt: skip
    offset = ((hour * 60 + minute) * 60 + second) * NS + int((match[4] or "0").ljust(9, "0"))
    days = {_day(reference) + timedelta(days=d) for d in (-1, 0, 1)}
    if start_ns is not None and end_ns is not None:
        first, last = _day(start_ns), _day(end_ns)
        days |= {first + timedelta(days=d) for d in range((last - first).days + 1)}
    candidates = [_day_ns(day) + offset for day in days]
    inside = [
        c
        for c in candidates
        if (start_ns is None or c >= start_ns) and (end_ns is None or c <= end_ns)
    ]
    if not inside:  # report it on the reference's day, where the user most likely meant
        return _day_ns(_day(reference)) + offset
    return min(inside, key=lambda c: abs(c - reference))


def _date_time(raw: str) -> int:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise JumpError(f"can't read {raw!r} as a time; allowed: {ALLOWED}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1000


def _day(ts_ns: int) -> date:
    return (_EPOCH + timedelta(seconds=ts_ns // NS)).date()


def _day_ns(day: date) -> int:
    return (day - _EPOCH.date()).days * 86_400 * NS


class JumpScreen(ModalScreen[int | None]):
    """Asks for a time; dismisses with the target ts_ns, or None on Esc."""

    DEFAULT_CSS = """
    JumpScreen {
        align: center middle;
        background: $background 60%;
    }
    #jump-box {
        width: 64;
        max-width: 95%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #jump-hint {
        color: $text-muted;
    }
    #jump-error {
        color: $error;
        height: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="jump.cancel"),
    ]

    def __init__(
        self, now_ns: int | None, start_ns: int | None = None, end_ns: int | None = None
    ) -> None:
        super().__init__()
        self.now_ns = now_ns
        self.start_ns = start_ns
        self.end_ns = end_ns

    def compose(self) -> ComposeResult:
        now = "not started" if self.now_ns is None else f"{when_text(self.now_ns)} UTC"
        with Vertical(id="jump-box") as box:
            box.border_title = "Jump to — enter to go, esc to cancel"
            yield Static(
                f"Now {now}; {span_text(self.start_ns, self.end_ns)}.\n"
                "Type 10:30, 10:30:15, +30s, -5m, +1h or 2026-01-01T10:30:00.",
                id="jump-hint",
                markup=False,
            )
            yield LineInput(placeholder="time, e.g. +30s or 10:30", id="jump-input")
            yield Static("", id="jump-error", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))  # before the next key is handed out

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        try:
            target = parse_jump(event.value, self.now_ns, self.start_ns, self.end_ns)
        except JumpError as exc:
            self.query_one("#jump-error", Static).update(str(exc))
            return
        self.dismiss(target)

    @on(Input.Changed)
    def _clear(self) -> None:
        self.query_one("#jump-error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)
