"""A live account's keys: where they are looked for, the file's mode, and what is said when
they are missing; credentials never print themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeterm.config.secrets import Credentials, env_names, load_credentials
from tradeterm.domain.errors import ConfigError

KEY, SECRET = "k3yVALUEabc", "s3cretVALUExyz"


def write_secrets(folder: Path, text: str, mode: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_variable_names_use_the_account_name_upper_cased_with_underscores() -> None:
    assert env_names("bn-live.2") == [
        "TRADETERM_BN_LIVE_2_API_KEY",
        "TRADETERM_BN_LIVE_2_SECRET",
        "TRADETERM_BN_LIVE_2_PASSWORD",
        "TRADETERM_BN_LIVE_2_UID",
    ]


def test_keys_come_from_the_environment(tmp_path: Path) -> None:
    env = {"TRADETERM_BN_LIVE_API_KEY": KEY, "TRADETERM_BN_LIVE_SECRET": SECRET}
    creds = load_credentials("bn-live", tmp_path, env)
    assert (creds.api_key, creds.secret, creds.source) == (KEY, SECRET, "environment")
    assert creds.ccxt_config() == {"apiKey": KEY, "secret": SECRET}


def test_keys_come_from_a_0600_secrets_file(tmp_path: Path) -> None:
    text = f'[bn-live]\napi_key = "{KEY}"\nsecret = "{SECRET}"\npassword = "pw"\n'
    path = write_secrets(tmp_path, text, 0o600)
    creds = load_credentials("bn-live", tmp_path, {})
    assert (creds.api_key, creds.secret, creds.password) == (KEY, SECRET, "pw")
    assert creds.source == str(path)


def test_a_secrets_file_others_can_read_is_refused_with_its_mode_and_the_fix(
    tmp_path: Path,
) -> None:
    path = write_secrets(tmp_path, f'[bn-live]\napi_key = "{KEY}"\nsecret = "{SECRET}"\n', 0o644)
    with pytest.raises(ConfigError) as refused:
        load_credentials("bn-live", tmp_path, {})
    message = str(refused.value)
    assert "mode 0644" in message and "0600" in message
    assert f"chmod 600 {path}" in message
    assert KEY not in message and SECRET not in message


def test_missing_keys_name_the_variables_and_the_file_looked_at(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load_credentials("bn-live", tmp_path, {"TRADETERM_BN_LIVE_API_KEY": KEY})
    message = str(refused.value)
    for name in env_names("bn-live"):
        assert name in message
    assert str(tmp_path / "secrets.toml") in message
    assert KEY not in message


def test_an_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    write_secrets(tmp_path, f'[bn-live]\napikey = "{KEY}"\nsecret = "{SECRET}"\n', 0o600)
    with pytest.raises(ConfigError, match=r"unknown key 'apikey'.*allowed: api_key, secret"):
        load_credentials("bn-live", tmp_path, {})


def test_credentials_never_show_themselves() -> None:
    creds = Credentials(KEY, SECRET, "pw", "uid1", source="environment")
    assert KEY not in repr(creds) and SECRET not in repr(creds) and "pw" not in repr(creds)
    assert creds.redact(f"GET /x?apiKey={KEY}&s={SECRET}") == "GET /x?apiKey=***&s=***"
