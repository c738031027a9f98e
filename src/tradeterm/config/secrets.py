"""A live account's API credentials, from the environment or a 0600 ``secrets.toml``.

Variables: ``TRADETERM_<ACCOUNT>_API_KEY``, ``_SECRET``, and where the exchange needs them
``_PASSWORD`` and ``_UID`` (the account name upper-cased, every other character as ``_``).
The file, beside the config file, has one table per account::

    [bn-live]
    api_key = "..."
    secret = "..."

Credentials never print themselves: their ``repr`` shows only which fields are set, and
``redact`` takes them out of any text (an exchange's error message) before it is shown.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tradeterm.domain.errors import ConfigError

SECRETS_FILE = "secrets.toml"
_FIELDS = ("api_key", "secret", "password", "uid")
_SUFFIX = {"api_key": "API_KEY", "secret": "SECRET", "password": "PASSWORD", "uid": "UID"}


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account's keys. ``repr`` never shows them."""

    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    password: str = field(default="", repr=False)
    uid: str = field(default="", repr=False)
    source: str = ""
    """Where they came from, in words ("environment", "secrets.toml"): safe to show."""

    def ccxt_config(self) -> dict[str, str]:
        """The ccxt constructor's credential keys (only those that are set)."""
        config = {"apiKey": self.api_key, "secret": self.secret}
        if self.password:
            config["password"] = self.password
        if self.uid:
            config["uid"] = self.uid
        return config

    def redact(self, text: str) -> str:
        """``text`` with every credential replaced by ``***``."""
        for value in (self.api_key, self.secret, self.password, self.uid):
            if value:
                text = text.replace(value, "***")
        return text


def env_prefix(account: str) -> str:
    """``bn-live`` -> ``TRADETERM_BN_LIVE_``."""
    return "TRADETERM_" + re.sub(r"[^A-Z0-9]", "_", account.upper()) + "_"


def env_names(account: str) -> list[str]:
    prefix = env_prefix(account)
    return [prefix + _SUFFIX[name] for name in _FIELDS]


def load_credentials(
    account: str, config_dir: Path, environ: Mapping[str, str] | None = None
) -> Credentials:
    """The account's keys: the environment first, then ``secrets.toml`` in ``config_dir``.

    Raises:
        ConfigError: the file is readable by others (says its mode and the fix), is not
            valid TOML, or neither place has both an API key and a secret (says which
            variables and which file were looked at).
    """
    env = os.environ if environ is None else environ
    prefix = env_prefix(account)
    found = {name: env.get(prefix + _SUFFIX[name], "") for name in _FIELDS}
    if found["api_key"] and found["secret"]:
        return Credentials(**found, source="environment")
    path = config_dir / SECRETS_FILE
    table = _file_table(path, account)
    if table.get("api_key") and table.get("secret"):
        values = {name: str(table.get(name, "")) for name in _FIELDS}
        return Credentials(**values, source=str(path))
    names = env_names(account)
    raise ConfigError(
        f"live account {account!r} has no API keys: set {names[0]} and {names[1]} "
        f"(and {names[2]} / {names[3]} where the exchange needs them), or add a "
        f'[{account}] table with api_key = "..." and secret = "..." to {path} (mode 0600)'
    )


def _file_table(path: Path, account: str) -> Mapping[str, object]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    if mode & 0o077:
        raise ConfigError(
            f"{path} has mode {mode:04o}: other users could read your API keys. "
            f"It must be 0600; fix it with: chmod 600 {path}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    table = data.get(account, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{account}] must be a table with api_key and secret")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} in [{account}]; allowed: {', '.join(_FIELDS)}"
        )
    return table
