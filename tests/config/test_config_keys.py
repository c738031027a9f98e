"""Key remaps in config: ids must exist, keys must be free, and the docs name real ids.

Checked through the real loader (``load_config`` with the UI's key check, as the
``tradeterm`` command runs it) on files in tmp_path, and once through the real CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tradeterm.config.load import load_config
from tradeterm.config.models import flatten_keys
from tradeterm.domain.errors import ConfigError
from tradeterm.ui.keymap import binding_ids, binding_scopes, keymap_problems

REPO = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings, _ = load_config(path, tmp_path / "unused.toml", keymap_problems)
    return dict(settings.ui.keys)


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return str(info.value)


def test_an_unknown_id_is_an_error_listing_the_valid_ids(tmp_path: Path) -> None:
    message = error(tmp_path, '[ui]\nkeys = { nosuch = "f9" }\n')
    assert "unknown binding id 'nosuch' in ui.keys; valid ids are: " in message
    for binding_id in binding_ids():
        assert binding_id in message
    assert "order.buy" in message and "quit" in message and "replay.jump" in message


def test_the_old_documented_buy_id_points_to_order_buy(tmp_path: Path) -> None:
    message = error(tmp_path, '[ui]\nkeys = { buy = "f9" }\n')
    assert "unknown binding id 'buy' in ui.keys (did you mean 'order.buy'?)" in message


def test_taking_a_key_another_binding_uses_names_both(tmp_path: Path) -> None:
    message = error(tmp_path, '[ui]\nkeys = { quit = "b" }\n')
    assert "ui.keys.quit = 'b'" in message
    assert "'b' is already used by 'order.buy' (Buy)" in message


def test_a_pane_key_may_not_hide_an_app_key(tmp_path: Path) -> None:
    message = error(tmp_path, '[ui]\nkeys = { "orders.cancel" = "q" }\n')
    assert "ui.keys.orders.cancel = 'q'" in message
    assert "'quit'" in message


def test_swapping_two_keys_is_fine(tmp_path: Path) -> None:
    keys = load(tmp_path, '[ui]\nkeys = { "order.buy" = "s", "order.sell" = "b" }\n')
    assert keys == {"order.buy": "s", "order.sell": "b"}


def test_a_dotted_id_may_be_written_unquoted(tmp_path: Path) -> None:
    """TOML reads ``order.buy = "f9"`` as a nested table; it still means ``order.buy``."""
    assert load(tmp_path, '[ui]\nkeys = { order.buy = "f9", quit = "ctrl+q" }\n') == {
        "order.buy": "f9",
        "quit": "ctrl+q",
    }


def test_key_problems_come_with_the_other_problems(tmp_path: Path) -> None:
    message = error(tmp_path, '[sim]\nrate = -1\n[ui]\nkeys = { nosuch = "f9", quit = "b" }\n')
    assert message.startswith("config error in ")
    assert "3 problems:" in message
    assert "sim.rate = -1" in message
    assert "'nosuch'" in message
    assert "ui.keys.quit = 'b'" in message


def test_the_default_keys_do_not_clash() -> None:
    """Mapping every id to its own default key changes nothing, so nothing is reported."""
    defaults = {b.id: b.key for s in binding_scopes() for b in s.bindings if b.id}
    assert keymap_problems(defaults) == []


def doc_keymaps() -> dict[str, dict[str, str]]:
    """The ``keys`` remap examples each doc shows (binding id -> key)."""
    sources = {
        "README.md": (REPO / "README.md").read_text(encoding="utf-8"),
        "config.toml.example": (REPO / "config.toml.example").read_text(encoding="utf-8"),
        "config/models.py": (REPO / "src/tradeterm/config/models.py").read_text(encoding="utf-8"),
    }
    found: dict[str, dict[str, str]] = {}
    for name, text in sources.items():
        keymap: dict[str, str] = {}
        for line in text.splitlines():
            if "keys" not in line.lower() and "quit" not in line:
                continue
            for table in re.findall(r"\{[^{}]*=[^{}]*\}", line):
                parsed = flatten_keys(tomllib.loads(f"x = {table}")["x"])
                keymap.update({k: v for k, v in parsed.items() if isinstance(v, str)})
        found[name] = keymap
    return found


def test_every_binding_id_the_docs_name_exists() -> None:
    valid = set(binding_ids())
    for name, keymap in doc_keymaps().items():
        assert keymap, f"{name} shows no key remap example"
        unknown = [i for i in keymap if i not in valid]
        assert unknown == [], f"{name} names binding ids that do not exist: {unknown}"


def test_every_key_remap_the_docs_show_is_accepted() -> None:
    for name, keymap in doc_keymaps().items():
        assert keymap_problems(keymap) == [], name


def test_the_real_cli_exits_2_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[ui]\nkeys = { quit = "b", nosuch = "f9" }\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tradeterm", "--config", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"tradeterm: config error in {path}: 2 problems:")
    assert "unknown binding id 'nosuch'" in result.stderr
    assert "'b' is already used by 'order.buy' (Buy)" in result.stderr
    assert "Traceback" not in result.stderr
