"""The command line's parser built for the arguments it parses (only the subcommands they
name get their arguments) parses and helps exactly as the whole parser does."""

from __future__ import annotations

import argparse

import pytest

from tradeterm.cli import COMMANDS, NO_ARGUMENTS, build_parser, quick_arguments

ARGVS = [
    [],
    ["--seed", "3", "--rate", "5", "--theme", "x"],
    ["--config", "c.toml"],
    ["init", "--force"],
    ["history", "--tax", "2025", "--account", "paper"],
    ["replay", "a.ndjson", "--verify", "--json", "--speed", "2"],
    ["--theme", "record", "replay", "a.ndjson"],
    ["markets", "--all", "--json"],
    ["record", "--symbols", "BTC/USDT", "--seconds", "5"],
    ["backtest", "sma_cross", "c.csv"],
    ["optimize", "sma_cross", "c.csv", "--space", "fast=5:10:5"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_built_for_its_arguments_it_parses_as_the_whole_parser(argv: list[str]) -> None:
    whole = build_parser()
    try:
        expected: argparse.Namespace | int = whole.parse_args(argv)
    except SystemExit as exc:  # a required argument a test line leaves out
        expected = int(exc.code or 0)
    try:
        got: argparse.Namespace | int = build_parser(argv).parse_args(argv)
    except SystemExit as exc:
        got = int(exc.code or 0)
    assert got == expected


def test_a_plain_start_builds_no_subcommand_arguments_and_helps_the_same() -> None:
    lean = build_parser([])
    assert lean.format_help() == build_parser().format_help()
    sub = next(a for a in lean._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [name for name, _ in COMMANDS]
    for name, parser in sub.choices.items():  # each has only its own -h
        assert [a.dest for a in parser._actions] == ["help"], name


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_a_named_subcommand_helps_as_in_the_whole_parser(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for parser in (build_parser(), build_parser([name, "--help"])):
        with pytest.raises(SystemExit):
            parser.parse_args([name, "--help"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "usage: tradeterm " + name in outputs[0]


def test_a_plain_start_is_what_the_parser_makes_of_no_arguments() -> None:
    assert vars(NO_ARGUMENTS) == vars(build_parser().parse_args([]))


@pytest.mark.parametrize(
    "argv",
    [["--config", "c.toml"], ["--config=c.toml"], ["--config", "/a b/c.toml"]],
    ids=" ".join,
)
def test_a_start_on_a_config_file_is_what_the_parser_makes_of_it(argv: list[str]) -> None:
    quick = quick_arguments(argv)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["--config"],
        ["--config", "-x"],
        ["--config", ""],
        ["--config="],
        ["--config=-c"],  # (argparse takes it: left to it all the same)
        ["--conf", "c.toml"],
        ["--config", "c.toml", "--seed", "3"],
        ["--seed", "3"],
        ["replay", "a.ndjson"],
    ],
    ids=repr,
)
def test_any_other_command_line_is_left_to_the_parser(argv: list[str]) -> None:
    assert quick_arguments(argv) is None
