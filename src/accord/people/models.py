"""The canonical person record: input fields, output columns and options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel, ConfigDict

from accord.people.types import Sex

CANONICAL_FIELDS: tuple[str, ...] = (
    "record_id", "given_name", "middle_names", "family_name", "date_of_birth", "sex",
    "nhs_number", "ni_number", "postcode", "address", "phone", "email",
)  # fmt: skip
"""The fields of the canonical record, in export order."""

INPUT_FIELDS: tuple[str, ...] = (*CANONICAL_FIELDS, "full_name")
"""What a source may supply: the canonical fields, or one full name to be split."""

NAME_FIELDS: tuple[str, ...] = ("given_name", "middle_names", "family_name")

# Every column of a standardised snapshot, in order, with its DuckDB type.
OUTPUT_COLUMNS: dict[str, str] = {
    "record_id": "VARCHAR",
    "title": "VARCHAR",
    "given_name": "VARCHAR", "given_name_accented": "VARCHAR",
    "given_name_canonical": "VARCHAR[]", "given_name_raw": "VARCHAR",
    "middle_names": "VARCHAR", "middle_names_accented": "VARCHAR", "middle_names_raw": "VARCHAR",
    "family_name": "VARCHAR", "family_name_accented": "VARCHAR", "family_name_raw": "VARCHAR",
    "full_name_raw": "VARCHAR", "name_issue": "VARCHAR",
    "date_of_birth": "DATE", "date_of_birth_raw": "VARCHAR", "date_of_birth_issue": "VARCHAR",
    "sex": "VARCHAR", "sex_raw": "VARCHAR", "sex_issue": "VARCHAR",
    "nhs_number": "VARCHAR", "nhs_number_raw": "VARCHAR", "nhs_number_issue": "VARCHAR",
    "ni_number": "VARCHAR", "ni_number_raw": "VARCHAR", "ni_number_issue": "VARCHAR",
    "postcode": "VARCHAR", "postcode_raw": "VARCHAR", "postcode_issue": "VARCHAR",
    "postcode_area": "VARCHAR", "postcode_outward": "VARCHAR",
    "postcode_district": "VARCHAR", "postcode_sector": "VARCHAR",
    "address": "VARCHAR", "address_raw": "VARCHAR",
    "phone": "VARCHAR", "phone_raw": "VARCHAR", "phone_issue": "VARCHAR",
    "email": "VARCHAR", "email_raw": "VARCHAR", "email_issue": "VARCHAR",
}  # fmt: skip

ISSUE_COLUMNS: dict[str, str] = {
    "name": "name_issue",
    "date_of_birth": "date_of_birth_issue",
    "sex": "sex_issue",
    "nhs_number": "nhs_number_issue",
    "ni_number": "ni_number_issue",
    "postcode": "postcode_issue",
    "phone": "phone_issue",
    "email": "email_issue",
}
"""Field -> the column naming what is wrong with its value (NULL when nothing is)."""


@dataclass(frozen=True)
class StandardisationOptions:
    """How to read one source's values.

    ``date_format`` is a strptime format for ``date_of_birth`` or None to infer it per
    value; ``sex_codes`` maps the source's own codes to the canonical values (the NHS
    defaults still apply to codes it does not name); ``as_of`` is the reference date
    for plausibility (no birth after it, none more than 120 years before it).
    """

    as_of: date
    date_format: str | None = None
    sex_codes: Mapping[str, Sex] = field(default_factory=dict)


class StandardisedRecord(BaseModel):
    """One person record after standardisation: each standard value beside its raw one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_id: str | None
    title: str | None
    given_name: str | None
    given_name_accented: str | None
    given_name_canonical: list[str] | None
    given_name_raw: str | None
    middle_names: str | None
    middle_names_accented: str | None
    middle_names_raw: str | None
    family_name: str | None
    family_name_accented: str | None
    family_name_raw: str | None
    full_name_raw: str | None
    name_issue: str | None
    date_of_birth: date | None
    date_of_birth_raw: str | None
    date_of_birth_issue: str | None
    sex: Sex | None
    sex_raw: str | None
    sex_issue: str | None
    nhs_number: str | None
    nhs_number_raw: str | None
    nhs_number_issue: str | None
    ni_number: str | None
    ni_number_raw: str | None
    ni_number_issue: str | None
    postcode: str | None
    postcode_raw: str | None
    postcode_issue: str | None
    postcode_area: str | None
    postcode_outward: str | None
    postcode_district: str | None
    postcode_sector: str | None
    address: str | None
    address_raw: str | None
    phone: str | None
    phone_raw: str | None
    phone_issue: str | None
    email: str | None
    email_raw: str | None
    email_issue: str | None
