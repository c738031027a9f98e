"""``tradeterm backtest`` and ``tradeterm optimize`` take their shared arguments from one
helper (``tradeterm.cli.backtest_args``): the same options, the same checks, the same words."""

from __future__ import annotations

import pytest

from tradeterm.cli import build_parser

COMMON = ["--data", "--venue", "--symbol", "--timeframe", "--from", "--to", "--param", "--fee",
          "--cash", "--fill", "--json", "--out"]  # fmt: skip
EXTRA = {"backtest": [], "optimize": ["--space", "fast=5:10:5"]}


def refusal(capsys: pytest.CaptureFixture[str], command: str, *args: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args([command, "sma_cross", *EXTRA[command], *args])
    assert stopped.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    return message.split(": error: ", 1)[1]


@pytest.mark.parametrize("command", ["backtest", "optimize"])
def test_both_commands_take_the_shared_options(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    help_text = capsys.readouterr().out
    for option in COMMON:
        assert option in help_text, (command, option)


@pytest.mark.parametrize(
    "bad",
    [("--fee", "0.5"), ("--cash", "-3"), ("--param", "fast"), ("--from", "yesterday"),
     ("--fill", "open")],
)  # fmt: skip
def test_both_commands_refuse_a_bad_value_in_the_same_words(
    capsys: pytest.CaptureFixture[str], bad: tuple[str, str]
) -> None:
    backtest = refusal(capsys, "backtest", *bad)
    optimize = refusal(capsys, "optimize", *bad)
    assert backtest == optimize
    assert bad[1] in backtest
    assert "allowed" in backtest or "choose from" in backtest


def test_both_commands_parse_the_shared_options_alike() -> None:
    args = ["--data", "a.csv", "--param", "fast=7", "--fee", "0.002", "--cash", "500",
            "--fill", "next-open", "--json", "--out", "here"]  # fmt: skip
    parser = build_parser()
    backtest = vars(parser.parse_args(["backtest", "sma_cross", *args]))
    optimize = vars(parser.parse_args(["optimize", "sma_cross", *EXTRA["optimize"], *args]))
    shared = {k: v for k, v in backtest.items() if k in optimize and k != "command"}
    assert shared == {k: optimize[k] for k in shared}
    assert backtest["param"] == [("fast", "7")] and backtest["fee"] == 0.002
    assert str(backtest["out"]) == "here" and backtest["fill"] == "next-open"
