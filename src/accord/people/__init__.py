"""The canonical person record and its standardisation.

Public face: the field vocabulary (:data:`CANONICAL_FIELDS`, :data:`OUTPUT_COLUMNS`),
:class:`StandardisationOptions`, :class:`Standardiser` (one SQL query for a record or a
column) and :func:`connect` / :func:`prepare` for DuckDB connections that run it; the SQL
helpers (:func:`lit`, :func:`ident`, :func:`blank_to_null`, :func:`not_blank`) for
contexts that build queries over person fields, so "blank" means the same everywhere,
and :func:`hmac_sql`
(keyed hashes of a column inside DuckDB) with :func:`nhs_number_sql` (a valid NHS
number's digits, to key people in bulk); :func:`nhs_number_problem` (one typed NHS
number checked by the rules of the ``nhs_number_issue`` column) and
:func:`standard_nhs_number` (one number as the bulk query stores it); :func:`text_array`
and :func:`int_array` for Arrow columns from Python values without importing pandas.
Inside: one module per kind of value (``names``, ``dates``, ``identifiers``,
``postcodes``, ``contact``), each returning staged SQL (``plan``).
"""

from accord.people.arrow import int_array, text_array
from accord.people.dates import check_format as check_date_format
from accord.people.errors import InvalidOption, PeopleError
from accord.people.identifiers import (
    NHS_TEST_RANGE,
    nhs_number_problem,
    nhs_number_sql,
    standard_nhs_number,
)
from accord.people.models import (
    CANONICAL_FIELDS,
    INPUT_FIELDS,
    ISSUE_COLUMNS,
    NAME_FIELDS,
    OUTPUT_COLUMNS,
    StandardisationOptions,
    StandardisedRecord,
)
from accord.people.service import Standardiser, connect, prepare
from accord.people.sql import blank_to_null, hmac_params, hmac_sql, ident, lit, not_blank
from accord.people.types import SEX_VALUES, RecordId, Sex

__all__ = [
    "CANONICAL_FIELDS",
    "INPUT_FIELDS",
    "ISSUE_COLUMNS",
    "NAME_FIELDS",
    "NHS_TEST_RANGE",
    "OUTPUT_COLUMNS",
    "SEX_VALUES",
    "InvalidOption",
    "PeopleError",
    "RecordId",
    "Sex",
    "StandardisationOptions",
    "StandardisedRecord",
    "Standardiser",
    "blank_to_null",
    "check_date_format",
    "connect",
    "hmac_params",
    "hmac_sql",
    "ident",
    "int_array",
    "lit",
    "nhs_number_problem",
    "nhs_number_sql",
    "not_blank",
    "prepare",
    "standard_nhs_number",
    "text_array",
]
