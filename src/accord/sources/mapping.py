"""Loading a mapping file, with errors that name the file and the key."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from accord.people import InvalidOption, check_date_format
from accord.sources.errors import MappingError
from accord.sources.models import Mapping
from accord.store import UnreadableDocument, read_yaml


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; refuse it with the file and key named."""
    try:
        data = read_yaml(path, "mapping file")
    except UnreadableDocument as exc:
        raise MappingError(str(exc)) from exc
    return parse_mapping(data, str(path))


def parse_mapping(data: object, where: str) -> Mapping:
    """Validate an already-parsed mapping document; ``where`` names it in errors."""
    if not isinstance(data, dict):
        raise MappingError(f"{where}: a mapping file must be a YAML mapping with 'fields:'")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_describe(exc, where)) from exc
    fmt = mapping.date_format
    if fmt is not None:
        try:
            check_date_format(fmt)
        except InvalidOption as exc:
            raise MappingError(f"{where}: fields.date_of_birth.format: {exc}") from exc
    return mapping


_OWN_KEY = re.compile(r"^((?:source|fields|attributes|required)(?:\.[^:\s]+)*): (.*)$", re.S)


def _describe(exc: ValidationError, where: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        # A check spanning several keys names the one it is about at the front.
        own = _OWN_KEY.match(message)
        if own:
            key, message = own.groups()
        lines.append(f"{where}: {key}: {message}")
    return "\n".join(lines)


def check_columns(mapping: Mapping, columns: Sequence[str], where: str, source: str) -> None:
    """Refuse a mapping naming columns the source does not have, before any row is read."""
    available = set(columns)
    problems = []
    for name, spec in mapping.fields.items():
        for col in spec.columns:
            if col not in available:
                problems.append(f"{where}: fields.{name}: column {col!r} is not in {source}")
    for col in mapping.attributes.values():
        if col not in available:
            problems.append(f"{where}: attributes: column {col!r} is not in {source}")
    if problems:
        shown = ", ".join(repr(c) for c in list(columns)[:40])
        raise MappingError("\n".join(problems) + f"\n(columns found: {shown})")
