"""The reader registry: every source format, built-in or third-party, is registered here.

A new format is one new module with a :class:`~accord.sources.readers.base.Reader`
subclass decorated with :func:`register_reader`. Third-party readers are asked first,
latest registered first, so one can claim a source a built-in would take (by its name,
or by its content); the built-ins follow in a fixed order, CSV last because it takes any
path without a URL scheme.

A file's content decides before its name (:func:`reader_for`): an extract named
``.csv`` that starts with Parquet's magic bytes is read as Parquet, and the mismatch is
noted on the reader for the report. Text that is only "some text" keeps the text
format its name gives where it may be that format (a ``.jsonl`` whose first line is
broken but others are objects is still JSON lines; one with no object is CSV), while
text starting with a JSON object is JSON lines whatever its name.
"""

from __future__ import annotations

import threading
from importlib import import_module
from pathlib import Path

from accord.sources.errors import MappingError, UnsupportedSource
from accord.sources.models import SourceOptions
from accord.sources.readers.base import Reader

BUILTIN_READERS = (
    "accord.sources.readers.sql",
    "accord.sources.readers.excel",
    "accord.sources.readers.parquet",
    "accord.sources.readers.arrow",
    "accord.sources.readers.jsonl",
    "accord.sources.readers.csv",
)
"""Built-in readers, most particular first: the order they are asked in."""
HEAD_BYTES = 8192
"""Bytes read from the start of a file to recognise its format."""

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
    third_party, builtin = _split()
    return third_party + builtin


def _split() -> tuple[list[type[Reader]], list[type[Reader]]]:
    rank = {module: i for i, module in enumerate(BUILTIN_READERS)}
    third_party = [c for c in _readers if c.__module__ not in rank]
    builtin = sorted(
        (c for c in _readers if c.__module__ in rank), key=lambda c: rank[c.__module__]
    )
    return third_party, builtin


def reader_for(source: str, options: SourceOptions, scratch: Path, chunk_rows: int) -> Reader:
    """The reader for ``source``, or :class:`UnsupportedSource` naming what is supported.

    A note on the reader (``notes``) says when the content contradicts the file's name.
    """
    cls, note = _choose(source)
    try:
        reader = cls(source, options, scratch, chunk_rows)
    except MappingError as exc:
        # The mapping was written for the format the name promised.
        raise MappingError(f"{exc}\n({note})" if note else str(exc)) from exc
    if note:
        reader.notes.append(note)
    return reader


def _choose(source: str) -> tuple[type[Reader], str | None]:
    """The reader class for ``source`` and a note when its content and name disagree."""
    readers()
    third_party, builtin = _split()
    path = Path(source)
    head = _head(path) if "://" not in source else None

    def recognised(cls: type[Reader]) -> bool:
        return head is not None and cls.recognises(head, path)

    for cls in third_party:
        if cls.accepts(source) or recognised(cls):
            return cls, None
    by_name = next((c for c in builtin if c.accepts(source)), None)
    by_content = next((c for c in builtin if recognised(c)), None)
    if by_content is None or by_content is by_name:
        if by_name is None:
            kinds = ", ".join(sorted({c.kind for c in readers()}))
            raise UnsupportedSource(f"{source}: no reader for this source (readers: {kinds})")
        return by_name, None
    if by_name is not None and by_content.any_text and by_name.resembles(head or b"", path):
        return by_name, None  # only "some text", and it may be what the name says
    note = None
    if by_name is not None and _named_as(by_name, path):
        note = (
            f"{source}: the content is {by_content.kind}, not {by_name.kind} as the file's "
            f"name says; read as {by_content.kind}"
        )
    return by_content, note


def _named_as(cls: type[Reader], path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in cls.suffixes)


def _head(path: Path) -> bytes | None:
    """The first bytes of a readable file; None for anything else (the reader says why)."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return None
