"""A start without a config file does not load the TOML parser (the no-config path of
``load_config``: the defaults as they are)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_no_config_file_loads_no_toml_parser(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tradeterm.config.load import load_config\n"
        "from tradeterm.config.settings import Settings\n"
        f"settings, path = load_config(None, Path({str(tmp_path / 'none.toml')!r}))\n"
        "print(settings == Settings(), 'tomllib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == ["True", "False"]


def test_a_config_file_is_still_read(tmp_path: Path) -> None:
    from tradeterm.config.load import load_config

    path = tmp_path / "config.toml"
    path.write_text('[sim]\nrate = 5.0\n[ui]\ntheme = "tradeterm-light"\n', encoding="utf-8")
    settings, where = load_config(path, tmp_path / "other.toml")
    assert (settings.sim.rate, settings.ui.theme, where) == (5.0, "tradeterm-light", path)
