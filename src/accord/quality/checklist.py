"""Checklists: YAML files naming the checks to run, validated against a published schema.

```yaml
include_defaults: true          # optional: the default checks for the dataset's fields too
checks:
  - type: completeness
    field: nhs_number
  - type: timeliness
    update_frequency: monthly
```

The schema is built from the registered check types (each a pydantic model), so a
custom check is validated and published like a built-in; ``python -m
accord.quality.schema`` rewrites ``docs/checklist.schema.json``, and a test fails when
that file is stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from accord.people import CANONICAL_FIELDS
from accord.quality.checks import Check, check_types
from accord.quality.checks.accuracy import InReference
from accord.quality.checks.consistency import PostcodeTown, SharedNhsNumber, TitleSex
from accord.quality.checks.timeliness import FREQUENCY_DAYS, Timeliness
from accord.quality.checks.uniqueness import STRONG_KEYS, DuplicatePersons
from accord.quality.errors import ChecklistError
from accord.quality.models import Dimension
from accord.store import UnreadableDocument, read_yaml

SCHEMA_ID = "https://accord.example/schemas/checklist.schema.json"
VALIDATED = ("date_of_birth", "sex", "nhs_number", "ni_number", "postcode", "phone", "email")


@dataclass(frozen=True)
class Checklist:
    """A validated checklist; ``where`` names it in errors, ``base_dir`` resolves its files."""

    checks: tuple[Check, ...]
    include_defaults: bool = False
    where: str = "(default checklist)"
    base_dir: Path = field(default_factory=Path)


@cache
def _model(types: tuple[type[Check], ...]) -> type[BaseModel]:
    # The union of the registered types is only known at run time.
    entry: Any = Annotated[Union[types], Field(discriminator="type")]  # noqa: UP007
    return create_model(
        "Checklist",
        __config__=ConfigDict(extra="forbid", title="Accord quality checklist"),
        include_defaults=(bool, Field(default=False, description="Run the default checks too.")),
        checks=(list[entry], Field(default_factory=list)),
    )


def checklist_model() -> type[BaseModel]:
    """The pydantic model of a checklist file over every registered check type."""
    return _model(tuple(check_types().values()))


def checklist_schema() -> dict[str, Any]:
    """The JSON Schema of checklist files, as published in docs/checklist.schema.json."""
    schema = checklist_model().model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def load_checklist(path: Path) -> Checklist:
    """Read and validate a checklist file; refuse it with the file and the key named."""
    try:
        data = read_yaml(path, "checklist")
    except UnreadableDocument as exc:
        raise ChecklistError(str(exc)) from exc
    return parse_checklist(data, str(path), path.resolve().parent)


def parse_checklist(data: object, where: str, base_dir: Path) -> Checklist:
    """Validate an already-parsed checklist document; ``where`` names it in errors."""
    if not isinstance(data, dict):
        raise ChecklistError(f"{where}: a checklist must be a YAML mapping with 'checks:'")
    try:
        model = checklist_model().model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(_describe(exc, where)) from exc
    checks = tuple(getattr(model, "checks", ()))
    return Checklist(checks, bool(getattr(model, "include_defaults", False)), where, base_dir)


def _describe(exc: ValidationError, where: str) -> str:
    slugs = set(check_types())
    lines = []
    for err in exc.errors():
        # The tagged union adds the check type to the location: checks.2.completeness.field.
        parts = [p for i, p in enumerate(err["loc"]) if not (i == 2 and p in slugs)]
        key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)
        key = key.replace(".[", "[") or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "union_tag_invalid":
            key, message = f"{key}.type", f"unknown check type; known: {', '.join(slugs_sorted())}"
        elif err["type"] == "union_tag_not_found":
            key, message = f"{key}.type", "missing: every check needs a type"
        lines.append(f"{where}: {key}: {message}")
    return "\n".join(lines)


def slugs_sorted() -> list[str]:
    return sorted(check_types())


@dataclass(frozen=True)
class Declared:
    """What the node knows of a dataset beyond its snapshot, for the default checklist."""

    update_frequency: str | None = None
    """How often the dataset is refreshed, as its catalogue description declares."""
    reference: Path | None = None
    """A list of valid postcodes (setting ``quality_postcode_reference``)."""
    reference_column: str = "postcode"
    """The list's column of postcodes."""


def default_checks(fields: Iterable[str], declared: Declared | None = None) -> tuple[Check, ...]:
    """The checks run when no checklist is given, for a snapshot with ``fields`` mapped."""
    mapped = set(fields)
    declared = declared or Declared()
    if "full_name" in mapped:
        mapped |= {"given_name", "family_name"}
    types = check_types()
    # Middle names are absent for most people: blank is not incomplete there.
    wanted = [f for f in CANONICAL_FIELDS if f in mapped and f != "middle_names"]
    checks: list[Check] = [types["completeness"].model_validate({"field": f}) for f in wanted]
    checks += [types["validity"].model_validate({"field": f}) for f in VALIDATED if f in mapped]
    checks.append(types["unique"].model_validate({}))
    if any(mapped >= set(key) for key in STRONG_KEYS):
        checks.append(DuplicatePersons())
    if {"given_name", "sex"} <= mapped:
        checks.append(TitleSex())
    if {"postcode", "address"} <= mapped:
        checks.append(PostcodeTown())
    if {"nhs_number", "date_of_birth"} <= mapped:
        checks.append(SharedNhsNumber())
    frequency = declared.update_frequency
    if frequency is not None and frequency in FREQUENCY_DAYS:
        checks.append(Timeliness.model_validate({"update_frequency": frequency}))
    if declared.reference is not None and "postcode" in mapped:
        checks.append(InReference(field="postcode", reference=declared.reference,
                                  column=declared.reference_column))  # fmt: skip
    return tuple(checks)


def missing_from_defaults(fields: Iterable[str], declared: Declared) -> dict[Dimension, str]:
    """Why the default checklist has no check of timeliness or accuracy, where it has none."""
    found: dict[Dimension, str] = {}
    frequency = declared.update_frequency
    if frequency is None:
        found[Dimension.TIMELINESS] = (
            "no update frequency declared: describe the dataset in the catalogue "
            "(update_frequency) or add a timeliness check"
        )
    elif frequency not in FREQUENCY_DAYS:
        found[Dimension.TIMELINESS] = (
            f"the catalogue declares the dataset updated {frequency}: no age to judge "
            "the snapshot by (add a timeliness check with max_age_days)"
        )
    if declared.reference is None:
        found[Dimension.ACCURACY] = (
            "no reference list to judge values by: set quality_postcode_reference "
            "(docs/settings.md) or add an in_reference check"
        )
    elif "postcode" not in set(fields):
        found[Dimension.ACCURACY] = (
            "the postcode reference list has nothing to judge: this dataset maps no postcode"
        )
    return found
