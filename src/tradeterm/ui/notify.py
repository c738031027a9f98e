"""Desktop notifications from the terminal: OSC 9 and OSC 777, passed through tmux.

OSC 9 (``ESC ] 9 ; text BEL``) is understood by iTerm2, Windows Terminal, kitty,
WezTerm and ConEmu; OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``) by
rxvt-unicode, foot, Ghostty and VTE terminals; a terminal that knows neither
ignores both. Inside tmux the sequences are wrapped for passthrough
(``ESC P tmux; ... ESC \\`` with each ESC doubled), which tmux 3.3+ forwards when
``set -g allow-passthrough on``.

The sequences are written to ``/dev/tty`` in one write: Textual offers no public
way to send raw output, and a whole small write never splits a frame's escapes.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

log = logging.getLogger("tradeterm.ui")

ESC = "\x1b"
BEL = "\x07"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str, *, field: bool = False) -> str:
    """Drop control characters (they would end or forge a sequence); in OSC 777 fields
    also the ``;`` that separates them."""
    text = _UNSAFE.sub(" ", text)
    return text.replace(";", ",") if field else text


def osc9(message: str) -> str:
    return f"{ESC}]9;{clean(message)}{BEL}"


def osc777(title: str, body: str) -> str:
    return f"{ESC}]777;notify;{clean(title, field=True)};{clean(body, field=True)}{BEL}"


def tmux_passthrough(sequence: str) -> str:
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def notification(title: str, body: str, *, in_tmux: bool) -> str:
    """Both sequences, each wrapped for tmux when running inside it."""
    sequences = [osc9(f"{title}: {body}"), osc777(title, body)]
    if in_tmux:
        sequences = [tmux_passthrough(s) for s in sequences]
    return "".join(sequences)


class TerminalNotifier:
    """Sends desktop notifications (and the bell) to the controlling terminal."""

    def __init__(self, tty: str = "/dev/tty", env: Mapping[str, str] | None = None) -> None:
        self.tty = tty
        self.in_tmux = bool((env if env is not None else os.environ).get("TMUX"))
        self._warned = False

    def notify(self, title: str, body: str, *, bell: bool = True) -> bool:
        """Write the notification; returns False (and logs once) when there is no terminal."""
        payload = notification(title, body, in_tmux=self.in_tmux) + (BEL if bell else "")
        try:
            fd = os.open(self.tty, os.O_WRONLY | os.O_NOCTTY)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("desktop notifications off: cannot open %s (%s)", self.tty, exc)
            return False
        try:
            os.write(fd, payload.encode("utf-8"))
        finally:
            os.close(fd)
        return True
