"""The export format registry.

A format is a small class with a stable ``name`` (how ``--format`` names it), the
standard it follows and a ``render`` of a dataset's :class:`~accord.catalog.models.Entry`
to text; :func:`register_format` makes it available. The built-ins register themselves
the same way when their modules are imported, which :func:`formats` does on first use.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from importlib import import_module
from typing import Any, ClassVar, TypeVar

from accord.catalog.errors import UnknownFormat
from accord.catalog.models import Entry
from accord.store import check_name

BUILTIN_FORMATS = (
    "accord.catalog.formats.dcat",
    "accord.catalog.formats.datapackage",
    "accord.catalog.formats.prov",
    "accord.catalog.formats.openlineage",
)


class ExportFormat(ABC):
    """One way of writing a dataset's catalogue entry on an open standard."""

    name: ClassVar[str]
    """The ``--format`` slug."""
    standard: ClassVar[str]
    """The standard followed, as docs/catalog.md names it."""
    media_type: ClassVar[str] = "application/json"
    filename: ClassVar[str]
    """The conventional file name, e.g. ``datapackage.json``."""
    needs_columns: ClassVar[bool] = False
    """Whether ``render`` needs each snapshot's columns (read from the files in DuckDB)."""

    @abstractmethod
    def render(self, entry: Entry) -> str:
        """The exported document."""

    @staticmethod
    def json(document: Any) -> str:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


F = TypeVar("F", bound=type[ExportFormat])
_formats: dict[str, type[ExportFormat]] = {}
_builtins_loaded = False


def register_format(cls: F) -> F:
    """Class decorator: make an export format available under its ``name``."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"{cls.__name__}: declare name: ClassVar[str] = 'slug'")
    check_name(name, f"{cls.__name__}: export format name")
    known = _formats.get(name)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"export format {name!r} is already registered by {known.__qualname__}")
    _formats[name] = cls
    return cls


def formats() -> dict[str, type[ExportFormat]]:
    """Every registered export format by name: the built-ins first, in a fixed order."""
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in BUILTIN_FORMATS:
            import_module(module)
    rank = {module: i for i, module in enumerate(BUILTIN_FORMATS)}
    return dict(sorted(_formats.items(), key=lambda kv: rank.get(kv[1].__module__, len(rank))))


def get_format(name: str) -> ExportFormat:
    """An instance of the format registered as ``name``."""
    check_name(name, "export format")
    found = formats().get(name)
    if found is None:
        raise UnknownFormat(f"no export format {name!r}; known: {', '.join(formats())}")
    return found()
