"""The SQL helpers people lends other contexts: blank means what the standardisers mean."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.people import (
    StandardisationOptions,
    Standardiser,
    blank_to_null,
    connect,
    hmac_params,
    hmac_sql,
    ident,
    lit,
    not_blank,
)
from accord.people.sql import WHITESPACE


def test_blank_agrees_with_the_standardisers_on_every_space_like_character() -> None:
    # Separators, controls and format characters, doubled: wherever the standardisers
    # keep no record id, sources must call the value blank, and the other way round.
    values = [
        2 * chr(c)
        for c in range(0x3100)
        if unicodedata.category(chr(c)) in {"Zs", "Zl", "Zp", "Cc", "Cf"}
    ]
    values += [2 * "\ufeff", "x", " x ", "\u00a0x\u3000"]  # fmt: skip
    standardiser = Standardiser(StandardisationOptions(as_of=date(2025, 1, 1)), ["record_id"])
    people_query = standardiser.query("(SELECT record_id, record_id AS given FROM t)", ["given"])
    conn = connect()
    try:
        conn.execute("CREATE TABLE t (record_id VARCHAR)")
        conn.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
        people = conn.execute(f"SELECT given, record_id IS NULL FROM ({people_query})").fetchall()
        ours = conn.execute(f"SELECT record_id, {blank_to_null('record_id')} IS NULL FROM t")
        sources = dict(ours.fetchall())
    finally:
        conn.close()

    assert dict(people) == sources
    assert sources["x"] is False
    assert sources[2 * "\u00a0"] is True


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(
    [*WHITESPACE, "a", "!", "~", "\x7f", "\x00", "\x1f", "\u00e9", "\u3001", "\U0001f600"]),
    max_size=4), st.text(max_size=6)), min_size=1, max_size=200))  # fmt: skip
def test_not_blank_is_blank_to_null_is_not_null(values: list[str | None]) -> None:
    # The fast test decides by the first byte; the trim decides the rest: both must agree
    # with the one definition of blank on every value, NULL included, and never be NULL.
    with duckdb.connect() as conn:
        found = conn.execute(
            f"SELECT {not_blank('v')}, {blank_to_null('v')} IS NOT NULL "
            "FROM (SELECT unnest($v::VARCHAR[]) AS v)",
            {"v": values},
        ).fetchall()
    assert [fast for fast, _ in found] == [exact for _, exact in found]
    assert all(fast is not None for fast, _ in found)


def test_literals_and_identifiers_are_quoted() -> None:
    assert lit("O'Brien") == "'O''Brien'"
    assert ident('say "hi"') == '"say ""hi"""'


def test_hmac_of_a_date_or_a_number_is_that_of_its_text() -> None:
    key = b"k" * 32
    params = hmac_params(key, "p")
    with duckdb.connect() as conn:
        found = conn.execute(
            f"SELECT {hmac_sql('d', 'p')}, {hmac_sql('n', 'p')}, {hmac_sql('t', 'p')} "
            "FROM (SELECT DATE '1980-02-29' AS d, 42 AS n, '1980-02-29' AS t)",
            params,
        ).fetchone()
    assert found is not None
    text = hmac.new(key, b"1980-02-29", hashlib.sha256).hexdigest()
    assert found == (text, hmac.new(key, b"42", hashlib.sha256).hexdigest(), text)
