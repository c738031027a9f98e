"""Import hygiene, checked in fresh interpreters: the core never pulls in UI or exchange
libraries, and the command line starts without the heavy ones."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY_FOR_CORE = ("textual", "rich", "ccxt", "websockets", "pandas", "numpy", "plotext")
HEAVY_FOR_CLI = ("textual", "rich", "pydantic", "pandas", "numpy", "plotext", "ccxt")


def modules_after(code: str, tmp_path: Path, *flags: str, full: bool = False) -> set[str]:
    """Run ``code`` in a fresh interpreter and return the top-level modules it imported
    (``full``: every module, by its whole dotted name)."""
    name = "m" if full else "m.split('.')[0]"
    script = tmp_path / "probe.py"
    script.write_text(
        textwrap.dedent(code)
        + "\nimport json, sys\n"
        + f"print(json.dumps(sorted({{{name} for m in sys.modules}})))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, *flags, str(script)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_domain_and_engine_import_no_ui_exchange_or_analysis_library(tmp_path: Path) -> None:
    code = """
        import importlib, pkgutil
        import tradeterm.domain, tradeterm.engine
        imported = []
        for package in (tradeterm.domain, tradeterm.engine):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
                imported.append(info.name)
        assert "tradeterm.engine.engine" in imported, imported
        assert "tradeterm.domain.book" in imported, imported
    """
    loaded = modules_after(code, tmp_path)
    assert "tradeterm" in loaded
    assert not loaded & set(HEAVY_FOR_CORE), sorted(loaded & set(HEAVY_FOR_CORE))


def test_the_probe_would_notice_a_heavy_import(tmp_path: Path) -> None:
    """Guard against a probe that cannot fail: a heavy import must show up."""
    loaded = modules_after("import rich.text", tmp_path)
    assert "rich" in loaded


def test_importing_the_cli_stays_light(tmp_path: Path) -> None:
    loaded = modules_after("import tradeterm.cli\ntradeterm.cli.build_parser()", tmp_path)
    assert not loaded & set(HEAVY_FOR_CLI), sorted(loaded & set(HEAVY_FOR_CLI))


def test_version_runs_without_the_heavy_libraries(tmp_path: Path) -> None:
    code = """
        import contextlib, io
        from tradeterm.cli import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main(["--version"])
            except SystemExit as exit:
                assert exit.code == 0
        assert out.getvalue().startswith("tradeterm "), out.getvalue()
    """
    loaded = modules_after(code, tmp_path)
    assert not loaded & set(HEAVY_FOR_CLI), sorted(loaded & set(HEAVY_FOR_CLI))


def test_python_dash_m_version_imports_nothing_heavy(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tradeterm", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "tradeterm" in imported  # the probe sees our own imports
    heavy = imported & set(HEAVY_FOR_CLI)
    assert not heavy, sorted(heavy)


def test_the_workstation_reaches_its_first_frame_without_pandas_or_numpy(tmp_path: Path) -> None:
    """pandas and numpy cost about 0.5 s at import on a small machine: the workstation, its
    alerts and its recorder load them only when the chart or the scanner first needs them."""
    code = """
        import tradeterm.cli.workstation, tradeterm.cli.alerts, tradeterm.ui.app
    """
    loaded = modules_after(code, tmp_path)
    assert "textual" in loaded  # the probe did import the workstation
    assert not loaded & {"pandas", "numpy", "plotext", "textual_plotext"}


def test_the_chart_draws_without_pandas(tmp_path: Path) -> None:
    """pandas costs 80 MB of memory at import: the chart's libraries and its indicator
    lines come from numpy and plotext only."""
    code = """
        from tradeterm.ui import chart_render
        chart_render.import_libraries()
        series = chart_render.FloatCandles(*[[100.0 + i % 7 for i in range(60)]] * 6)
        for overlay, lower in (("ema", "rsi"), ("bollinger", "macd")):
            request = chart_render.ChartRequest(series, 40, [], overlay, lower, 2, 60_000, 80,
                                                20, 10)
            assert chart_render.indicators(request)
    """
    loaded = modules_after(code, tmp_path)
    assert "plotext" in loaded and "numpy" in loaded
    assert "pandas" not in loaded


def test_the_workstation_starts_without_what_only_a_user_action_needs(tmp_path: Path) -> None:
    """The command-line parser, the filter language, the dialogs and the config schema
    (pydantic) were about a quarter of the work to the first frame; they load when the user
    first types a command or a filter, opens a dialog, or has a config file."""
    code = """
        from pathlib import Path
        from tradeterm.config.load import load_config
        import tradeterm.cli.workstation, tradeterm.cli.alerts, tradeterm.ui.app
        load_config(None, Path("no-config.toml"))
    """
    loaded = modules_after(code, tmp_path, full=True)
    assert "tradeterm.ui.app" in loaded  # the probe did import the workstation
    deferred = {"tradeterm.ui.desk", "tradeterm.ui.commandline", "tradeterm.ui.dialogs"}
    deferred |= {"tradeterm.analysis.filter", "tradeterm.config.models", "pydantic"}
    assert not loaded & deferred, sorted(loaded & deferred)


def test_the_first_frame_waits_for_no_engine_market_or_pane(tmp_path: Path) -> None:
    """``tradeterm`` draws the workstation's frame, status bar and keys first, then builds the
    market (see ui/app.py): so the workstation module loads none of what that build needs,
    and the session's builder does."""
    later = {
        "tradeterm.engine.engine",
        "tradeterm.domain.events",
        "tradeterm.domain.commands",  # the risk rules the config reads name it in annotations
        "tradeterm.venues.sim.feed",
        "tradeterm.venues.paper",
        "tradeterm.analysis.alerts",
        "tradeterm.ui.bridge",
        "tradeterm.ui.panes.scanner",
        "tradeterm.ui.widgets.ladder",
        "textual.widgets._footer",
    }
    assert all(importlib.util.find_spec(name) for name in later)  # no name is misspelt
    loaded = modules_after(
        "import tradeterm.cli.workstation, tradeterm.ui.app", tmp_path, full=True
    )
    assert "tradeterm.ui.app" in loaded  # the probe did import the workstation
    assert not loaded & later, sorted(loaded & later)


def test_the_first_book_waits_for_no_strategy(tmp_path: Path) -> None:
    """The strategies (pydantic models, every built-in, the regime classifier and numpy)
    were 0.7 s before the first book. With no strategy configured, opening the workstation
    loads none of them: the pane and the runner load them when one is started."""
    code = """
        from pathlib import Path
        from tradeterm.cli.compose import strategy_entries
        from tradeterm.config.load import load_config
        import tradeterm.ui.opening
        strategy_entries(load_config(None, Path("no-config.toml"))[0])
    """
    loaded = modules_after(code, tmp_path, full=True)
    assert "tradeterm.ui.workstation" in loaded  # the probe did import the workstation
    later = {"tradeterm.strategies.base", "tradeterm.strategies.registry", "numpy"}
    later |= {"tradeterm.analysis.regime", "pydantic"}
    assert not loaded & later, sorted(loaded & later)


def test_opening_loads_no_live_dialog_or_reconciliation_screen(tmp_path: Path) -> None:
    """The arm and kill dialogs and the reconciliation screen (with Textual's DataTable) were
    about 40 ms before the first book on the sim: opening loads only the armed frame's
    watcher, and the rest loads with a live account or the first live command."""
    loaded = modules_after("import tradeterm.ui.opening", tmp_path, full=True)
    assert "tradeterm.ui.live_frame" in loaded  # the probe did import the opening
    later = {"tradeterm.ui.live", "tradeterm.ui.reconcile", "tradeterm.engine.reconciling"}
    later |= {"textual.widgets._data_table"}
    assert all(importlib.util.find_spec(name) for name in later)  # no name is misspelt
    assert not loaded & later, sorted(loaded & later)


def test_a_plain_tradeterm_builds_no_parser(tmp_path: Path) -> None:
    """``tradeterm`` with no arguments reaches its app without argparse or the parser, whose
    subcommands' arguments load backtest and optimize: about 3 % of the work to the first
    frame."""
    code = f"""
        import os, sys
        os.environ["TRADETERM_CONFIG_DIR"] = {str(tmp_path / "config")!r}
        os.environ["TRADETERM_DATA_DIR"] = {str(tmp_path / "data")!r}
        from tradeterm.ui.app import TradetermApp
        TradetermApp.run = lambda self: None  # stop where the first frame would be drawn
        import tradeterm.cli
        assert tradeterm.cli.main([]) == 0
    """
    loaded = modules_after(code, tmp_path, full=True)
    assert "tradeterm.cli.workstation" in loaded  # the probe did reach the app
    later = {"tradeterm.cli.backtest", "tradeterm.cli.optimize", "tradeterm.cli.backtest_args"}
    later |= {"argparse"}
    assert all(importlib.util.find_spec(name) for name in later)  # no name is misspelt
    assert not loaded & later, sorted(loaded & later)


def test_a_wide_first_frame_loads_no_tab_bar(tmp_path: Path) -> None:
    """The tab bar of small terminals (Textual's Tabs) loads only when one is shown: at
    120x40 the modules on hand when the market is asked for (the first frame is drawn) hold
    no Tabs, at 80x24 they do."""
    code = """
        import asyncio, sys
        from tradeterm.domain.errors import TradetermError
        from tradeterm.ui.app import TradetermApp

        seen = {}

        def probe(size):
            def open_session():
                seen[size] = "textual.widgets._tabs" in sys.modules
                raise TradetermError("enough")

            async def run():
                app = TradetermApp(open_session, start_feed=False)
                async with app.run_test(size=size) as pilot:
                    for _ in range(100):
                        await pilot.pause()
                        if size in seen:
                            break

            asyncio.run(run())

        probe((120, 40))
        probe((80, 24))
        print(seen)
        assert seen == {(120, 40): False, (80, 24): True}, seen
    """
    loaded = modules_after(code, tmp_path, full=True)
    assert "textual.widgets._tabs" in loaded
