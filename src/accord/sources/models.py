"""The mapping file: which source column is which canonical person field.

```yaml
source: {encoding: cp1252, delimiter: ","}      # optional; sheet: / query: for Excel and SQL
fields:
  record_id: PatientID
  full_name: patient_name                         # split into given/middle/family
  date_of_birth: {column: birth_date, format: "%d/%m/%Y"}   # or format: infer
  sex: {column: sex_code, codes: {"1": male, "2": female}}
  address: [AddressLine1, AddressLine2]           # several columns joined
attributes: [ward, admission_date]                # carried along, not identifiers
required: [record_id]                             # optional; a row without these is quarantined
```
"""

from __future__ import annotations

import codecs
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.people import INPUT_FIELDS, NAME_FIELDS, OUTPUT_COLUMNS, Sex

ColumnName = Annotated[str, Field(min_length=1, max_length=256)]


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
    attributes: list[ColumnName] = []
    required: list[str] = ["record_id"]

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
        # DuckDB folds identifier case, so "Postcode" would collide with "postcode".
        taken = {c.lower() for c in OUTPUT_COLUMNS} | {"source_row"}
        clash = sorted(a for a in self.attributes if a.lower() in taken)
        if clash:
            raise ValueError(f"attributes: {clash} clash with standard column names")
        twice = sorted({a for a in self.attributes if self.attributes.count(a) > 1})
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
        cols = [c for spec in self.fields.values() for c in spec.columns] + self.attributes
        return list(dict.fromkeys(cols))


SourceKind = Literal["csv", "excel", "jsonl", "sql"]
