"""The SQL helpers people lends other contexts: blank means what the standardisers mean."""

from __future__ import annotations

import unicodedata
from datetime import date

from accord.people import (
    StandardisationOptions,
    Standardiser,
    blank_to_null,
    connect,
    ident,
    lit,
)


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


def test_literals_and_identifiers_are_quoted() -> None:
    assert lit("O'Brien") == "'O''Brien'"
    assert ident('say "hi"') == '"say ""hi"""'
