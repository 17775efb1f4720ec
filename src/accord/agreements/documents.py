"""Agreements as YAML files: parse with errors that name the field, write back in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accord.agreements.errors import AgreementInvalid
from accord.agreements.models import Agreement
from accord.store import UnreadableDocument, check_output, read_yaml


def parse(data: Any, source: str = "agreement") -> Agreement:
    """An :class:`Agreement` from plain data; :class:`AgreementInvalid` lists every problem."""
    if not isinstance(data, dict):
        raise AgreementInvalid([("(top level)", "expected a mapping of fields")], source)
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        raise AgreementInvalid(_problems(exc), source) from None


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(agreement)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "value_error" and not error["loc"]:
            # The agreement's cross-field rules report "field: problem" lines.
            for line in message.splitlines():
                field, _, what = line.partition(": ")
                problems.append((field, what))
            continue
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "extra_forbidden":
            message = "is not a field of the agreement model (misspelt?)"
        elif "input" in error and error["type"] not in ("model_type",):
            message = f"{message} (got {_short(error['input'])})"
        problems.append((where, message))
    return problems


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def load(path: Path) -> Agreement:
    """The agreement in the YAML (or JSON) file at ``path``."""
    try:
        data = read_yaml(path, "agreement")
    except UnreadableDocument as exc:
        raise AgreementInvalid([("(file)", str(exc).removeprefix(f"{path}: "))],
                               str(path)) from exc  # fmt: skip
    return parse(data, str(path))


def to_yaml(agreement: Agreement) -> str:
    """The agreement as YAML, fields in the model's order, defaults left out."""
    data = agreement.model_dump(mode="json", exclude_defaults=True)
    if agreement.signatures:
        data["signatures"] = [s.model_dump(mode="json") for s in agreement.signatures]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save(agreement: Agreement, path: Path) -> None:
    """Write the agreement to ``path`` as YAML (replacing the file atomically); never over
    a workspace's own files."""
    check_output(path, force=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(to_yaml(agreement), encoding="utf-8")
    partial.replace(path)
