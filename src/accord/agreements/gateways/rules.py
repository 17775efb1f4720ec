"""Gateway rules: the shipped file and a steward's, validated, merged, cross-checked.

Reading runs in three steps, each reporting every problem it finds with the file, the
entry and the field: each file against :class:`RuleFile` (the schema published as
``docs/gateways.schema.json``); the files merged in order, the shipped one first (an id
defined twice is refused unless the later entry says ``replaces: true``); then every
name a rule or gateway uses checked against what the merged files define. A node's
extra files are named by the setting ``gateway_rules`` (a file, or a folder of them).
``python -m accord.agreements.gateways.schema`` rewrites the published schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accord.agreements.errors import GatewayRulesInvalid
from accord.agreements.gateways.models import (
    SECTIONS,
    BasisEntry,
    CriminalOffenceEntry,
    GatewayEntry,
    PartyKind,
    PurposeEntry,
    Rule,
    RuleFile,
    SpecialCategoryEntry,
)
from accord.store import UnreadableDocument, Workspace, read_yaml

SCHEMA_ID = "urn:accord:schema:gateways:1"
SHIPPED = "accord/agreements/gateways/rules.yaml (shipped)"
"""How the shipped file is named in messages."""
SETTING = "gateway_rules"
SUFFIXES = (".yaml", ".yml")

Problem = tuple[str, str, str]


@dataclass(frozen=True)
class GatewayRules:
    """Every entry of the rules in force, by id, in the order the files define them."""

    purposes: Mapping[str, PurposeEntry]
    party_kinds: Mapping[str, PartyKind]
    article_6: Mapping[str, BasisEntry]
    article_9: Mapping[str, SpecialCategoryEntry]
    article_10: Mapping[str, CriminalOffenceEntry]
    gateways: Mapping[str, GatewayEntry]
    rules: Mapping[str, Rule]
    files: tuple[str, ...]
    """The files merged, shipped first."""
    origins: Mapping[tuple[str, str], tuple[str, str]]
    """(section, id) -> (file, ``section.N (id ID)``): where each entry in force was defined."""

    def groups(self) -> list[str]:
        """Every group a kind of party belongs to, in the order first named."""
        return list(dict.fromkeys(g for kind in self.party_kinds.values() for g in kind.groups))

    def party_names(self) -> list[str]:
        """What a rule or gateway may name for parties: a kind or a group."""
        return [*self.party_kinds, *(g for g in self.groups() if g not in self.party_kinds)]


def gateway_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a gateway rules file."""
    schema = RuleFile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}  # fmt: skip


def load_gateway_rules(
    paths: Iterable[Path] = (), *, workspace: Workspace | None = None
) -> GatewayRules:
    """The shipped rules, then the workspace's (setting ``gateway_rules``), then ``paths``
    (files, or folders of ``.yaml`` files), merged; :class:`GatewayRulesInvalid` lists
    every problem."""
    files: list[tuple[str, RuleFile]] = [(SHIPPED, shipped_file())]
    problems: list[Problem] = []
    extra = [*(_setting_files(workspace) if workspace is not None else []), *_expand(paths)]
    for path in extra:
        try:
            files.append((str(path), read_rule_file(path)))
        except GatewayRulesInvalid as exc:
            problems += exc.problems
    if problems:
        raise GatewayRulesInvalid(problems)
    return merge(files)


@cache
def shipped_file() -> RuleFile:
    """The rules shipped with Accord (parsed once: the models are immutable)."""
    resource = resources.files("accord.agreements.gateways") / "rules.yaml"
    with resources.as_file(resource) as path:
        return _parse(_read(path, SHIPPED), SHIPPED)


def read_rule_file(path: Path) -> RuleFile:
    """One rules file, validated against the schema."""
    return _parse(_read(path, str(path)), str(path))


def _read(path: Path, source: str) -> object:
    try:
        return read_yaml(path, "gateway rules file")
    except UnreadableDocument as exc:
        raise GatewayRulesInvalid([(source, "(file)", str(exc).removeprefix(f"{path}: "))]) from exc
    except OSError as exc:
        raise GatewayRulesInvalid([(source, "(file)", exc.strerror or str(exc))]) from exc


def _setting_files(ws: Workspace) -> list[Path]:
    setting = ws.settings.gateway_rules
    if setting is None:
        return []
    path = ws.root / setting
    if not path.exists():
        raise GatewayRulesInvalid([(f"setting {SETTING}", str(path),
                                    "no such file or folder (docs/gateways.md)")])  # fmt: skip
    return list(_expand([path]))


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def _parse(data: object, source: str) -> RuleFile:
    if not isinstance(data, dict):
        raise GatewayRulesInvalid([(source, "(top level)", "expected a mapping of lists: "
                                    + ", ".join(SECTIONS))])  # fmt: skip
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        raise GatewayRulesInvalid([(source, *_problem(e, data)) for e in exc.errors(
            include_url=False)]) from None  # fmt: skip


def _problem(error: Any, data: dict[str, Any]) -> tuple[str, str]:
    """(entry, field: what) for one pydantic error, the entry named by its id."""
    loc = list(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = (
            "is not a field here (misspelt?)"
            if len(loc) > 1
            else ("is not a list of a rules file; they are: " + ", ".join(SECTIONS))
        )
    elif error["type"] == "string_pattern_mismatch":
        url = "source" in loc or "guidance" in loc
        message = ("must be an https:// URL" if url else
                   "must be lower case letters, digits, . _ - (an id)")  # fmt: skip
        message += f" (got {json.dumps(error['input'])[:60]})"
    elif "input" in error and not isinstance(error["input"], dict | list):
        message = f"{message} (got {json.dumps(error['input'], default=str)[:60]})"
    if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
        entry = data.get(loc[0], [])[loc[1]] if isinstance(data.get(loc[0]), list) else None
        named = entry.get("id") if isinstance(entry, dict) else None
        where = f"{loc[0]}.{loc[1]}" + (f" (id {named})" if isinstance(named, str) else "")
        field = ".".join(str(p) for p in loc[2:])
        return where, f"{field}: {message}" if field else message
    return ".".join(str(p) for p in loc) or "(top level)", message


def merge(files: list[tuple[str, RuleFile]]) -> GatewayRules:
    """The files' entries in order; an id already defined is refused unless replaced."""
    held: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    origins: dict[tuple[str, str], tuple[str, str]] = {}
    problems: list[Problem] = []
    for source, document in files:
        for section in SECTIONS:
            entries: list[Any] = getattr(document, section)
            for i, entry in enumerate(entries):
                where = f"{section}.{i} (id {entry.id})"
                known = held[section]
                if entry.id in known and not entry.replaces:
                    first = " ".join(origins[(section, entry.id)])
                    problems.append(
                        (
                            source,
                            where,
                            f"id {entry.id!r} is already defined "
                            f"({first}); to replace it, say 'replaces: true'",
                        )
                    )
                elif entry.replaces and entry.id not in known:
                    problems.append((source, where, f"replaces: true, but no earlier file "
                                     f"defines {section} {entry.id!r}"))  # fmt: skip
                else:
                    known[entry.id] = entry  # a replacement keeps the first one's place
                    origins[(section, entry.id)] = (source, where)
    if problems:
        raise GatewayRulesInvalid(problems)
    book = GatewayRules(**held, files=tuple(s for s, _ in files), origins=origins)
    problems = list(_reference_problems(book))
    if problems:
        raise GatewayRulesInvalid(problems)
    return book


def _reference_problems(book: GatewayRules) -> Iterator[Problem]:
    """Every name a rule or gateway uses that the merged files do not define."""
    parties = book.party_names()
    for rule in book.rules.values():
        source, where = book.origins[("rules", rule.id)]
        checks: list[tuple[str, list[str], Iterable[str], str]] = [
            ("when.purposes", rule.when.purposes, book.purposes, "a purpose"),
            ("when.every_party", rule.when.every_party, parties, "a kind or group of party"),
            ("when.some_party", rule.when.some_party, parties, "a kind or group of party"),
        ]
        for section in ("article_6", "article_9", "article_10", "gateways"):
            checks.append((f"propose.{section}", getattr(rule.propose, section),
                           getattr(book, section), f"an entry of {section}"))  # fmt: skip
        for field, names, known, what in checks:
            yield from _unknown(source, where, field, names, list(known), what)
    for gateway in book.gateways.values():
        source, where = book.origins[("gateways", gateway.id)]
        yield from _unknown(source, where, "covers", gateway.covers, parties,
                            "a kind or group of party")  # fmt: skip


def _unknown(source: str, where: str, field: str, names: list[str], known: list[str],
             what: str) -> Iterator[Problem]:  # fmt: skip
    for i, name in enumerate(names):
        if name not in known:
            yield (source, where, f"{field}.{i}: {name!r} is not {what} any file defines; "
                   f"known: {', '.join(known) or '(none)'}")  # fmt: skip
