"""Dates of birth: every common legacy format, UK day-first, flags for doubt.

An explicit strptime format wins; otherwise the shape of each value picks its parser
(ISO, ``yyyy/mm/dd``, ``dd/mm/yyyy``, ``d/m/yy``, ``yyyymmdd`` or ``ddmmyyyy``, ``3 Feb
1980``, ``Feb 3 1980``, Excel serial numbers). Two-digit years take the latest century
that does not put the birth after the reference date. Issues, most serious first:
``unparseable``, ``invalid_date``, ``future``, ``over_120``, ``ambiguous_day_month`` (a
day-first guess where day and month could be swapped).
"""

from __future__ import annotations

import re
from datetime import date

import duckdb

from accord.people.errors import InvalidOption
from accord.people.plan import FINAL, FieldPlan
from accord.people.sql import blank_to_null, lit

_MONTHS = "['january','february','march','april','may','june','july','august',"
_MONTHS += "'september','october','november','december']"

# Every numeric shape in one expression, so a value costs one regular-expression match.
# Alternatives are tried in order; group names say (shape letter, component).
_NUMERIC = (
    r"^(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?:[t ].*)?"  # ISO, maybe a time
    r"|(?P<ay>\d{4})[/.](?P<am>\d{1,2})[/.](?P<ad>\d{1,2})"  # yyyy/mm/dd
    r"|(?P<bd>\d{1,2})[/.\-](?P<bm>\d{1,2})[/.\-](?P<by>\d{4})(?: .*)?"  # dd/mm/yyyy
    r"|(?P<cd>\d{1,2})[/.\-](?P<cm>\d{1,2})[/.\-](?P<cy>\d{2})"  # d/m/yy
    r"|(?P<ey>(?:18|19|20)\d\d)(?P<em>0[1-9]|1[0-2])(?P<ed>0[1-9]|[12]\d|3[01])"  # yyyymmdd
    r"|(?P<fd>\d{2})(?P<fm>\d{2})(?P<fy>\d{4})"  # ddmmyyyy
    r"|(?P<gy>1[89]\d\d|20\d\d)"  # a year alone: not a date
    r"|(?P<hn>\d{1,5})(?:\.0+)?)$"  # Excel serial day number
)
_NUMERIC_SHAPES = {"i": "iso", "a": "ymd", "b": "dmy", "c": "dmyy", "e": "ymd8",
                   "f": "dmy8", "g": "year", "h": "serial"}  # fmt: skip
# Month names, after ordinals ("3rd"), commas, dots and dashes are removed.
_TEXT = (
    r"^(?:(?P<jd>\d{1,2}) (?P<jo>[a-z]+) (?P<jy>\d{4}|\d{2})"  # 3 feb 1980
    r"|(?P<ko>[a-z]+) (?P<kd>\d{1,2}) (?P<ky>\d{4}))$"  # feb 3 1980
)
_DAY_FIRST = ("dmy", "dmyy", "dmy8")


def _groups(pattern: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", pattern)


def _extract(value: str, pattern: str) -> str:
    """One ``regexp_extract`` returning a struct of every named group ('' if unmatched)."""
    plain = re.sub(r"\(\?P<\w+>", "(", pattern)
    names = ", ".join(lit(g) for g in _groups(pattern))
    return f"regexp_extract({value}, {lit(plain)}, [{names}])"


def _component(struct: str, pattern: str, part: str) -> list[str]:
    return [f"nullif({struct}.{g}, '')" for g in _groups(pattern) if g[1] == part]


def _with_century(year: str, short: str, as_of: date) -> str:
    """Four-digit year from a two-digit one: 19xx or 20xx, never after ``as_of``."""
    full = f"(2000 + {year})"
    return (
        f"CASE WHEN {short} THEN CASE WHEN {full} > {as_of.year} THEN {full} - 100 "
        f"ELSE {full} END ELSE {year} END"
    )


def _month_name(plan: FieldPlan) -> str:
    """Stages the ``3 Feb 1980`` / ``Feb 3 1980`` match; returns SQL for its month number."""
    text = r"regexp_replace(regexp_replace(_dob_s, '(\d)(st|nd|rd|th)\b', '\1'), "
    text += r"'[\s,./\-]+', ' ', 'g')"
    # Only values no numeric shape took pay for the month-name expressions.
    plan.at(3)["_dob_t"] = f"CASE WHEN _dob_nshape IS NULL THEN {text} END"
    plan.at(4)["_dob_tg"] = f"CASE WHEN _dob_t IS NOT NULL THEN {_extract('_dob_t', _TEXT)} END"
    mon = "coalesce(nullif(_dob_tg.jo, ''), nullif(_dob_tg.ko, ''))"
    month_no = f"list_position(list_transform({_MONTHS}, lambda x: left(x, 3)), left({mon}, 3))"
    month_ok = f"starts_with(list_extract({_MONTHS}, {month_no}), {mon}) OR {mon} = 'sept'"
    return f"CASE WHEN {month_ok} THEN {month_no} END"


def _inferred(plan: FieldPlan, as_of: date) -> None:
    plan.at(0)["_dob_s"] = f"lower({blank_to_null('date_of_birth')})"
    plan.at(1)["_dob_g"] = f"CASE WHEN _dob_s IS NOT NULL THEN {_extract('_dob_s', _NUMERIC)} END"
    shape = " ".join(
        f"WHEN _dob_g.{k}{'n' if k == 'h' else 'y'} <> '' THEN {lit(v)}"
        for k, v in _NUMERIC_SHAPES.items()
    )
    s2 = plan.at(2)
    s2["_dob_nshape"] = f"CASE {shape} END"
    month_name = _month_name(plan)  # stages 3 and 4
    s4 = plan.at(5)
    s4["_dob_shape"] = (
        "coalesce(_dob_nshape, CASE WHEN _dob_tg.jd <> '' THEN 'dmony' "
        "WHEN _dob_tg.kd <> '' THEN 'mondy' END)"
    )
    nums, texts = "_dob_g", "_dob_tg"
    for part in ("y", "d"):
        parts = _component(nums, _NUMERIC, part) + _component(texts, _TEXT, part)
        s4[f"_dob_{part}"] = f"try_cast(coalesce({', '.join(parts)}) AS INTEGER)"
    s4["_dob_m"] = (
        f"coalesce(try_cast(coalesce({', '.join(_component(nums, _NUMERIC, 'm'))}) AS INTEGER), "
        f"{month_name})"
    )
    s4["_dob_n"] = "try_cast(nullif(_dob_g.hn, '') AS INTEGER)"
    short = "(_dob_shape = 'dmyy' OR (_dob_shape = 'dmony' AND _dob_y < 100))"
    year = _with_century("_dob_y", short, as_of)
    s5 = plan.at(6)
    s5["_dob_date"] = f"""CASE
        WHEN _dob_shape = 'serial' THEN CASE WHEN _dob_n >= 1
             THEN DATE '1899-12-30' + _dob_n END
        WHEN _dob_shape = 'year' THEN NULL
        ELSE try(make_date({year}, _dob_m, _dob_d)) END"""
    days = ", ".join(lit(s) for s in _DAY_FIRST)
    s5["_dob_ambiguous"] = (
        f"_dob_shape IN ({days}) AND _dob_d <= 12 AND _dob_m <= 12 AND _dob_d <> _dob_m"
    )
    # A word that is no month name ("3 xyz 1980") leaves the value unread, not a bad date.
    s5["_dob_found"] = (
        "_dob_shape IS NOT NULL AND _dob_shape <> 'year' "
        "AND (_dob_m IS NOT NULL OR _dob_shape NOT IN ('dmony', 'mondy'))"
    )


def _explicit(plan: FieldPlan, fmt: str, as_of: date) -> None:
    s0 = plan.at(0)
    s0["_dob_s"] = blank_to_null("date_of_birth")
    plan.at(1)["_dob_p"] = f"try_strptime(_dob_s, {lit(fmt)})::DATE"
    parsed = "_dob_p"
    if "%y" in fmt:
        # DuckDB pivots %y at 69; the century rule is the inferred one, relative to as_of.
        year = _with_century("(year(_dob_p) % 100)", "true", as_of)
        parsed = f"try(make_date({year}, month(_dob_p), day(_dob_p)))"
    plan.at(6)["_dob_date"] = parsed
    plan.at(6)["_dob_ambiguous"] = "false"
    # A value that does not match the declared format is unparseable, not a bad date.
    plan.at(6)["_dob_found"] = "false"


def check_format(fmt: str) -> None:
    """Refuse a strptime format that cannot round-trip a date with day, month and year."""
    sample = date(1987, 11, 23)
    try:
        text = sample.strftime(fmt)
        # A private connection: the module's default one is shared by every thread.
        with duckdb.connect() as conn:
            got = conn.execute(f"SELECT try_strptime({lit(text)}, {lit(fmt)})::DATE").fetchone()
    except (ValueError, duckdb.Error) as exc:
        raise InvalidOption(f"date format {fmt!r} is not a valid strptime format: {exc}") from exc
    if got is None or got[0] != sample:
        raise InvalidOption(
            f"date format {fmt!r} does not give day, month and year (e.g. '%d/%m/%Y')"
        )


def plan_date_of_birth(fmt: str | None, as_of: date) -> FieldPlan:
    """SQL for ``date_of_birth``, ``date_of_birth_raw`` and ``date_of_birth_issue``.

    ``fmt`` is a strptime format, or None to infer the format of each value.
    """
    plan = FieldPlan()
    if fmt is None:
        _inferred(plan, as_of)
    else:
        check_format(fmt)
        _explicit(plan, fmt, as_of)
    # DuckDB has a year 0 (1 BC), which no record system means and Python cannot hold.
    plan.at(7)["_dob_v"] = "CASE WHEN year(_dob_date) >= 1 THEN _dob_date END"
    s5 = plan.at(FINAL)
    s5["date_of_birth"] = "_dob_v"
    s5["date_of_birth_raw"] = "date_of_birth::VARCHAR"
    oldest = f"DATE {lit(as_of.isoformat())} - INTERVAL 120 YEAR"
    s5["date_of_birth_issue"] = f"""CASE
        WHEN _dob_s IS NULL THEN NULL
        WHEN _dob_v IS NULL AND NOT _dob_found THEN 'unparseable'
        WHEN _dob_v IS NULL THEN 'invalid_date'
        WHEN _dob_v > DATE {lit(as_of.isoformat())} THEN 'future'
        WHEN _dob_v < {oldest} THEN 'over_120'
        WHEN _dob_ambiguous THEN 'ambiguous_day_month' END"""
    return plan
