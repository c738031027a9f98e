"""Desktop notification escapes, byte for byte, and delivery to a real pty."""

from __future__ import annotations

import os
import pty

from tradeterm.ui.notify import TerminalNotifier, notification, osc9, osc777, tmux_passthrough


def test_sequences_byte_for_byte() -> None:
    assert osc9("BTC/USDT > 70000") == "\x1b]9;BTC/USDT > 70000\x07"
    assert (
        osc777("tradeterm", "BTC/USDT > 70000") == "\x1b]777;notify;tradeterm;BTC/USDT > 70000\x07"
    )


def test_control_characters_cannot_end_or_forge_a_sequence() -> None:
    assert osc9("a\x07b\x1bc") == "\x1b]9;a b c\x07"
    assert osc777("t;x", "b;y\n") == "\x1b]777;notify;t,x;b,y \x07"


def test_tmux_passthrough_doubles_every_escape() -> None:
    inner = osc9("hi")
    assert tmux_passthrough(inner) == "\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
    wrapped = notification("t", "b", in_tmux=True)
    assert wrapped.count("\x1bPtmux;") == 2
    assert notification("t", "b", in_tmux=False) == osc9("t: b") + osc777("t", "b")


def test_notifier_writes_to_a_terminal_and_rings() -> None:
    master, slave = pty.openpty()
    try:
        notifier = TerminalNotifier(os.ttyname(slave), env={"TMUX": "/tmp/tmux-0/default,1,0"})
        assert notifier.notify("tradeterm", "ETH/USDT rsi < 25")
        got = os.read(master, 4096).decode()
        assert got == notification("tradeterm", "ETH/USDT rsi < 25", in_tmux=True) + "\x07"
    finally:
        os.close(master)
        os.close(slave)


def test_no_terminal_is_reported_once_not_raised(caplog) -> None:  # type: ignore[no-untyped-def]
    notifier = TerminalNotifier("/nonexistent/tty", env={})
    assert not notifier.notify("t", "b")
    assert not notifier.notify("t", "b")
    assert caplog.text.count("desktop notifications off") == 1
