"""The reader registry: every source format, built-in or third-party, is registered here.

A new format is one new module with a :class:`~accord.sources.readers.base.Reader`
subclass decorated with :func:`register_reader`. Third-party readers are asked first,
latest registered first, so one can claim a source a built-in would take; the built-ins
follow in a fixed order, CSV last because it takes any path without a URL scheme.
"""

from __future__ import annotations

import threading
from importlib import import_module
from pathlib import Path

from accord.sources.errors import UnsupportedSource
from accord.sources.models import SourceOptions
from accord.sources.readers.base import Reader

BUILTIN_READERS = (
    "accord.sources.readers.sql",
    "accord.sources.readers.excel",
    "accord.sources.readers.jsonl",
    "accord.sources.readers.csv",
)
"""Built-in readers, most particular first: the order they are asked in."""

_readers: list[type[Reader]] = []
_builtins_loaded = False
_loading = threading.Lock()


def register_reader(cls: type[Reader]) -> type[Reader]:
    """Class decorator: make a reader available to ``accord ingest``."""
    if cls not in _readers:
        _readers.insert(0, cls)
    return cls


def readers() -> list[type[Reader]]:
    """Every registered reader in the order they are asked (see the module docstring)."""
    global _builtins_loaded
    with _loading:  # two providers may ask at once: neither may see a half-filled registry
        if not _builtins_loaded:
            for module in BUILTIN_READERS:
                import_module(module)
            _builtins_loaded = True
    # Importing a built-in module early (a test, a plugin) must not change who is asked first.
    rank = {module: i for i, module in enumerate(BUILTIN_READERS)}
    third_party = [c for c in _readers if c.__module__ not in rank]
    builtin = sorted(
        (c for c in _readers if c.__module__ in rank), key=lambda c: rank[c.__module__]
    )
    return third_party + builtin


def reader_for(source: str, options: SourceOptions, scratch: Path, chunk_rows: int) -> Reader:
    """The reader for ``source``, or :class:`UnsupportedSource` naming what is supported."""
    for cls in readers():
        if cls.accepts(source):
            return cls(source, options, scratch, chunk_rows)
    kinds = ", ".join(sorted({c.kind for c in readers()}))
    raise UnsupportedSource(f"{source}: no reader for this source (readers: {kinds})")
