"""A config file unchanged since its last validation loads the settings it validated to, without
pydantic; anything changed, damaged or not the user's own is validated afresh."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from tradeterm.config import checked
from tradeterm.config.load import load_config, parse_config
from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError

SRC = Path(__file__).resolve().parents[2] / "src"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path / "data"}"\n\n{body}', encoding="utf-8")
    return path


def kept_at(path: Path) -> Path:
    where = checked.cache_path(path, tomllib.loads(path.read_text(encoding="utf-8")))
    assert where is not None
    return where


def forge(path: Path, settings: Settings) -> Path:
    """Keep ``settings`` for ``path`` under the key its bytes give (what a load would find)."""
    where = kept_at(path)
    checked.remember(where, checked.key_of(path.read_bytes()), settings)
    return where


def test_an_unchanged_file_gives_the_settings_it_validated_to(tmp_path: Path) -> None:
    path = write(tmp_path, "[sim]\nseed = 99\n")
    first, _ = load_config(path, tmp_path / "unused.toml")
    assert kept_at(path).exists()
    again, _ = load_config(path, tmp_path / "unused.toml")
    assert again == first == parse_config(tomllib.loads(path.read_text()), path)
    assert again.sim.seed == 99


def test_the_kept_settings_are_what_is_read_back(tmp_path: Path) -> None:
    """(So the tests below, which forge them, test the load path a real start takes.)"""
    path = write(tmp_path, "[sim]\nseed = 99\n")
    forge(path, Settings())
    config, _ = load_config(path, tmp_path / "unused.toml")
    assert config.sim.seed == Settings().sim.seed


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    path = write(tmp_path, "[sim]\nseed = 99\n")
    load_config(path, tmp_path / "unused.toml")
    path.write_text(path.read_text().replace("99", "100"), encoding="utf-8")
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 100
    path.write_text(path.read_text().replace("100", '"lots"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sim\.seed"):
        load_config(path, tmp_path / "unused.toml")


def test_settings_kept_under_another_key_are_not_used(tmp_path: Path) -> None:
    path = write(tmp_path, "[sim]\nseed = 99\n")
    checked.remember(kept_at(path), "a schema that changed since", Settings())
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 99


def test_a_kept_file_others_may_write_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, "[sim]\nseed = 99\n")
    where = forge(path, Settings())
    where.chmod(0o666)
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 99
    assert where.stat().st_mode & 0o777 == 0o600  # written again, the owner's only


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_a_kept_file_reached_through_a_link_is_not_read(tmp_path: Path, link: str) -> None:
    """Someone who may write in the cache folder links the kept file's name to another file of
    the user's (a pickle runs code on load): it is not read, the file is validated."""
    path = write(tmp_path, "[sim]\nseed = 99\n")
    elsewhere = forge(path, Settings())  # a pickle the user owns, in the right form
    other = elsewhere.with_name("somewhere-else")
    elsewhere.rename(other)
    if link == "symbolic":
        elsewhere.symlink_to(other)
    else:
        os.link(other, elsewhere)
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 99


def test_a_damaged_kept_file_is_validated_again_and_replaced(tmp_path: Path) -> None:
    path = write(tmp_path, "[sim]\nseed = 99\n")
    where = kept_at(path)
    where.parent.mkdir(parents=True)
    where.write_bytes(b"\x80\x05not a pickle at all")
    where.chmod(0o600)
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 99
    kept = checked.recall(where, checked.key_of(path.read_bytes()))
    assert kept is not None and kept.sim.seed == 99


def test_a_file_holding_credentials_is_never_copied(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[venues.bn]\nexchange = "binance"\nsymbols = ["BTC/USDT"]\n'
        '[venues.bn.ccxt]\napiKey = "k-123"\n',
    )
    assert checked.cache_path(path, tomllib.loads(path.read_text())) is None
    load_config(path, tmp_path / "unused.toml")
    assert not (tmp_path / "data" / "cache").exists()


def test_a_link_planted_where_the_settings_are_written_is_not_followed(tmp_path: Path) -> None:
    """Someone who may write in the cache folder (a shared data_dir) plants a link at the
    name the settings would first be written to: the file it points at stays as it was."""
    path = write(tmp_path, "[sim]\nseed = 99\n")
    where = kept_at(path)
    where.parent.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file", encoding="utf-8")
    where.with_suffix(f".{os.getpid()}.part").symlink_to(victim)
    assert load_config(path, tmp_path / "unused.toml")[0].sim.seed == 99
    assert victim.read_text(encoding="utf-8") == "the user's own file"
    kept = checked.recall(where, checked.key_of(path.read_bytes()))
    assert kept is not None and kept.sim.seed == 99


@pytest.mark.parametrize(
    "name", ["api_key", "API-SECRET", "private_key", "twofa", "passphrase", "login"]
)
def test_credentials_in_any_spelling_are_never_copied(tmp_path: Path, name: str) -> None:
    path = write(
        tmp_path,
        '[venues.bn]\nexchange = "binance"\nsymbols = ["BTC/USDT"]\n'
        f'[venues.bn.ccxt]\n{name} = "k-123"\n',
    )
    load_config(path, tmp_path / "unused.toml")
    assert not (tmp_path / "data" / "cache").exists()


def test_settings_validated_by_another_pydantic_are_validated_again(tmp_path: Path) -> None:
    """pydantic does the validating: an upgrade may accept or read a file differently, so
    its version is part of the key (found without importing it)."""
    other = tmp_path / "site" / "pydantic"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("", encoding="utf-8")
    (other / "version.py").write_text("VERSION = '9.9.9'\n", encoding="utf-8")
    probe = "from tradeterm.config import checked; print(checked.key_of(b'[sim]'))"

    def key(*path: Path) -> str:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (*path, SRC)))}
        run = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        return run.stdout.strip()

    assert key() == checked.key_of(b"[sim]")
    assert key(tmp_path / "site") != key()


def test_key_remaps_are_checked_on_kept_settings_too(tmp_path: Path) -> None:
    path = write(tmp_path, '[ui.keys]\nbuy = "x"\n')
    load_config(path, tmp_path / "unused.toml")  # headless: remaps not checked, settings kept
    assert kept_at(path).exists()

    def refuse(keys: object) -> list[str]:
        return [f"no binding for {keys}"]

    with pytest.raises(ConfigError, match="no binding for"):
        load_config(path, tmp_path / "unused.toml", refuse)


def test_replay_files_are_found_from_the_config_folder_on_kept_settings(tmp_path: Path) -> None:
    path = write(tmp_path, '[venues.rec]\nexchange = "replay"\nfiles = ["rec.jsonl"]\n')
    first, _ = load_config(path, tmp_path / "unused.toml")
    again, _ = load_config(path, tmp_path / "unused.toml")
    assert first.venues["rec"].files == again.venues["rec"].files == (str(tmp_path / "rec.jsonl"),)


def test_a_start_with_an_unchanged_file_does_not_import_pydantic(tmp_path: Path) -> None:
    path = write(tmp_path, '[sim]\nseed = 5\n\n[[accounts]]\nname = "main"\n')
    probe = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from tradeterm.config.load import load_config
        config, _ = load_config(Path({str(path)!r}), Path("unused.toml"))
        print(config.sim.seed, "pydantic" in sys.modules)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["5", "True"], ["5", "False"]]
