"""Damaged captures are reported with file:line, the rest plays, books resync at snapshots."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from replay_data import CF_WS, KRAKEN, SPOT, expected, need

from tradeterm.domain.errors import DataError
from tradeterm.venues.replay import main, verify_files
from tradeterm.venues.replay.files import ACCEPTED, detect
from tradeterm.venues.replay.session import Session
from tradeterm.venues.replay.state import text_of

PREFIX = 20_000  # lines of the 2024-08-08 spot capture used by most tests here


@pytest.fixture(scope="module")
def spot_lines() -> list[str]:
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        return fh.read().splitlines(keepends=True)[:PREFIX]


@pytest.fixture(scope="module")
def clean_prefix(spot_lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = write_gz(tmp_path_factory.mktemp("clean") / "spot.gz", spot_lines)
    report = verify_files([path])
    assert report["status"] == "clean"
    return report["symbols"]["BTC/USDT"]


def write_gz(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=1))
    return path


def line_of(lines: list[str], needle: str, start: int) -> int:
    """Index of the first line at or after ``start`` that contains ``needle``."""
    return next(i for i in range(start, len(lines)) if needle in lines[i])


def test_truncated_gzip_is_reported_and_the_rest_plays(tmp_path: Path) -> None:
    need(SPOT[0])
    data = SPOT[0].read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) * 6 // 10])
    report = verify_files([cut])
    assert report["exit_code"] == 1
    (issue,) = report["issues"]
    assert issue["kind"] == "truncated"
    assert issue["position"].startswith("cut.gz:")
    assert "ends early" in issue["message"]
    symbol = report["symbols"]["BTC/USDT"]
    assert symbol["synced"]
    assert 10_000 < report["messages"] < 41_249
    assert symbol["updates_applied"] > 1000


def test_corrupted_middle_line_is_skipped_and_named(
    tmp_path: Path, spot_lines: list[str], clean_prefix: dict[str, Any]
) -> None:
    lines = list(spot_lines)
    index = line_of(lines, "@bookTicker", 5000)
    lines[index] = lines[index][:70] + "\n"  # a bookTicker cut in half
    report = verify_files([write_gz(tmp_path / "bad.gz", lines)])
    assert report["exit_code"] == 1
    (issue,) = report["issues"]
    assert issue["kind"] == "corrupted_line"
    assert issue["position"] == f"bad.gz:{index + 1}"
    symbol = report["symbols"]["BTC/USDT"]
    assert symbol["final_top10"] == clean_prefix["final_top10"]
    assert symbol["gap_count"] == 0


def test_lost_depth_update_is_a_gap_and_the_book_stays_unsynced(
    tmp_path: Path, spot_lines: list[str], clean_prefix: dict[str, Any]
) -> None:
    lines = list(spot_lines)
    lost = line_of(lines, "@depth", 5000)
    del lines[lost]
    following = line_of(lines, "@depth", lost) + 1
    report = verify_files([write_gz(tmp_path / "gap.gz", lines)])
    assert report["exit_code"] == 1
    symbol = report["symbols"]["BTC/USDT"]
    assert symbol["gap_count"] == 1
    assert symbol["gaps"][0]["position"] == f"gap.gz:{following}"
    assert not symbol["synced"]
    assert "lost sync at gap.gz:" in symbol["note"]
    assert symbol["updates_applied"] < clean_prefix["updates_applied"]


def test_missing_snapshot_means_never_synced(tmp_path: Path, spot_lines: list[str]) -> None:
    lines = [line for line in spot_lines if "lastUpdateId" not in line]
    assert len(lines) == PREFIX - 1
    out = io.StringIO()
    code = main(["--verify", str(write_gz(tmp_path / "nosnap.gz", lines))], out=out)
    assert code == 1
    text = out.getvalue()
    assert text.startswith("PROBLEMS")
    assert "NOT SYNCED" in text
    assert "no snapshot in these files" in text
    report = verify_files([tmp_path / "nosnap.gz"])
    symbol = report["symbols"]["BTC/USDT"]
    assert symbol["updates_applied"] == 0
    assert symbol["snapshots"] == 0
    assert symbol["trades"] > 0  # the rest of the capture still plays


def test_resync_from_the_next_snapshot_after_a_gap(
    tmp_path: Path, spot_lines: list[str], clean_prefix: dict[str, Any]
) -> None:
    """Drop an update (a gap), then give a later REST snapshot: the book recovers exactly."""
    resync_at = 12_000
    head = Session([write_gz(tmp_path / "head.gz", spot_lines[:resync_at])])
    head.run()
    book = head.states["BTC/USDT"].book
    snapshot = {
        "lastUpdateId": book.seq,
        "bids": [[text_of(p), text_of(q)] for p, q in book.bids.levels_best_first()],
        "asks": [[text_of(p), text_of(q)] for p, q in book.asks.levels_best_first()],
    }
    ts = spot_lines[resync_at - 1].partition(" ")[0]
    lines = [*spot_lines[:resync_at], f"{ts} {json.dumps(snapshot)}\n", *spot_lines[resync_at:]]
    del lines[line_of(lines, "@depth", 5000)]
    report = verify_files([write_gz(tmp_path / "resync.gz", lines)])
    symbol = report["symbols"]["BTC/USDT"]
    assert report["exit_code"] == 1  # the gap is still reported
    assert symbol["gap_count"] == 1
    assert symbol["snapshots"] == 2
    assert symbol["synced"]
    assert symbol["note"] == ""
    assert symbol["final_top10"] == clean_prefix["final_top10"]
    assert symbol["final_levels"] == clean_prefix["final_levels"]
    assert symbol["final_seq"] == clean_prefix["final_seq"]
    assert symbol["book_ticker"]["mismatching"] == 0


def kraken_lines() -> list[str]:
    need(KRAKEN)
    return KRAKEN.read_text().splitlines(keepends=True)


def test_kraken_checksum_mismatch_unsyncs_only_that_pair(tmp_path: Path) -> None:
    lines = kraken_lines()
    index = line_of(lines, '"c":"', 100)
    ts, _, body = lines[index].partition(": ")
    msg = json.loads(body)
    pair = msg[-1]
    msg[-3]["c"] = "12345"
    lines[index] = f"{ts}: {json.dumps(msg)}\n"
    path = tmp_path / "kraken.txt"
    path.write_text("".join(lines))
    report = verify_files([path])
    assert report["exit_code"] == 1
    bad = report["symbols"][pair]
    assert bad["mismatch_count"] == 1
    assert bad["mismatches"][0]["position"] == f"kraken.txt:{index + 1}"
    assert bad["mismatches"][0]["expected"] == 12345
    assert not bad["synced"]
    assert bad["dropped_before_snapshot"] > 0  # later updates wait for a snapshot
    want = expected("kraken_v1_book1000_20210417.expected.json")["result"]
    for other, answer in want.items():
        if other != pair:
            assert report["symbols"][other]["checksum_ok"] == answer["checksum_ok"]


def test_kraken_resyncs_from_the_next_snapshot(tmp_path: Path) -> None:
    lines = kraken_lines()
    pair = "XMR/USD"
    updates = [i for i, line in enumerate(lines) if line.rstrip().endswith(f'"{pair}"]')][1:]
    broken, resync_at = updates[10], updates[200]
    head_path = tmp_path / "head.txt"
    head_path.write_text("".join(lines[:resync_at]))
    head = Session([head_path])
    head.run()
    state = head.states[pair]
    texts = (state.ask_texts, state.bid_texts)  # type: ignore[attr-defined]
    part = {
        "as": [[*texts[0][p], "0"] for p, _ in state.book.asks.levels_best_first()],
        "bs": [[*texts[1][p], "0"] for p, _ in state.book.bids.levels_best_first()],
    }
    ts, _, body = lines[resync_at].partition(": ")
    channel = json.loads(body)[0]
    snapshot = f"{ts}: {json.dumps([channel, part, 'book-1000', pair])}\n"
    ts, _, body = lines[broken].partition(": ")
    msg = json.loads(body)
    msg[-3]["c"] = "1"
    lines[broken] = f"{ts}: {json.dumps(msg)}\n"
    lines.insert(resync_at, snapshot)
    path = tmp_path / "kraken.txt"
    path.write_text("".join(lines))
    report = verify_files([path])
    got = report["symbols"][pair]
    want = expected("kraken_v1_book1000_20210417.expected.json")["result"][pair]
    assert got["mismatch_count"] == 1
    assert got["snapshots"] == 2
    assert got["synced"]
    assert got["final_top10"] == want["final_top10"]
    assert got["final_checksum"] == want["final_checksum"]
    assert got["checksum_ok"] == want["updates"] - 1 - (200 - 10 - 1)


def test_binance_ws_capture_without_its_snapshot_file(tmp_path: Path) -> None:
    need(CF_WS)
    lonely = tmp_path / "capture.ws.1.0.txt"
    lonely.write_bytes(CF_WS.read_bytes())
    report = verify_files([lonely])
    assert report["exit_code"] == 1
    assert report["issues"][0]["kind"] == "no_snapshot_file"
    assert all(not s["synced"] for s in report["symbols"].values())


def test_unreadable_inputs_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data at all" * 10)
    empty = tmp_path / "empty.ws.1.0.txt"
    empty.write_text("wss://ws.kraken.com <-> 1618678132.3858151\n")
    for path, words in (
        (tmp_path / "missing.gz", "no such file"),
        (empty, "no messages found"),
        (text, "not a capture"),
        (garbage, "cannot be read"),
    ):
        assert main(["--verify", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert words in err
        assert "Traceback" not in err
    assert main(["--verify", "--json", str(tmp_path / "missing.gz")]) == 2
    out = capsys.readouterr()
    assert json.loads(out.out)["status"] == "unreadable"
    assert main(["--verify"]) == 2
    assert "usage" in capsys.readouterr().err


def test_unknown_format_names_the_file_and_the_accepted_formats(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("ts,price\n1,2\n")
    with pytest.raises(DataError) as caught:
        detect(path)
    assert str(path) in str(caught.value)
    assert ACCEPTED in str(caught.value)


def test_gzip_is_detected_by_content_not_by_name(tmp_path: Path, spot_lines: list[str]) -> None:
    plain = tmp_path / "spot.gz"  # a .gz name over plain text
    plain.write_text("".join(spot_lines[:3000]))
    report = verify_files([plain])
    assert report["symbols"]["BTC/USDT"]["synced"]
    assert report["messages"] == 3000


def test_json_report_from_main(tmp_path: Path, spot_lines: list[str]) -> None:
    out = io.StringIO()
    path = write_gz(tmp_path / "small.gz", spot_lines[:3000])
    assert main(["--verify", str(path), "--json"], out=out) == 0
    report = json.loads(out.getvalue())
    assert report["status"] == "clean"
    assert len(report["symbols"]["BTC/USDT"]["final_top10"]["bids"]) == 10
