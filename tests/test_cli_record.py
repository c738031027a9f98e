"""`tradeterm record`: its options are checked before anything is recorded or created."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradeterm import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = cli.main(["record", *args])
    except SystemExit as exc:  # argparse refuses malformed options this way
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("seconds", ["-1", "0", "nan", "inf", "soon"])
def test_seconds_must_be_a_positive_number(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, seconds: str
) -> None:
    code, err = run(capsys, "--seconds", seconds, "--out", str(tmp_path / "r.ndjson.gz"))
    assert code == 2
    assert f"argument --seconds: {seconds!r} is not allowed" in err
    assert "above 0" in err
    assert not (tmp_path / "r.ndjson.gz").exists()


def test_out_in_a_missing_folder_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "no" / "such"
    code, err = run(capsys, "--seconds", "1", "--out", str(folder / "r.ndjson.gz"))
    assert code == 2
    assert f"the folder {folder} does not exist" in err
    assert not (tmp_path / "no").exists()  # nothing was created


def test_out_naming_a_folder_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "--seconds", "1", "--out", str(tmp_path))
    assert code == 2
    assert "is a folder; give a file name" in err


def test_an_unknown_symbol_is_named_with_close_matches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "r.ndjson.gz")
    code, err = run(capsys, "--symbols", "BTC/USTD", "--seconds", "1", "--out", out)
    assert code == 2
    assert "--symbols: unknown symbol 'BTC/USTD' on venue sim" in err
    assert "close matches: BTC/USDT" in err
    assert "sim.symbols" not in err  # the option is to blame, not the config file
    assert "ETH/BTC" in err  # and every symbol the venue lists is named


def test_nope_has_no_blame_on_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = run(
        capsys, "--symbols", "NOPE/USDT", "--seconds", "1", "--out", str(tmp_path / "r.gz")
    )
    assert code == 2
    assert err.startswith("tradeterm record: --symbols: unknown symbol 'NOPE/USDT' on venue sim")
    assert "config" not in err


def test_valid_options_record_in_any_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "r.ndjson.gz"
    code, err = run(capsys, "--symbols", "btc/usdt", "--seconds", "0.3", "--out", str(path))
    assert code == 0, err
    with gzip.open(path, "rt") as fh:
        header = json.loads(fh.readline())
    assert header["format"] == "tradeterm-recording"
    assert "BTC/USDT" in err


def test_a_real_process_refuses_negative_seconds_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradeterm", "record", "--seconds", "-1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "argument --seconds: '-1' is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
