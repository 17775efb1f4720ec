"""NHS numbers, National Insurance numbers and sex codes.

Each keeps its cleaned form even when validation fails (a mistyped NHS number still
helps linkage find a near match); the ``_issue`` column says what failed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from accord.people.plan import FINAL, FieldPlan
from accord.people.sql import WHITESPACE, WHITESPACE_CLASS, blank_to_null, case_map
from accord.people.types import Sex

# NI prefixes HMRC never issues, on top of the per-letter rules in the pattern.
NI_BAD_PREFIXES = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
NI_PATTERN = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?"
# What people write between the groups of an identifier: any space (tab, no-break ...)
# and hyphens.
_SEPARATORS = rf"[{WHITESPACE_CLASS}\-]+"

# NHS Data Dictionary person-sex codes and the spellings legacy systems use for them.
DEFAULT_SEX_CODES: dict[str, Sex] = {
    "1": "male", "m": "male", "male": "male", "man": "male",
    "2": "female", "f": "female", "female": "female", "woman": "female",
    "0": "not_known", "u": "not_known", "unknown": "not_known", "not known": "not_known",
    "x": "not_known",
    "9": "not_specified", "i": "not_specified", "indeterminate": "not_specified",
    "not specified": "not_specified",
}  # fmt: skip


_PY_SEPARATORS = re.compile(f"[{re.escape(WHITESPACE)}-]+")
"""The separators of :data:`_SEPARATORS`, for Python's ``re`` (which has no ``\\x{...}``)."""
NHS_TEST_RANGE = (9_990_000_000, 9_999_999_999)
"""NHS numbers reserved for testing (999 000 0000 to 999 999 9999): many pass the check
digit, none is ever issued to a person."""


def nhs_number_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's NHS number, or None when it can: not ten digits
    (spaces and hyphens between groups allowed), a placeholder (one digit ten times, such
    as 0000000000, which passes the check digit), the test range, or a wrong check digit.
    The same rules as the ``nhs_number_issue`` column, for one number typed by a person."""
    digits = _PY_SEPARATORS.sub("", value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return "is not ten digits"
    number = int(digits)
    if number % 1_111_111_111 == 0:
        return "is a placeholder (one digit ten times), never a person's number"
    if NHS_TEST_RANGE[0] <= number <= NHS_TEST_RANGE[1]:
        return "is in the range 999 000 0000 to 999 999 9999, kept for testing and never issued"
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(digits[:9])) % 11) % 11
    if check == 10 or check != int(digits[9]):
        return "fails the check digit"
    return None


_PY_TEN_DIGITS = re.compile("[0-9]{10}")


def standard_nhs_number(value: str | None) -> str | None:
    """The ``nhs_number`` column the bulk query (``plan_nhs_number``) makes of ``value``,
    for one value in Python: ten digits as they are, else the text without the
    separators between groups, None if nothing is left. What a lookup compares with a
    snapshot's numbers; tests/people/test_identifiers.py shows the two agree."""
    if value is None or _PY_TEN_DIGITS.fullmatch(value):
        return value
    return _PY_SEPARATORS.sub("", value) or None


def nhs_check_digit_ok(number: str) -> str:
    """SQL: the mod-11 check of a 10-digit number held as an integer (weights 10..2 on
    the first nine digits, 11 -> 0, 10 invalid); integer digits cost far less than ten
    substrings."""
    total = " + ".join(f"{10 - i} * ({number} // {10 ** (9 - i)} % 10)" for i in range(9))
    check = f"(11 - (({total}) % 11))"
    return f"(CASE {check} WHEN 11 THEN 0 ELSE {check} END = {number} % 10)"


def nhs_number_sql(expr: str) -> str:
    """SQL: the ten digits of the NHS number in the text ``expr`` (spaces and hyphens
    between them dropped) when a person can have it: ten digits, the check digit right,
    not a placeholder (one digit ten times); else NULL. For keying people in bulk
    exactly as one person is keyed (``accord.audit.person_key``)."""
    digits = f"regexp_replace({expr}, '{_SEPARATORS}', '', 'g')"
    n = f"(CASE WHEN regexp_full_match({digits}, '[0-9]{{10}}') THEN {digits}::BIGINT END)"
    # DuckDB computes each repeated sub-expression once per row.
    return (f"CASE WHEN {n} % 1111111111 <> 0 AND {nhs_check_digit_ok(n)} "
            f"THEN lpad({n}::VARCHAR, 10, '0') END")  # fmt: skip


def plan_nhs_number() -> FieldPlan:
    plan = FieldPlan()
    # Most NHS numbers arrive as ten bare digits; only the others pay for the replacing.
    plan.at(0)["_nhs_10"] = "regexp_full_match(nhs_number, '[0-9]{10}')"
    separated = rf"regexp_replace(nhs_number, '{_SEPARATORS}', '', 'g')"
    plan.at(1)["_nhs_s"] = f"CASE WHEN _nhs_10 THEN nhs_number ELSE nullif({separated}, '') END"
    # Ten ASCII digits, as an integer for the placeholder and check-digit arithmetic.
    plan.at(2)["_nhs_v"] = (
        r"CASE WHEN _nhs_10 OR regexp_full_match(_nhs_s, '\d{10}') THEN _nhs_s::BIGINT END"
    )
    plan.at(FINAL).update({
        "nhs_number": "_nhs_s",
        "nhs_number_raw": "nhs_number::VARCHAR",
        # The same digit ten times is a multiple of 1111111111.
        "nhs_number_issue": f"""CASE
            WHEN _nhs_s IS NULL THEN NULL
            WHEN _nhs_v IS NULL THEN 'format'
            WHEN _nhs_v % 1111111111 = 0 THEN 'placeholder'
            WHEN _nhs_v BETWEEN {NHS_TEST_RANGE[0]} AND {NHS_TEST_RANGE[1]} THEN 'test_range'
            WHEN NOT {nhs_check_digit_ok('_nhs_v')} THEN 'check_digit' END""",
    })  # fmt: skip
    return plan


def plan_ni_number() -> FieldPlan:
    plan = FieldPlan()
    plan.at(0)["_ni_s"] = f"nullif(upper(regexp_replace(ni_number, '{_SEPARATORS}', '', 'g')), '')"
    # A pattern, not IN: DuckDB plans a constant list as a join, which costs more and
    # would lose the rows' order.
    bad = "|".join(NI_BAD_PREFIXES)
    shape = r"regexp_full_match(_ni_s, '[A-Z]{2}[0-9]{6}[A-Z]?')"
    plan.at(FINAL).update({
        "ni_number": "_ni_s",
        "ni_number_raw": "ni_number::VARCHAR",
        "ni_number_issue": f"""CASE
            WHEN _ni_s IS NULL THEN NULL
            WHEN NOT {shape} THEN 'format'
            WHEN NOT regexp_full_match(_ni_s, '{NI_PATTERN}')
                OR regexp_full_match(left(_ni_s, 2), '{bad}')
                THEN 'invalid_prefix_or_suffix' END""",
    })  # fmt: skip
    return plan


def plan_sex(codes: Mapping[str, Sex] | None) -> FieldPlan:
    """Sex from the mapping's own codes first, then the NHS defaults; case-insensitive."""
    table: dict[str, str] = {k.strip().lower(): v for k, v in (codes or {}).items()}
    for k, v in DEFAULT_SEX_CODES.items():
        table.setdefault(k, v)
    plan = FieldPlan()
    plan.at(0)["_sex_s"] = f"lower({blank_to_null('sex')})"
    # A stage of its own: both output columns read the looked-up value.
    plan.at(1)["_sex_v"] = case_map("_sex_s", table)
    plan.at(FINAL).update({
        "sex": "_sex_v",
        "sex_raw": "sex::VARCHAR",
        "sex_issue": "CASE WHEN _sex_s IS NOT NULL AND _sex_v IS NULL THEN 'unknown_code' END",
    })  # fmt: skip
    return plan
