"""The mapping file: which source column is which canonical person field.

```yaml
source: {encoding: cp1252, delimiter: ","}      # optional; sheet: / query: for Excel and SQL
fields:
  record_id: PatientID
  full_name: patient_name                         # split into given/middle/family
  date_of_birth: {column: birth_date, format: "%d/%m/%Y"}   # or format: infer
  sex: {column: sex_code, codes: {"1": male, "2": female}}
  address: [AddressLine1, AddressLine2]           # several columns joined
attributes: [Ward, AdmissionDate, {admitted_from: "Source of admission"}]
required: [record_id]                             # optional; a row without these is quarantined
```

Attributes are carried into the snapshot under a safe canonical name that agreements and
checklists can name: the column's own name in snake case (``AdmissionDate`` ->
``admission_date``), or the one given as ``{canonical: Original}``. The original spelling
stays in the snapshot's stored mapping.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_snake

from accord.people import INPUT_FIELDS, NAME_FIELDS, OUTPUT_COLUMNS, Sex
from accord.store import NAME_PATTERN, NAME_RULE, is_name

ColumnName = Annotated[str, Field(min_length=1, max_length=256)]
AttributeName = Annotated[str, Field(pattern=NAME_PATTERN)]
"""An attribute's canonical name in a snapshot: the one identifier pattern."""


def canonical_column(original: str) -> str:
    """The snake-case name a source column is carried under (``RegisteredDate`` ->
    ``registered_date``, ``Date of birth`` -> ``date_of_birth``, ``Né`` -> ``ne``); ""
    when nothing of it is left (``日付``)."""
    folded = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", to_snake(folded.strip()).lower()).strip("_")


def _attribute_pairs(value: object) -> object:
    """``attributes:`` as ``{canonical: original}``, from a list of columns (each a name or
    a one-key ``{canonical: Original}``) or a mapping; refuses two columns under one name."""
    if isinstance(value, dict):
        value = [{k: v} for k, v in value.items()]
    if not isinstance(value, list):
        return value
    pairs: dict[str, object] = {}
    for item in value:
        if isinstance(item, dict) and len(item) == 1:
            [(canonical, original)] = item.items()
            if not is_name(canonical):
                raise ValueError(
                    f"attributes: {str(canonical)[:60]!r} is not a safe name; {NAME_RULE}"
                )
        elif isinstance(item, str):
            canonical, original = canonical_column(item), item
            if not is_name(canonical):
                raise ValueError(
                    f"attributes: column {item[:60]!r} has no safe name of its own; "
                    f"give it one: {{some_name: {item[:60]!r}}}"
                )
        else:
            return value  # pydantic names what is wrong with it
        if canonical in pairs:
            raise ValueError(
                f"attributes: {pairs[canonical]!r} and {original!r} would both be "
                f"{canonical!r}; name one with {{other_name: {original!r}}}"
            )
        pairs[canonical] = original
    return pairs


class SourceOptions(BaseModel):
    """How to open the source. Keys that do not apply to a reader are refused by it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: str | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quote: str | None = Field(default=None, min_length=1, max_length=1)
    sheet: str | None = None
    query: str | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {value!r} (e.g. utf-8, cp1252, latin-1)"
                ) from None
        return value


class FieldSpec(BaseModel):
    """One canonical field's source column(s) and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: ColumnName | list[ColumnName]
    format: str | None = None
    codes: dict[str, Sex] | None = None

    @field_validator("column")
    @classmethod
    def _some_columns(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("list of columns is empty")
        return value

    @property
    def columns(self) -> list[str]:
        return [self.column] if isinstance(self.column, str) else list(self.column)


class Mapping(BaseModel):
    """A whole mapping file, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceOptions = SourceOptions()
    fields: dict[str, FieldSpec]
    attributes: dict[AttributeName, ColumnName] = {}
    """Carried columns: canonical name -> the source's column (see the module docstring)."""
    required: list[str] = ["record_id"]

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_names(cls, value: object) -> object:
        return _attribute_pairs(value)

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        """``field: Column`` and ``field: [A, B]`` are short for ``{column: ...}``."""
        if not isinstance(value, dict):
            return value
        return {k: {"column": v} if isinstance(v, str | list) else v for k, v in value.items()}

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        # Messages start with the key they are about; mapping.py reports that key.
        for name, spec in value.items():
            if name not in INPUT_FIELDS:
                raise ValueError(
                    f"fields.{name}: unknown field; known fields: {', '.join(INPUT_FIELDS)}"
                )
            if isinstance(spec.column, list) and name != "address":
                raise ValueError(f"fields.{name}.column: only address may join several columns")
            if spec.format is not None and name != "date_of_birth":
                raise ValueError(f"fields.{name}.format: 'format' applies to date_of_birth only")
            if spec.codes is not None and name != "sex":
                raise ValueError(f"fields.{name}.codes: 'codes' applies to sex only")
        if "record_id" not in value:
            raise ValueError("fields.record_id: must be mapped: every record needs its source id")
        if "full_name" in value and value.keys() & set(NAME_FIELDS):
            raise ValueError(
                "fields.full_name: map either full_name or given_name/middle_names/family_name"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Mapping:
        for name in self.required:
            if name not in self.fields:
                raise ValueError(f"required: {name!r} is not mapped under fields")
        taken = {*OUTPUT_COLUMNS, "source_row"}
        clash = sorted(a for a in self.attributes if a in taken)
        if clash:
            raise ValueError(
                f"attributes: {clash} clash with standard column names; "
                "name them apart with {other_name: Original}"
            )
        originals = list(self.attributes.values())
        twice = sorted({a for a in originals if originals.count(a) > 1})
        if twice:
            raise ValueError(f"attributes: {twice} listed more than once")
        return self

    @property
    def date_format(self) -> str | None:
        """The explicit date-of-birth format, or None to infer it."""
        spec = self.fields.get("date_of_birth")
        if spec is None or spec.format in (None, "infer"):
            return None
        return spec.format

    @property
    def sex_codes(self) -> dict[str, Sex]:
        spec = self.fields.get("sex")
        return dict(spec.codes or {}) if spec else {}

    def source_columns(self) -> list[str]:
        """Every source column the mapping reads, in mapping order, without repeats."""
        cols = [c for spec in self.fields.values() for c in spec.columns]
        cols += self.attributes.values()
        return list(dict.fromkeys(cols))


SourceKind = Literal["csv", "excel", "jsonl", "sql"]
