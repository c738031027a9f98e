"""Run tradeterm in a real pseudo-terminal and measure it from outside (Linux /proc)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def tradeterm_env(home: str) -> dict[str, str]:
    """The environment a measured start runs in: a 256-colour terminal, fresh config and data
    directories under ``home``, and bytecode caches allowed whatever the caller's
    environment says (after the first start the figures are those of a user's later
    starts)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        TERM="xterm-256color",
        COLORTERM="",
        TRADETERM_CONFIG_DIR=str(Path(home) / "config"),
        TRADETERM_DATA_DIR=str(Path(home) / "data"),
    )
    return env


class TerminalRun:
    """``tradeterm`` (or ``script``, a Python file) in a pty of the given size, with its output
    drained and searchable; a context manager that closes it."""

    def __init__(
        self, args: list[str], cols: int = 120, rows: int = 40, script: Path | None = None
    ) -> None:
        self.home = tempfile.mkdtemp(prefix="tradeterm-bench-")
        env = tradeterm_env(self.home)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, *([str(script)] if script else ["-m", "tradeterm"]), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self.seen: dict[bytes, float] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            with self._lock:
                self.output += chunk
                for needle in list(self.seen):
                    if self.seen[needle] < 0 and needle in self.output:
                        self.seen[needle] = now

    def wait_for(self, needle: bytes, timeout: float = 20.0) -> float:
        """Seconds from launch until ``needle`` first appeared in the output."""
        with self._lock:
            self.seen.setdefault(needle, -1.0)
            if needle in self.output and self.seen[needle] < 0:
                self.seen[needle] = time.perf_counter()
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.seen[needle] >= 0:
                return self.seen[needle] - self.started
            time.sleep(0.002)
        raise TimeoutError(f"{needle!r} not seen within {timeout}s")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def cpu_percent(self, seconds: float) -> float:
        """CPU use of the process over ``seconds``, in % of one core."""
        before, start = self.cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        return 100.0 * (self.cpu_seconds() - before) / (time.perf_counter() - start)

    def peak_rss_mb(self) -> float:
        for row in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def rss_mb(self) -> float:
        for row in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def __enter__(self) -> TerminalRun:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            os.write(self.master, b"q")
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
