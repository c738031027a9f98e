"""The workstation on a replay: playback keys and bar, jump to a time, the session report.

Keys (each with an id, remappable): space plays/pauses, ``.`` steps one event,
``}`` / ``{`` go faster / slower (0.25x ... 100x, then as fast as possible), ``g``
jumps to a time, ``R`` shows the session report. When the replay ends, the
report is shown and saved as JSON beside the first file replayed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual.binding import Binding, BindingType

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.engine import Engine
from tradeterm.engine.logbook import LogBook
from tradeterm.engine.session_capture import SessionCapture
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.workstation import Chrome, WorkstationScreen
from tradeterm.ui.session import Session
from tradeterm.ui.widgets.playback import PlaybackBar, ReplayProgress

if TYPE_CHECKING:
    from tradeterm.ui.workstation import Workstation

log = logging.getLogger("tradeterm.ui")

SPEEDS: tuple[float | None, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 25.0, 100.0, None)

REPLAY_BINDINGS: list[Binding] = [
    Binding("space", "toggle_play", "Play/pause", id="replay.play", key_display="␣"),
    Binding("full_stop", "step", "Step", id="replay.step", key_display="."),
    Binding("left_curly_bracket", "speed(-1)", "Slower", id="replay.slower", key_display="{"),
    Binding("right_curly_bracket", "speed(1)", "Faster", id="replay.faster", key_display="}"),
    Binding("g", "jump", "Jump", id="replay.jump"),
    Binding("R", "report", "Report", id="replay.report"),
]
#: Like the workstation's keys, they act as the app takes them (see ``ui/keys.py``).
REPLAY_BINDINGS = [replace(binding, priority=True) for binding in REPLAY_BINDINGS]
REPLAY_ACTIONS = frozenset({"toggle_play", "step", "speed", "jump", "report"})


class Playback(Protocol):
    """The controls a replay feed offers (the replay venue implements them)."""

    paused: bool

    @property
    def speed(self) -> float | None: ...
    @speed.setter
    def speed(self, value: float | None) -> None: ...
    @property
    def finished(self) -> bool: ...
    @property
    def progress(self) -> ReplayProgress: ...

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def step(self) -> int: ...
    def seek(self, ts_ns: int) -> None: ...


class ReplayApp(TradetermApp):
    """TradetermApp plus the replay's controls. Practice orders trade against the replayed
    book through the paper venue, queue position included."""

    BINDINGS: ClassVar[list[BindingType]] = [*TradetermApp.BINDINGS, *REPLAY_BINDINGS]
    HELP_SECTIONS: ClassVar[list[tuple[str, list[Binding]]]] = [("Replay", REPLAY_BINDINGS)]

    def __init__(
        self,
        engine: Engine,
        logbook: LogBook,
        playback: Playback,
        capture: SessionCapture,
        recordings: Sequence[Path],
        **options: Any,
    ) -> None:
        super().__init__(Session(engine, logbook), **options)
        self.playback = playback
        self.capture = capture
        self.recordings = list(recordings)
        self.bar = PlaybackBar(id="playback")
        self.reported = False

    def workstation_screen(
        self, chrome: Chrome, workstation: Workstation | None
    ) -> WorkstationScreen:
        return WorkstationScreen(chrome, workstation, bars=[self.bar])

    async def on_mount(self) -> None:  # Textual calls TradetermApp.on_mount too
        self.set_interval(0.25, self._tick, name="playback")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if len(self.screen_stack) > 1 and action in REPLAY_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def _tick(self) -> None:
        playback = self.playback
        self.bar.show(playback.progress, playback.paused, playback.speed, playback.finished)
        if playback.finished and not self.reported:
            self.reported = True
            self.action_report(save=True)

    # --- actions --------------------------------------------------------------------

    def action_toggle_play(self) -> None:
        playback = self.playback
        if playback.finished:
            self.notify("the replay has ended; g jumps back to a time", timeout=3)
        elif playback.paused:
            playback.resume()
        else:
            playback.pause()
        self._tick()

    def action_step(self) -> None:
        try:
            events = self.playback.step()
        except TradetermError as exc:
            self.notify(str(exc), severity="warning")
            return
        if not events:
            self.notify("the replay has ended", timeout=2)
        self._tick()

    def action_speed(self, direction: int) -> None:
        current = self.playback.speed
        index = SPEEDS.index(current) if current in SPEEDS else SPEEDS.index(1.0)
        chosen = SPEEDS[max(0, min(len(SPEEDS) - 1, index + direction))]
        self.playback.speed = chosen
        self.notify("as fast as possible" if chosen is None else f"{chosen:g}x", timeout=1.5)
        self._tick()

    def action_jump(self) -> None:
        from tradeterm.ui.screens.jump import JumpScreen

        progress = self.playback.progress

        def chosen(target: int | None) -> None:
            if target is None:
                return
            if progress.now_ns is not None and target < progress.now_ns:
                self.capture.drop_after(target)
                self.reported = False
            self.playback.seek(target)

        self.push_screen(JumpScreen(progress.now_ns, progress.start_ns, progress.end_ns), chosen)

    def action_report(self, save: bool = False) -> None:
        from tradeterm.analysis.session_report import build_report, mids_at_send
        from tradeterm.ui.screens.report import ReportScreen

        progress = self.playback.progress
        orders = [o for a in self.engine.state.accounts.values() for o in a.orders.values()]
        report = build_report(
            self.capture.fills,
            mids_at_send(orders),
            self.capture.paths,
            self.capture.marks(),
            start_ns=progress.start_ns,
            end_ns=progress.now_ns,
        )
        target = self.recordings[0] if self.recordings else None

        def save_report() -> Path:
            if target is None:
                raise OSError("no recording to save the report beside")
            return report.save_beside(target)

        if save and target is not None:
            try:
                path = save_report()
                log.info("session report saved to %s", path)
                self.notify(f"session report saved to {path}", timeout=6)
            except OSError as exc:
                log.warning("session report not saved: %s", exc)
                self.notify(f"session report not saved: {exc}", severity="warning")
        self.push_screen(
            ReportScreen(
                report, save=save_report if target else None, title=_title(self.recordings)
            )
        )


def _title(paths: Iterable[Path]) -> str:
    names = [p.name for p in paths]
    return "session report: " + (", ".join(names[:2]) + (" ..." if len(names) > 2 else ""))
