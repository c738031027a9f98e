"""The command line: --version, --help, init, config errors and overrides.

None of these tests starts the full-screen workstation: every path either exits
before it (argparse, init, a config error) or calls the override step directly.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tradeterm
from tradeterm import cli, paths
from tradeterm.config.example import render_example
from tradeterm.config.load import load_config, parse_config
from tradeterm.config.settings import Settings


@pytest.fixture(autouse=True)
def _never_start_the_workstation(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a regression let a bad config through, fail here instead of opening the app."""

    def refuse(*_args: object) -> int:
        pytest.fail("main() went on to start the full-screen workstation")

    from tradeterm.cli import workstation

    monkeypatch.setattr(workstation, "run_workstation", refuse)
    monkeypatch.setattr(workstation, "run_replay", refuse)


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeterm", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
        cwd=cwd,
    )


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tradeterm {tradeterm.__version__}"


def test_version_and_help_as_a_real_process(tmp_path: Path) -> None:
    version = run_module("--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"tradeterm {tradeterm.__version__}"
    assert version.stderr == ""

    helped = run_module("--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "usage: tradeterm" in helped.stdout
    assert "init" in helped.stdout


def test_help_lists_the_command_the_options_and_the_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--version", "--config", "--seed", "--rate", "--theme", "init"):
        assert option in out
    # the epilog shows where files live (here: the per-test directories)
    assert str(paths.default_config_path()) in out
    assert str(paths.data_dir()) in out


def test_init_writes_a_config_that_loads(capsys: pytest.CaptureFixture[str]) -> None:
    target = paths.default_config_path()
    assert not target.exists()
    assert cli.main(["init"]) == 0
    assert str(target) in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == render_example()
    config, path = load_config(None, target)
    assert path == target
    assert config.sim == Settings().sim


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("[sim]\nseed = 3\n", encoding="utf-8")
    assert cli.main(["--config", str(target), "init"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "--force" in err
    assert target.read_text(encoding="utf-8") == "[sim]\nseed = 3\n"

    assert cli.main(["--config", str(target), "init", "--force"]) == 0
    assert target.read_text(encoding="utf-8") == render_example()


def test_init_creates_missing_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "config.toml"
    assert cli.main(["--config", str(target), "init"]) == 0
    assert target.is_file()


def test_an_invalid_config_exits_2_with_one_paragraph(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = paths.default_config_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("[ui]\nrefresh_hz = 500\n", encoding="utf-8")
    assert cli.main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("tradeterm: config error")
    assert "ui.refresh_hz" in err
    assert "500" in err
    assert "\n\n" not in err


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (None, "tradeterm init"),  # --config pointing at nothing
        ("[sim\nseed = 1\n", "not valid TOML"),
    ],
)
def test_unusable_config_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, needle: str
) -> None:
    target = tmp_path / "cfg.toml"
    if text is not None:
        target.write_text(text, encoding="utf-8")
    assert cli.main(["--config", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradeterm: ")
    assert needle in err


def test_a_config_error_shows_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    target = tmp_path / "bad.toml"
    target.write_text('[sim]\nrate = "fast"\n', encoding="utf-8")
    result = run_module("--config", str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("tradeterm: config error")
    assert "Traceback" not in result.stderr
    assert "sim.rate" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "option", "key", "allowed"),
    [
        (["--rate", "-1"], "--rate", "sim.rate", "greater than or equal to 0"),
        (["--rate", "1e9"], "--rate", "sim.rate", "less than or equal to 20000"),
        (["--seed", "5", "--rate", "-0.5"], "--rate", "sim.rate", "greater than or equal to 0"),
    ],
)
def test_overrides_are_validated_like_the_file(
    capsys: pytest.CaptureFixture[str], args: list[str], option: str, key: str, allowed: str
) -> None:
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradeterm: config error in the command line")
    # names what the user typed (the option) or the config key it overrides
    assert option in err or key in err, err
    assert allowed in err
    assert "\n\n" not in err.strip()


@pytest.mark.parametrize("args", [["--seed", "abc"], ["--rate", "fast"], ["frobnicate"]])
def test_malformed_arguments_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    assert "usage: tradeterm" in capsys.readouterr().err


def test_valid_overrides_win_over_the_file_and_keep_everything_else() -> None:
    raw = {
        "sim": {"seed": 1, "rate": 10.0, "history_minutes": 60},
        "ui": {"theme": "tradeterm-dark"},
        "accounts": [{"name": "mine", "balances": {"BTC": "0.05"}}],
    }
    base = parse_config(raw, "file")
    args = cli.build_parser().parse_args(
        ["--seed", "11", "--rate", "250", "--theme", "tradeterm-light"]
    )
    config = cli.apply_overrides(base, args)
    assert (config.sim.seed, config.sim.rate, config.ui.theme) == (11, 250.0, "tradeterm-light")
    assert config.sim.history_minutes == 60
    assert config.accounts == base.accounts

    untouched = cli.apply_overrides(base, cli.build_parser().parse_args([]))
    assert untouched == base


def test_data_dir_follows_the_config_or_the_platform(tmp_path: Path) -> None:
    assert paths.data_dir_for(Settings()) == paths.data_dir()
    custom = parse_config({"general": {"data_dir": str(tmp_path / "d")}}, "x")
    assert paths.data_dir_for(custom) == tmp_path / "d"


def test_parser_is_the_documented_shape() -> None:
    parser = cli.build_parser()
    assert isinstance(parser, argparse.ArgumentParser)
    args = parser.parse_args(["--config", "x.toml", "init", "--force"])
    assert (args.command, args.force, args.config) == ("init", True, Path("x.toml"))
