"""The standardiser as a whole: bulk SQL and one record agree, options are checked."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.people import (
    CANONICAL_FIELDS,
    INPUT_FIELDS,
    ISSUE_COLUMNS,
    NAME_FIELDS,
    OUTPUT_COLUMNS,
    InvalidOption,
    StandardisationOptions,
    StandardisedRecord,
    Standardiser,
    prepare,
)
from tests.people.support import AS_OF, bulk, connection, examples, standardiser

FULL_NAME_LAYOUT = tuple(f for f in INPUT_FIELDS if f not in NAME_FIELDS)
SEPARATE_LAYOUT = CANONICAL_FIELDS
OPTIONS = StandardisationOptions(as_of=AS_OF)

REALISTIC: dict[str, list[str]] = {
    "record_id": ["1", "A-001", " 42 ", "\ufeff7"],
    "full_name": ["O'BRIEN, Mrs Zoë Anne", "John Paul SMITH", "Jan van der Berg", "Madonna",
                  "ＪＯＨＮ ＳＭＩＴＨ", "Dr John Smith Jr", "SMITH - JONES, Mary"],
    "given_name": ["Bill", "Zoë", "Mr John Paul", "ﬁona", "Miss"],
    "middle_names": ["Ann", "Mary-Jane", "Zoë Anne"],
    "family_name": ["O’Brien", "Smith-Jones Jr", "van der Berg", "Straße", "O Brien"],
    "date_of_birth": ["03/02/1980", "1980-02-03T10:00", "3rd February 1980", "Feb 3, 1980",
                      "29255", "31/02/1980", "05/06/27", "0000-01-01", "1980", "not a date"],
    "sex": ["M", "2", "Female", "x", "q", "male\r"],
    "nhs_number": ["943 476 5919", "9434765918", "0000000000", "12345", "943-476-5919"],
    "ni_number": ["AB 12 34 56 C", "QQ123456A", "ab123456", "BG123456A"],
    "postcode": ["sw1a1aa", "LS6 2AB", "GIR 0AA", "75008", "ＳＷ１Ａ １ＡＡ", "-"],
    "address": ["12, High St.", "Straße 5", "Flat 3/4 Rue de l'Église", "ＦＬＡＴ ３"],
    "phone": ["07400 123456", "+33 1 42 68 53 00", "+999 123", "junk", "0+",
              "+44 (0)113 496 0123", "07797 123456"],
    "email": [" John@Example.COM ", "a@b", "zoë@example.com"],
}  # fmt: skip
huge = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(500, 2500))


def raw_value(field: str) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.sampled_from(["", " ", "\t\r\n"]),
        st.sampled_from(REALISTIC[field]),
        st.text(max_size=30),
        huge,
    )


def raw_records(layout: tuple[str, ...]) -> st.SearchStrategy[dict[str, str | None]]:
    # Optional keys: record() treats a missing field as NULL, as bulk SQL does.
    return st.fixed_dictionaries({}, optional={f: raw_value(f) for f in layout})


@examples(30)
@given(st.sampled_from([FULL_NAME_LAYOUT, SEPARATE_LAYOUT]), st.data())
def test_bulk_query_equals_record_by_record(layout: tuple[str, ...], data: st.DataObject) -> None:
    s = standardiser(*layout)
    rows = data.draw(st.lists(raw_records(layout), max_size=25), label="rows")
    assert bulk(s, rows) == [s.record(row) for row in rows]


def test_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidOption, match="unknown person fields"):
        Standardiser(OPTIONS, ["given_name", "shoe_size"])


@pytest.mark.parametrize("part", NAME_FIELDS)
def test_full_name_with_a_name_part_is_refused(part: str) -> None:
    with pytest.raises(InvalidOption, match="full_name"):
        Standardiser(OPTIONS, ["full_name", part])


def test_sex_code_to_unknown_value_is_refused() -> None:
    options = StandardisationOptions(as_of=AS_OF, sex_codes={"X": "other"})  # type: ignore[dict-item]
    with pytest.raises(InvalidOption, match="sex codes"):
        Standardiser(options, ["sex"])


def test_record_with_an_undeclared_field_is_refused() -> None:
    with pytest.raises(InvalidOption, match="not declared"):
        standardiser("given_name").record({"given_name": "Ann", "family_name": "Smith"})


def test_output_columns_are_exactly_the_vocabulary_in_order() -> None:
    s = standardiser(*SEPARATE_LAYOUT)
    sql = s.query("(SELECT 'x' AS record_id, 'Ann' AS given_name, 'Smith' AS middle_names, "
                  "NULL AS family_name, NULL AS date_of_birth, NULL AS sex, NULL AS nhs_number, "
                  "NULL AS ni_number, NULL AS postcode, NULL AS address, NULL AS phone, "
                  "NULL AS email, 7 AS source_row)", ["source_row"])  # fmt: skip
    described = connection().execute(f"DESCRIBE {sql}").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        *OUTPUT_COLUMNS.items(), ("source_row", "INTEGER"),
    ]  # fmt: skip
    assert list(StandardisedRecord.model_fields) == list(OUTPUT_COLUMNS)
    assert set(ISSUE_COLUMNS.values()) <= set(OUTPUT_COLUMNS)


def test_passthrough_columns_are_carried_unchanged() -> None:
    conn = connection()
    table = pa.table({"phone": ["07400 123456", None], "id": [10, 20], "batch": ["a", "b"]})
    conn.register("_with_passthrough", table)
    sql = standardiser("phone").query("_with_passthrough", ["id", "batch"])
    try:
        rows = conn.execute(f"SELECT phone, id, batch FROM ({sql}) ORDER BY id").fetchall()
    finally:
        conn.unregister("_with_passthrough")
    assert rows == [("+447400123456", 10, "a"), (None, 20, "b")]


@pytest.mark.parametrize(
    "raw",
    [{}, dict.fromkeys(SEPARATE_LAYOUT), dict.fromkeys(SEPARATE_LAYOUT, ""),
     dict.fromkeys(SEPARATE_LAYOUT, " \t\r\n")],
    ids=["no fields", "all None", "all empty", "all blank"],
)  # fmt: skip
def test_missing_values_give_all_null_standard_values(raw: dict[str, str | None]) -> None:
    rec = standardiser(*SEPARATE_LAYOUT).record(raw)
    raw_columns = {c for c in OUTPUT_COLUMNS if c.endswith("_raw")}
    for column, value in rec.model_dump().items():
        if column in raw_columns:
            assert value == raw.get(column.removesuffix("_raw")), column
        else:
            assert value is None, column


def test_standardiser_with_no_fields_gives_an_empty_record() -> None:
    rec = Standardiser(OPTIONS, []).record({})
    assert set(rec.model_dump().values()) == {None}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" 42 ", "42"), ("\ufeffA-1", "A-1"), ("7\r", "7"), ("", None), (None, None)],
    ids=["spaces", "byte-order mark", "carriage return", "empty", "none"],
)
def test_record_id_is_trimmed(raw: str | None, expected: str | None) -> None:
    [rec] = bulk(standardiser("record_id"), [{"record_id": raw}])
    assert rec.record_id == expected


def test_prepare_readies_any_duckdb_connection() -> None:
    conn = prepare(duckdb.connect())
    sql = standardiser("given_name", "postcode").query(
        "(SELECT 'Zoë' AS given_name, 'ＳＷ１Ａ１ＡＡ' AS postcode)"
    )
    row = dict(zip(OUTPUT_COLUMNS, conn.execute(sql).fetchall()[0], strict=True))
    assert (row["given_name"], row["postcode"]) == ("zoe", "SW1A 1AA")
    conn.close()


def test_bulk_sql_calls_python_only_through_the_three_arrow_functions() -> None:
    sql = standardiser(*FULL_NAME_LAYOUT).query("t") + standardiser(*SEPARATE_LAYOUT).query("t")
    functions = set(re.findall(r"\b(accord_\w+)\(", sql))
    assert functions == {"accord_nfkc", "accord_phone_e164", "accord_nicknames"}


def test_bulk_sql_has_no_join_so_rows_keep_their_order() -> None:
    # A join (an IN list is one too) lets DuckDB reorder rows; ingest relies on it not.
    conn = connection()
    columns = ", ".join(f"NULL::VARCHAR AS {f}" for f in FULL_NAME_LAYOUT)
    sql = standardiser(*FULL_NAME_LAYOUT).query(f"(SELECT {columns})")
    plan = str(conn.execute(f"EXPLAIN {sql}").fetchall())
    assert "JOIN" not in plan.upper()


def test_record_is_safe_across_threads() -> None:
    s = Standardiser(OPTIONS, ["given_name", "date_of_birth"])
    raws = [{"given_name": name, "date_of_birth": f"0{i}/02/1980"}
            for i, name in enumerate(["Bill", "Zoë", "Ann", "Liz"], start=1)]  # fmt: skip
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = list(pool.map(s.record, raws))
    assert threaded == [s.record(r) for r in raws]
    assert [r.date_of_birth for r in threaded] == [date(1980, 2, d) for d in range(1, 5)]


@examples(30)
@given(st.data())
def test_values_are_the_records_columns(data: st.DataObject) -> None:
    # values() computes only the columns asked for, by its own prepared statement: the
    # same answers as the whole record, quotes and NULs in the input included.
    s = standardiser(*SEPARATE_LAYOUT)
    raw = data.draw(raw_records(SEPARATE_LAYOUT), label="raw")
    columns = ["family_name", "nhs_number", "date_of_birth", "postcode"]
    whole = s.record(raw)
    assert s.values(raw, columns) == {c: getattr(whole, c) for c in columns}


@pytest.mark.parametrize("value", ["O'Brien", "a\x00b", "'; DROP TABLE x; --"])
def test_values_take_any_text(value: str) -> None:
    s = standardiser("family_name")
    assert s.values({"family_name": value}, ["family_name"]) == {
        "family_name": s.record({"family_name": value}).family_name
    }


def test_values_of_a_column_not_standardised_are_refused() -> None:
    with pytest.raises(InvalidOption, match="not standardised output columns"):
        standardiser("family_name").values({"family_name": "Ann"}, ["shoe_size"])
