"""The dataclass code cache (``tradeterm/code_cache.py``): a later start compiles none of the
texts an earlier start compiled, and its classes are the classes plain ``dataclasses``
makes; a bad or unwritable file costs nothing but the compiling. Each start is a fresh
interpreter, as a real start is."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tradeterm import code_cache
from tradeterm.cli import workstation
from tradeterm.config.load import load_config
from tradeterm.ui.app import TradetermApp

MODELS = '''
from __future__ import annotations
import dataclasses
import typing
from dataclasses import InitVar, dataclass, field

@dataclass(frozen=True, slots=True)
class Level:
    price: int
    size: int = 0
    venue: str = "sim"

@dataclass(order=True)
class Note:
    at: int
    text: str = field(default="", compare=False)
    tags: list[str] = field(default_factory=list)
    scale: InitVar[int] = 1

    def __post_init__(self, scale: int) -> None:
        self.at *= scale

@dataclass(frozen=True, kw_only=True)
class Keyed:
    name: str
    weight: float = 1.0

class Point(typing.NamedTuple):
    x: int
    y: int = 0

MaybeLevel = typing.Optional["Level"]

def behaviour() -> list[str]:
    """What a user of the classes can see of them, as text."""
    a, b = Level(1, 2), Level(1, 2)
    seen = [repr(a), str(a == b), str(hash(a) == hash(b)), repr(dataclasses.replace(a, size=5))]
    try:
        a.size = 3  # type: ignore[misc]
    except dataclasses.FrozenInstanceError as exc:
        seen.append(f"frozen: {exc}")
    seen.append(str(hasattr(a, "__dict__")))
    n, m = Note(2, "x", scale=3), Note(5)
    seen += [repr(n), str(n < m), str(n == Note(6, "other")), repr(Keyed(name="k"))]
    seen.append(str([f.name for f in dataclasses.fields(Note)]))
    try:
        Keyed("positional")  # type: ignore[misc]
    except TypeError as exc:
        seen.append(f"kw_only: {exc}")
    p = Point(1)
    seen += [repr(p), repr(p._replace(y=3)), str(Point._fields), str(p == (1, 0))]
    seen.append(repr(typing.get_type_hints(behaviour_hint, globals())))
    try:
        Point(1, 2, 3)  # type: ignore[call-arg]
    except TypeError as exc:
        seen.append(f"new: {exc}")
    return seen

def behaviour_hint(level: MaybeLevel) -> None: ...
'''


def start(tmp_path: Path, cache: Path | None, models: str = MODELS) -> dict[str, object]:
    """Import the models in a fresh interpreter (through the cache at ``cache``, if given),
    save, and report what was compiled and how the classes behave."""
    (tmp_path / "models.py").write_text(models, encoding="utf-8")
    install = (
        f"from tradeterm import code_cache\ncache = code_cache.install(Path({str(cache)!r}))\n"
        if cache is not None
        else "cache = None\n"
    )
    script = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        {install}
        import models
        compiled = None if cache is None else cache.compiled
        if cache is not None:
            cache.save()
        code = {{
            name: [
                getattr(models, cls).__dict__[name].__code__.co_code.hex()
                for cls in ("Level", "Note", "Keyed")
                if hasattr(getattr(models, cls).__dict__.get(name), "__code__")
            ]
            for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__lt__")
        }}
        code["Point.__new__"] = [models.Point.__new__.__code__.co_code.hex()]
        code["ForwardRef"] = [models.MaybeLevel.__args__[0].__forward_code__.co_code.hex()]
        print(json.dumps({{"compiled": compiled, "behaviour": models.behaviour(), "code": code}}))
        """
    ).format(install=install)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_a_later_start_compiles_nothing_and_makes_the_same_classes(tmp_path: Path) -> None:
    cache = tmp_path / "pycache" / "dataclass-code.bin"
    plain = start(tmp_path, None)
    first = start(tmp_path, cache)
    assert isinstance(first["compiled"], int) and first["compiled"] > 0
    assert cache.exists()
    kept = code_cache.CodeCache(cache).code
    assert "eval\0lambda _cls, x, y: _tuple_new(_cls, (x, y))" in kept  # Point.__new__
    assert "eval\0Level" in kept  # the ForwardRef of Optional["Level"]
    later = start(tmp_path, cache)
    assert later["compiled"] == 0
    for run in (first, later):
        assert run["behaviour"] == plain["behaviour"]
        assert run["code"] == plain["code"]  # the very bytecode exec of the text makes


def test_a_class_changed_since_is_compiled_afresh(tmp_path: Path) -> None:
    cache = tmp_path / "dataclass-code.bin"
    start(tmp_path, cache)
    models = MODELS.replace('venue: str = "sim"', 'venue: str = "sim"\n    seq: int = 0')
    changed = start(tmp_path, cache, models)
    plain = start(tmp_path, None, models)
    assert isinstance(changed["compiled"], int) and changed["compiled"] > 0
    assert changed["behaviour"] == plain["behaviour"]
    assert "seq=0" in str(changed["behaviour"][0])


@pytest.mark.parametrize(
    "content",
    [b"", b"not a cache at all", b"\x00\x00\r\n" + b"garbage", None],
    ids=["empty", "foreign", "other interpreter", "truncated"],
)
def test_a_bad_file_is_compiled_over_and_replaced(tmp_path: Path, content: bytes | None) -> None:
    cache = tmp_path / "dataclass-code.bin"
    start(tmp_path, cache)
    good = cache.read_bytes()
    cache.write_bytes(good[: len(good) // 2] if content is None else content)
    plain = start(tmp_path, None)
    again = start(tmp_path, cache)
    assert isinstance(again["compiled"], int) and again["compiled"] > 0
    assert again["behaviour"] == plain["behaviour"]
    assert start(tmp_path, cache)["compiled"] == 0  # written whole again


def test_an_unwritable_place_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    run = start(tmp_path, blocker / "pycache" / "dataclass-code.bin")
    assert isinstance(run["compiled"], int) and run["compiled"] > 0


def test_nothing_is_written_where_bytecode_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = code_cache.CodeCache(tmp_path / "dataclass-code.bin")
    namespace: dict[str, object] = {}
    cache.exec("def f():\n return 1\n", namespace)
    cache.save()
    assert not cache.path.exists()
    assert cache.compiled == 1


def test_the_workstation_saves_what_it_compiled_once_it_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tradeterm`` saves once the market is drawn (a start that is killed later still
    leaves its code for the next), not before."""
    monkeypatch.setenv("TRADETERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(workstation, "setup_logging", lambda *_args: None)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as in a user's start
    path = tmp_path / "dataclass-code.bin"
    code_cache.uninstall()
    cache = code_cache.install(path)
    seen: dict[str, bool] = {}

    def run(app: TradetermApp) -> None:
        namespace: dict[str, object] = {}
        cache.exec("def made_while_starting():\n return 1\n", namespace)
        seen["saved before open"] = path.exists()
        assert app.on_open is not None
        app.on_open()  # what the app calls once the market is drawn
        seen["saved once open"] = path.exists()

    monkeypatch.setattr(TradetermApp, "run", run)
    try:
        config = load_config(None, tmp_path / "no-config.toml")[0]
        assert workstation.run_workstation(config, tmp_path / "config.toml") == 0
        assert seen == {"saved before open": False, "saved once open": True}
        assert "def made_while_starting():\n return 1\n" in code_cache.CodeCache(path).code
    finally:
        code_cache.uninstall()
        gc.unfreeze()
        gc.enable()


def test_a_full_file_keeps_only_what_the_start_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "dataclass-code.bin"
    old, kept, new = (f"def f{i}():\n return {i}\n" for i in range(3))
    first = code_cache.CodeCache(path)
    for text in (old, kept):
        first.exec(text, {})
    first.save()
    monkeypatch.setattr(code_cache, "KEEP_AT_MOST", 2)
    second = code_cache.CodeCache(path)
    for text in (kept, new):
        second.exec(text, {})
    assert second.compiled == 1  # ``kept`` came from the file
    second.save()
    assert set(code_cache.CodeCache(path).code) == {kept, new}


def test_quick_init_compiles_its_init_once_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The faster ``__init__`` of the hot frozen dataclasses (``domain/quick_init.py``) is
    made as dataclasses makes its methods, so it goes through the same cache."""
    from dataclasses import dataclass

    from tradeterm.domain.quick_init import quick_init

    def make() -> type:
        @quick_init
        @dataclass(frozen=True, slots=True)
        class Print:
            symbol: str
            price: int
            venue: str = "sim"

        return Print

    plain = make()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "dataclass-code.bin"
    code_cache.uninstall()
    try:
        first = code_cache.install(path)
        cached = make()
        assert first.compiled > 0
        first.save()
        code_cache.uninstall()
        later = code_cache.install(path)
        again = make()
        assert later.compiled == 0
    finally:
        code_cache.uninstall()
    for cls in (cached, again):
        assert repr(cls("BTC/USDT", 5)) == repr(plain("BTC/USDT", 5))
        assert cls.__init__.__code__.co_code == plain.__init__.__code__.co_code


def test_a_text_compiled_while_a_full_file_is_saved_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workstation saves on the UI thread while other threads may still make classes: a
    text compiled during the save of a full file (where it keeps only what was used) neither
    breaks the save nor the start."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(code_cache, "KEEP_AT_MOST", 1)
    cache = code_cache.CodeCache(tmp_path / "dataclass-code.bin")
    late = "def late():\n return 2\n"

    class UsedMeanwhile(set[str]):
        def __contains__(self, text: object) -> bool:  # another thread compiles meanwhile
            if late not in cache.code:
                cache.exec(late, {})
            return super().__contains__(text)

    for i in range(3):
        cache.exec(f"def f{i}():\n return {i}\n", {})
    cache._used = UsedMeanwhile(cache._used)
    cache.save()
    assert "def f0():\n return 0\n" in code_cache.CodeCache(cache.path).code


def test_a_temporary_file_left_by_a_killed_start_does_not_stop_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start killed while writing leaves its temporary file; a later start may get the same
    process id (a container's start always does): it still saves."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    cache = code_cache.CodeCache(tmp_path / "dataclass-code.bin")
    (tmp_path / f".{cache.path.name}.{os.getpid()}").write_bytes(b"half written")
    cache.exec("def f():\n return 1\n", {})
    cache.save()
    assert "def f():\n return 1\n" in code_cache.CodeCache(cache.path).code
