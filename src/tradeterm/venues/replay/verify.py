"""Headless verification of captures and recordings: ``tradeterm replay --verify FILE... [--json]``.

The files are replayed as one session by the deterministic driver
(``tradeterm.engine.driver.play``: a simulated clock set to each message's
receive time, no wall-clock pacing), as fast as possible, with each exchange's
rules; the report says per symbol what was read and applied, every gap and
checksum mismatch with its file:line, the final top 10 levels and the last trade
id. Exit codes: 0 clean, 1 gaps, mismatches or damage found, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from tradeterm.domain.errors import DataError, TradetermError
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import play
from tradeterm.venues.replay.files import ACCEPTED
from tradeterm.venues.replay.session import Session

CLEAN, PROBLEMS, UNREADABLE = 0, 1, 2
STATUS = {CLEAN: "clean", PROBLEMS: "problems", UNREADABLE: "unreadable"}


def verify_files(paths: Sequence[str | Path]) -> dict[str, Any]:
    """Replay ``paths`` as one session and return a JSON-able report.

    Never raises for bad input: an unreadable file gives ``status`` ``"unreadable"``
    (``exit_code`` 2) with the reason in ``error``.

    Returns:
        ``{"status", "exit_code", "error", "files", "messages", "issues", "symbols":
        {symbol: {...}}, "first_ts_ns", "last_ts_ns", "elapsed_s"}``. ``issues`` lists
        every problem found, each once: damaged lines, missing snapshot files, gaps,
        checksum and bookTicker mismatches, and books left unsynchronised at the end.
    """
    started = time.perf_counter()
    try:
        session = Session(paths)
        play([session.timeline()], ManualClock(0))
        if not session.messages and not session.issues:
            names = ", ".join(s.name for s in session.sources)
            raise DataError(f"{names}: no messages found; accepted formats are {ACCEPTED}")
    except TradetermError as exc:
        return {
            "status": STATUS[UNREADABLE],
            "exit_code": UNREADABLE,
            "error": str(exc),
            "files": [str(p) for p in paths],
            "messages": 0,
            "issues": [],
            "symbols": {},
        }
    elapsed = time.perf_counter() - started
    symbols = {key: state.report() for key, state in sorted(session.states.items())}
    problems = sum(state.problems for state in session.states.values())
    issues = [i.as_dict() for i in session.issues]
    for key, sym in symbols.items():
        if sym["note"]:
            issues.append(
                {"kind": "not_synced", "position": key, "message": f"{key}: {sym['note']}"}
            )
    code = PROBLEMS if problems or issues else CLEAN
    return {
        "status": STATUS[code],
        "exit_code": code,
        "error": "",
        "files": [
            {"path": str(s.path), "format": s.format.value, "exchange": s.exchange}
            for s in session.sources
        ],
        "messages": session.messages,
        "issues": issues,
        "symbols": symbols,
        "first_ts_ns": session.first_ts,
        "last_ts_ns": session.last_ts,
        "elapsed_s": round(elapsed, 3),
    }


def _time(ns: int | None) -> str:
    if not ns:
        return "-"
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _level(level: list[list[str]]) -> str:
    return f"{level[0][0]} x {level[0][1]}" if level else "-"


def format_report(report: dict[str, Any]) -> str:
    """The report as a short plain-text summary."""
    if report["status"] == STATUS[UNREADABLE] and report.get("error"):
        return f"unreadable: {report['error']}"
    lines = [
        f"{report['status'].upper()}: {len(report['files'])} file(s), "
        f"{report['messages']:,} messages, {_time(report.get('first_ts_ns'))} -> "
        f"{_time(report.get('last_ts_ns'))} UTC, {report.get('elapsed_s', 0):.2f} s"
    ]
    lines += [f"  ! {issue['message']}" for issue in report["issues"]]  # gaps too, once each
    for symbol, sym in report["symbols"].items():
        head = (
            f"{symbol} ({sym['exchange']} {sym['exchange_symbol']}): "
            f"{sym['messages']:,} messages, {sym['updates_applied']:,} updates applied, "
            f"{sym['snapshots']} snapshot(s), {sym['dropped_before_snapshot']} dropped before "
            f"a snapshot, {sym['gap_count']} gap(s)"
        )
        if "checksum_ok" in sym:
            head += f", checksums {sym['checksum_ok']}/{sym['updates']} ok"
        if "book_ticker" in sym:
            bt = sym["book_ticker"]
            head += f", bookTicker {bt['matching']}/{bt['checked']} match"
        lines.append(head)
        top = sym["final_top10"]
        state = "synced" if sym["synced"] else "NOT SYNCED"
        lines.append(
            f"  {state}; best bid {_level(top['bids'])}, best ask {_level(top['asks'])}; "
            f"{sym['trades']:,} trades, last trade id {sym['last_trade_id']}"
        )
    return "\n".join(lines)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """``tradeterm replay --verify FILE... [--json]``; returns the exit code.

    Args:
        argv: the arguments after ``replay`` (``--verify`` may be given or left out).
        out: where the report goes (standard output by default); errors go to stderr.
    """
    stdout = out if out is not None else sys.stdout
    parser = _Parser(
        prog="tradeterm replay --verify",
        description="Replay captures or recordings headless and check their books.",
    )
    parser.add_argument("--verify", action="store_true", help="verify (the only headless mode)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("files", nargs="+", help="capture or recording files of one session")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _UsageError as exc:
        print(
            f"tradeterm replay: {exc} (usage: tradeterm replay --verify FILE... [--json])",
            file=sys.stderr,
        )
        return UNREADABLE
    quiet = logging.NullHandler()  # every warning is in the report: not on stderr as well
    logger = logging.getLogger("tradeterm")
    logger.addHandler(quiet)
    try:
        report = verify_files(args.files)
    finally:
        logger.removeHandler(quiet)
    failed = report["exit_code"] == UNREADABLE and report.get("error")
    if args.json:
        stdout.write(json.dumps(report, indent=1) + "\n")
    elif not failed:
        stdout.write(format_report(report) + "\n")
    if failed:
        print(f"tradeterm replay: {report['error']}", file=sys.stderr)
    return int(report["exit_code"])
