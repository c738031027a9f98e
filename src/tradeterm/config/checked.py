"""Settings remembered from a config file's last validation: a file unchanged since then (and
a schema unchanged too) loads them again without importing pydantic.

Validating a config file imports pydantic and builds the schema's models, about 0.1-0.2 s
of CPU, and every start on a real venue has a config file: it was the largest part of such a
start's work to the first book that a start on the sim (no file) does not do. The settings a
file validated to are kept, pickled, in ``cache/`` of the data directory the file names (as
the markets cache is), under a key made of the file's bytes and the schema's sources. A file
that changed, a schema that changed, a cache that cannot be read: the file is validated as
before. Only a file the user owns, not writable by others, is read back (a pickle runs code);
a file with credentials in it (say a ``ccxt`` table's ``apiKey``: secrets belong in the
environment or a secrets file) is never copied.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from tradeterm import paths
from tradeterm.config.settings import Settings

log = logging.getLogger("tradeterm.config")

SCHEMA = (
    "config/models.py",
    "config/settings.py",
    "config/risk_config.py",
    "config/section.py",
    "config/strategy_config.py",
    "domain/enums.py",
    "engine/risk_rules.py",
)
"""The sources a validation's result depends on (relative to the tradeterm package)."""
_PACKAGE = Path(__file__).resolve().parents[1]
CREDENTIALS = frozenset({"uid", "login", "twofa", "walletaddress"})
"""Keys (any case, ``_`` and ``-`` ignored) whose values are credentials (ccxt's
``requiredCredentials`` and ``secrets.toml``'s): a file naming one is not copied."""
CREDENTIAL_PARTS = ("apikey", "secret", "password", "passphrase", "privatekey", "token")
"""A key containing one of these (so spelled) is taken for a credential too."""


def _is_credential(key: str) -> bool:
    plain = key.lower().replace("_", "").replace("-", "")
    return plain in CREDENTIALS or any(part in plain for part in CREDENTIAL_PARTS)


def _holds_credentials(value: Any) -> bool:
    if isinstance(value, dict):
        return any(
            (isinstance(k, str) and _is_credential(k)) or _holds_credentials(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_holds_credentials(v) for v in value)
    return False


def cache_path(source: Path, raw: dict[str, Any]) -> Path | None:
    """Where ``source``'s checked settings are kept: ``cache/`` in the data directory its
    ``[general] data_dir`` names (else the default one); None when that key is not text, or
    the file holds credentials."""
    general = raw.get("general", {})
    data_dir = general.get("data_dir", "") if isinstance(general, dict) else ""
    if not isinstance(data_dir, str) or _holds_credentials(raw):
        return None
    folder = Path(data_dir).expanduser() if data_dir else paths.data_dir()
    name = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    return folder / "cache" / f"config-{name}.pickle"


def key_of(text: bytes) -> str:
    """The key a validation is kept under: the file's bytes, the schema's sources, Python's
    version, pydantic's (which does the validating; read from its ``version.py``, which also
    names the pydantic-core it needs, without importing it)."""
    digest = hashlib.sha256(text)
    digest.update(sys.version.encode())
    digest.update(_pydantic_version())
    for name in SCHEMA:
        try:
            digest.update((_PACKAGE / name).read_bytes())
        except OSError:
            digest.update(name.encode())  # (a missing source: never equal to a present one)
    return digest.hexdigest()


def _pydantic_version() -> bytes:
    try:
        spec = importlib.util.find_spec("pydantic")
        folders = spec.submodule_search_locations if spec is not None else None
        if not folders:
            return b"no pydantic"
        return (Path(next(iter(folders))) / "version.py").read_bytes()
    except (OSError, ImportError, ValueError):
        return b"pydantic unknown"


def recall(where: Path, key: str) -> Settings | None:
    """The settings kept at ``where`` under ``key``; None when there are none, they were kept
    under another key, or the file is not the user's own (or is reached through a link)."""
    try:
        # not through a link: one planted by someone who may write in the folder would have
        # another file of the user's unpickled (a symbolic one is refused, a hard one counted)
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022 or info.st_nlink != 1:
                return None
            kept = pickle.load(handle)
    except Exception:  # a damaged pickle can raise anything: validate the file instead
        return None
    if not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != key:
        return None
    settings = kept[1]
    return settings if isinstance(settings, Settings) else None


def remember(where: Path, key: str, settings: Settings) -> None:
    """Keep ``settings`` at ``where`` under ``key`` (owner-only, written atomically); a
    failure to write only costs the next start a validation."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        # a new file of a name no one could guess, never one already there (a link planted
        # in a folder others may write would have the settings written over what it names)
        part = where.with_name(f".{where.name}.{os.getpid()}.{os.urandom(8).hex()}.part")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(part, flags, 0o600)
    except OSError as exc:
        log.debug("config: validated settings not kept at %s (%s)", where, exc)
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((key, settings), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, where)
    except (OSError, pickle.PicklingError) as exc:
        log.debug("config: validated settings not kept at %s (%s)", where, exc)
        with contextlib.suppress(OSError):
            os.unlink(part)
