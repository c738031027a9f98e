"""Generated class code compiled once: a start runs the code an earlier start compiled.

``@dataclass`` writes each class's methods (``__init__``, ``__repr__``, ``__eq__``, a frozen
class's ``__hash__``, ``__setattr__`` and ``__delattr__``) as source text and compiles that
text every time a module defining the class is imported: about 1 ms a class, compiling most
of it. About 140 classes (Textual's and ours) are made before the workstation's first book,
80 of them after its first frame: that compiling was about a fifth of the work from the
first frame to the first book. A named tuple's ``__new__`` (``collections.namedtuple``: 70
of them, Rich's and Textual's) and a string annotation's ``typing.ForwardRef`` (270) are
compiled from text the same way, a little each.

The compiled code depends only on the text and the interpreter, so, like Python's bytecode
cache, it is kept in ``__pycache__`` (next to this module's bytecode, in a file named for the
interpreter, keyed by the exact text) and a later start runs it instead of compiling the
same text again. What runs is what ``exec`` (``eval``, ``compile``) of the text runs: the
same code, in the same globals, so the classes are the same. A missing, unreadable or
foreign file is ignored (the text is compiled as before); the file is written only where
bytecode is, and only when something new was compiled (see ``save``).
"""

from __future__ import annotations

import collections
import dataclasses
import marshal
import os
import sys
import typing
from importlib.util import MAGIC_NUMBER, cache_from_source
from pathlib import Path
from types import CodeType
from typing import Any

KEEP_AT_MOST = 2000
"""Entries kept in the file: beyond that, a save keeps only what its own start used (the
texts of classes since changed or removed do not pile up). A workstation start uses about
760 (720 kB, read in 1-2 ms)."""


def cache_path() -> Path:
    """The cache file beside this module's bytecode (``sys.pycache_prefix`` honoured)."""
    pyc = Path(cache_from_source(__file__))
    return pyc.with_name(f"dataclass-code.{sys.implementation.cache_tag}.bin")


class CodeCache:
    """Compiled code by source text, read from ``path`` and written back by ``save``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.code = _read(path)
        self.compiled = 0
        """Texts compiled by this start (not found in the file)."""
        self._used: set[str] = set()

    def code_of(self, source: str, mode: str = "exec") -> CodeType:
        """``compile(source, "<string>", mode)`` as in a module with no ``__future__``
        imports (dataclasses', collections', typing's): compiled only the first time ever."""
        key = source if mode == "exec" else f"{mode}\0{source}"
        code = self.code.get(key)
        if code is None:
            code = self.code[key] = compile(source, "<string>", mode, dont_inherit=True)
            self.compiled += 1
        self._used.add(key)
        return code

    def exec(
        self,
        source: str | CodeType,
        globals: dict[str, Any] | None = None,
        locals: dict[str, Any] | None = None,
    ) -> None:
        """``exec(source, globals, locals)``, compiling a text only the first time ever."""
        exec(self.code_of(source) if isinstance(source, str) else source, globals, locals)

    def eval(
        self,
        source: str | CodeType,
        globals: dict[str, Any] | None = None,
        locals: dict[str, Any] | None = None,
    ) -> Any:
        """``eval(source, globals, locals)``, compiling a text only the first time ever."""
        return eval(
            self.code_of(source, "eval") if isinstance(source, str) else source, globals, locals
        )

    def compile(self, source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
        """``compile(...)``: through the cache for a text of ``"<string>"`` with no more
        arguments, as ``typing.ForwardRef`` compiles an annotation; else as it is."""
        if args or kwargs or not isinstance(source, str) or filename != "<string>":
            return compile(source, filename, mode, *args, **kwargs)
        return self.code_of(source, mode)

    def save(self) -> None:
        """Write the file if this start compiled anything new (atomically: a start running
        meanwhile reads the old file or the new one). Not where bytecode is not written;
        an unwritable directory is ignored."""
        compiled = self.compiled
        if not compiled or sys.dont_write_bytecode:
            return
        keep = self.code
        if len(keep) > KEEP_AT_MOST:
            # (a copy taken at once: another thread may compile a class meanwhile)
            keep = {text: code for text, code in list(keep.items()) if text in self._used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # as Python writes bytecode: a new file, readable as the umask allows, renamed
            # (named for no one else: a killed start's file, left under a process id that a
            # later start may have again, as a container's always has, would stop every save)
            temporary = self.path.with_name(
                f".{self.path.name}.{os.getpid()}.{os.urandom(6).hex()}"
            )
            handle = os.open(temporary, os.O_EXCL | os.O_CREAT | os.O_WRONLY, 0o666)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(MAGIC_NUMBER)
                    marshal.dump(keep, out)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return
        self.compiled -= compiled  # (what was compiled meanwhile is for the next save)


def _read(path: Path) -> dict[str, CodeType]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(MAGIC_NUMBER):
        return {}  # another interpreter's (or not ours at all)
    try:
        loaded = marshal.loads(data[len(MAGIC_NUMBER) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        text: code
        for text, code in loaded.items()
        if isinstance(text, str) and isinstance(code, CodeType)
    }


_INSTALLED: list[CodeCache] = []
"""The cache dataclasses compiles through, once installed (at most one)."""


def install(path: Path | None = None) -> CodeCache:
    """From here on, dataclasses compiles through a cache read from ``path`` (default:
    ``cache_path()``). Installing again returns the cache already installed."""
    if not _INSTALLED:
        cache = CodeCache(cache_path() if path is None else path)
        # Each calls the builtin by name: a module global shadows it there, and only there.
        # dataclasses' one exec() makes every generated method, collections' one eval() a
        # named tuple's __new__, typing's one compile() a ForwardRef's code.
        dataclasses.exec = cache.exec  # type: ignore[attr-defined]
        collections.eval = cache.eval  # type: ignore[attr-defined]
        typing.compile = cache.compile  # type: ignore[attr-defined]
        _INSTALLED.append(cache)
    return _INSTALLED[0]


def save() -> None:
    """Write what the installed cache compiled since it was read (see ``CodeCache.save``)."""
    for cache in _INSTALLED:
        cache.save()


def exec_text(source: str, namespace: dict[str, Any]) -> None:
    """``exec(source, namespace)``, through the installed cache if there is one: for code
    made as dataclasses makes its methods (``domain/quick_init.py``)."""
    if _INSTALLED:
        _INSTALLED[0].exec(source, namespace)
    else:
        exec(source, namespace)


def uninstall() -> None:
    """dataclasses compiles every text again (tests)."""
    if _INSTALLED:
        del dataclasses.exec  # type: ignore[attr-defined]
        del collections.eval  # type: ignore[attr-defined]
        del typing.compile  # type: ignore[attr-defined]
        _INSTALLED.clear()
