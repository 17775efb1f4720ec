"""A provider's side of the protocol: comparison features from standardised records.

``plaintext`` features are the standardised values and some variants of them.
``private`` features are the same values passed through keyed HMAC-SHA256 (computed in
DuckDB, so a million records need no Python loop), and keyed Bloom filters of the
bigrams of names and addresses for fuzzy comparison by Dice coefficient. Every kind of
value has a key of its own derived from the shared secret, so equal text in two fields
gives unrelated tokens. Records are known to the linking party only by a reference
keyed to this run; the table back to record ids stays with the provider.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as secrets_module
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from accord.linkage.errors import NothingToCompare
from accord.linkage.models import Encoded, Mode, References
from accord.people import hmac_params, hmac_sql, ident, lit, prepare

TOKEN_HEX = 32
"""Hex characters kept of each HMAC: 128 bits."""
VARIANT_HEX = 12
"""...and of each typo variant's: 48 bits. Variants are only compared place by place
within a candidate pair (a chance collision costs a pair one level of evidence, not a
match), and a string of at most 12 bytes is held inline by DuckDB: compared and hashed
as fast as a number, where full-length ones made every comparison slower."""


@dataclass(frozen=True)
class Feature:
    """A comparison feature: its SQL over the standardised columns and its shape."""

    name: str
    sql: str
    needs: str
    """The standardised column it is made from: absent there, absent here."""
    kind: str = "text"
    """``text`` or ``list`` (of text)."""
    key: str = ""
    """Features compared with each other share a key (a date and its day/month swap;
    given and family names, which may be swapped); by default each has its own."""
    variants: Callable[[str], str] | None = None
    """SQL making the feature from the SQL of the value (``sql``): a list of variants,
    or one code (phonetic). Tokens are then made once per distinct value, not per
    record."""

    def value(self, text: str | None = None) -> str:
        """SQL of the feature in the clear, over ``text`` (by default, ``sql``)."""
        text = text or f"({self.sql})"
        return self.variants(text) if self.variants else text


_DOB = "date_of_birth"


EDIT_SPAN = 8
"""Characters of a value that typo variants cover (a UK postcode with its space; a date)."""
EDIT_VARIANTS = 2 * EDIT_SPAN - 1
"""Places in every list of typo variants: one masked character each, then one swap each."""


NHS_DIGITS = 10
"""Places in an NHS number's list of variants: each digit masked in turn."""


def _one_edit(text: str) -> str:
    """SQL for a value's variants one keying slip away, by position: each character
    masked in turn, then each two neighbours written in sorted order. Two values one
    substitution or one transposition apart have an equal variant at the same position
    (``Engine.one_edit``), though their tokens are otherwise unrelated. Positions past the
    value's end are NULL, so every list has ``EDIT_VARIANTS`` places."""
    masked = "CASE WHEN i <= length(v) THEN left(v, i - 1) || '_' || substr(v, i + 1) END"
    pair = "substr(v, i, 1), substr(v, i + 1, 1)"
    swapped = (
        f"CASE WHEN i < length(v) THEN left(v, i - 1) || '~' || least({pair}) "
        f"|| greatest({pair}) || substr(v, i + 2) END"
    )
    return (
        f"CASE WHEN {text} IS NOT NULL THEN list_transform([{text}], lambda v: list_concat("
        f"list_transform(range(1, {EDIT_SPAN + 1}), lambda i: {masked}), "
        f"list_transform(range(1, {EDIT_SPAN}), lambda i: {swapped})))[1] END"
    )


def _phonetic(text: str) -> str:
    return f"accord_phonetic({text})"  # people.prepare registers it


FEATURES: tuple[Feature, ...] = (
    Feature("nhs", "CASE WHEN nhs_number_issue IS NULL THEN nhs_number END", "nhs_number"),
    # One digit masked in turn: numbers one substitution apart share exactly one variant.
    # A mistyped digit usually breaks the check digit, so those numbers take part here.
    Feature("nhs_var", "CASE WHEN coalesce(nhs_number_issue, 'check_digit') = 'check_digit' "
            "THEN nhs_number END", "nhs_number", "list",
            variants=lambda v: f"CASE WHEN {v} IS NOT NULL THEN list_transform(range(1, "
                               f"{NHS_DIGITS + 1}), lambda i: left({v}, i - 1) || '_' || "
                               f"substr({v}, i + 1)) END"),
    Feature("dob", f"strftime({_DOB}, '%Y-%m-%d')", _DOB),
    # The date with day and month swapped, where that is a date and a different one.
    Feature("dob_swap", f"CASE WHEN day({_DOB}) <= 12 AND day({_DOB}) <> month({_DOB}) "
            f"THEN strftime(make_date(year({_DOB}), day({_DOB}), month({_DOB})), '%Y-%m-%d') END",
            _DOB, key="dob"),
    Feature("dob_var", f"strftime({_DOB}, '%Y%m%d')", _DOB, "list", variants=_one_edit),
    Feature("yob", f"year({_DOB})::VARCHAR", _DOB),
    Feature("md", f"strftime({_DOB}, '%m-%d')", _DOB),
    Feature("given", "given_name", "given_name", key="name"),
    Feature("given_nick", "given_name_canonical", "given_name", "list", key="name"),
    Feature("family", "family_name", "family_name", key="name"),
    # Names that sound alike (Metaphone: catherine and kathryn), made once per name.
    Feature("given_phon", "given_name", "given_name", variants=_phonetic),
    Feature("family_phon", "family_name", "family_name", variants=_phonetic),
    # Short names one letter apart share few bigrams: their filters look unrelated.
    Feature("given_var", "given_name", "given_name", "list", variants=_one_edit),
    Feature("family_var", "family_name", "family_name", "list", variants=_one_edit),
    Feature("postcode", "postcode", "postcode"),
    Feature("postcode_var", "postcode", "postcode", "list", variants=_one_edit),
    Feature("sector", "postcode_sector", "postcode"),
    Feature("district", "postcode_district", "postcode"),
    Feature("address", "address", "address"),
    Feature("sex", "sex", "sex"),
    Feature("ni", "CASE WHEN ni_number_issue IS NULL THEN ni_number END", "ni_number"),
    Feature("phone", "CASE WHEN phone_issue IS NULL THEN phone END", "phone"),
    Feature("email", "CASE WHEN email_issue IS NULL THEN email END", "email"),
)  # fmt: skip
BLOOM = {"given": 512, "family": 512, "address": 1024}
"""Bloom-filter fields and their length in bits."""
BLOOM_HASHES = {"given": 15, "family": 15, "address": 10}
"""Bits set per bigram: about a fifth to a third of each filter ends up set."""
BLOOM_KEYS = {"given": "name", "family": "name", "address": "address"}
"""Given and family names share a key, as their tokens do, so that a name recorded in the
other field (with a typo, too) is still found similar."""


def new_secret() -> bytes:
    """A fresh 256-bit secret for the providers of one linkage."""
    return secrets_module.token_bytes(32)


def _key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, b"accord-linkage/" + purpose.encode(), hashlib.sha256).digest()


def present_columns(conn: duckdb.DuckDBPyConnection, snapshot: Path) -> set[str]:
    """The standardised columns of ``snapshot`` holding at least one value."""
    cols = [
        r[0]
        for r in conn.execute(
            f"DESCRIBE SELECT * FROM read_parquet({lit(str(snapshot))})"
        ).fetchall()
    ]
    counts = conn.execute(
        "SELECT "
        + ", ".join(f"count({ident(c)})" for c in cols)
        + f" FROM read_parquet({lit(str(snapshot))})"
    ).fetchall()[0]
    return {c for c, n in zip(cols, counts, strict=True) if n}


def encode(
    conn: duckdb.DuckDBPyConnection,
    snapshot: Path,
    out_dir: Path,
    *,
    party: str,
    run: str,
    mode: Mode,
    secret: bytes | None,
    prior_ids: Path | None = None,
    source: str | None = None,
) -> tuple[Encoded, References]:
    """Encode the standardised records in ``snapshot`` for the linking party.

    Writes ``out_dir/{party}.encoded.parquet`` (with its manifest), for the linking
    party, and ``out_dir/{party}.refs.parquet``, which the provider keeps. With
    ``prior_ids`` (``record_id,linkage_id`` from an earlier run), each record carries its
    earlier linkage id, a pseudonym the linking party already gave it, so that people
    keep their ids. ``source`` names the records in messages (the file the person gave,
    not the snapshot, which may be a scratch file).
    """
    if mode is Mode.PRIVATE and not secret:
        raise ValueError("private mode needs the providers' shared secret")
    present = present_columns(conn, snapshot)
    prepare(conn)  # the phonetic codes are a function of the people context
    features = [f for f in FEATURES if f.needs in present]
    if not features:
        raise NothingToCompare(f"{source or snapshot}: no field that linkage compares has a "
                               "value in any record")  # fmt: skip
    snap = f"read_parquet({lit(str(snapshot))})"
    params: dict[str, object] = {}
    if mode is Mode.PRIVATE:
        assert secret is not None
        ref_key = _key(secret, f"ref/{run}/{party}")
        params |= hmac_params(ref_key, "ref")
        # Keyed to the run and the record's row, so duplicate record ids stay distinct.
        ref = hmac_sql("record_id || '/' || source_row::VARCHAR", "ref", TOKEN_HEX)
    else:
        ref = "record_id || '/' || source_row::VARCHAR"
    cols = [f"{ref} AS ref"]
    if mode is Mode.PRIVATE:
        # The clear values, tokenised below and dropped before anything leaves.
        cols += [f"{f.sql} AS {ident('_clear_' + f.name)}" for f in features]
    else:
        cols += [f"{f.value()} AS {ident(f.name)}" for f in features]
    out_dir.mkdir(parents=True, exist_ok=True)
    encoded_path = out_dir / f"{party}.encoded.parquet"
    refs_path = out_dir / f"{party}.refs.parquet"
    prior = "NULL::VARCHAR"
    if prior_ids is not None:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _prior AS SELECT record_id::VARCHAR AS record_id, "
            "min(linkage_id::VARCHAR) AS linkage_id FROM read_csv("
            f"{lit(str(prior_ids))}, header=true, all_varchar=true) GROUP BY ALL"
        )
        prior = "(SELECT p.linkage_id FROM _prior p WHERE p.record_id = s.record_id)"
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _enc AS SELECT row_number() OVER () AS _row, "
        f"record_id, {', '.join(cols)}, {prior} AS prior_id FROM {snap} s",
        params,
    )
    names = [f.name for f in features]
    keep = [f"_enc.{ident(n)}" for n in names]
    if mode is Mode.PRIVATE:
        assert secret is not None
        keep = _tokens(conn, secret, features)
        for name, bits in BLOOM.items():
            if name in names:
                _bloom(conn, secret, name, bits)
                names.append(f"{name}_bf")
                # Filters leave as bytes (a 1,024-bit filter is 128 of them; as BIT,
                # Parquet would spell it out in 1,024 characters).
                keep.append(f"_enc.{ident(name + '_bf')}::BLOB AS {ident(name + '_bf')}")
        # The clear values stay with the provider: only tokens and filters go out.
    conn.execute(
        f"COPY (SELECT ref, record_id FROM _enc) TO {lit(str(refs_path))} (FORMAT parquet)"
    )
    joins = "".join(
        f" LEFT JOIN _tok_{f.name} ON _tok_{f.name}.v = _enc.{ident('_clear_' + f.name)}"
        for f in features
        if mode is Mode.PRIVATE
    )
    conn.execute(
        f"COPY (SELECT ref, prior_id, {', '.join(keep)} FROM _enc{joins} ORDER BY _row) "
        f"TO {lit(str(encoded_path))} (FORMAT parquet, COMPRESSION uncompressed)"
    )
    rows = conn.execute("SELECT count(*) FROM _enc").fetchall()[0][0]
    conn.execute("DROP TABLE _enc")
    for f in features:
        conn.execute(f"DROP TABLE IF EXISTS _tok_{f.name}")
    encoded = Encoded(encoded_path, party, run, mode, tuple(names), int(rows))
    encoded.write_manifest()
    return encoded, References(refs_path, party, run)


def _tokens(conn: duckdb.DuckDBPyConnection, secret: bytes, features: list[Feature]) -> list[str]:
    """Make table ``_tok_{name}`` (clear value ``v``, token ``t``) for each feature, and
    return the columns that take the tokens out of them.

    HMACs are made once per distinct value: dates of birth, names and postcodes repeat
    (a date is shared by dozens of people in a million), and a value's typo variants
    cost fifteen HMACs each.
    """
    out = []
    for f in features:
        key = f.key or f.name
        params = hmac_params(_key(secret, f"token/{key}"), "t")
        if f.kind == "list":
            width = VARIANT_HEX if f.variants else TOKEN_HEX
            token = f"list_transform({f.value('v')}, lambda x: {hmac_sql('x', 't', width)})"
        else:
            token = hmac_sql(f.value("v"), "t", TOKEN_HEX)
        clear = ident("_clear_" + f.name)
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE _tok_{f.name} AS SELECT v, {token} AS t "
            f"FROM (SELECT DISTINCT {clear} AS v FROM _enc WHERE {clear} IS NOT NULL)",
            params,
        )
        out.append(f"_tok_{f.name}.t AS {ident(f.name)}")
    return out


def _bloom(conn: duckdb.DuckDBPyConnection, secret: bytes, name: str, bits: int) -> None:
    """Add ``{name}_bf`` to ``_enc``: a keyed CLK-style Bloom filter of the value's bigrams.

    Each distinct bigram's bits come from an HMAC keyed for this field, so the same
    bigram sets different bits in a name and in an address; a record's filter is the OR
    of its bigrams' filters, built in DuckDB.
    """
    clear = ident("_clear_" + name)
    grams_sql = "list_transform(range(1, length(p)), lambda i: substr(p, i, 2))"
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _bf_values AS SELECT DISTINCT {clear} AS v, "
        f"'_' || {clear} || '_' AS p FROM _enc WHERE {clear} IS NOT NULL"
    )
    grams = [r[0] for r in conn.execute(
        f"SELECT DISTINCT unnest({grams_sql}) FROM _bf_values"
    ).fetchall()]  # fmt: skip
    key = _key(secret, f"bloom/{BLOOM_KEYS[name]}")
    hashes = BLOOM_HASHES[name]
    patterns = []
    for gram in grams:
        digest = hmac.new(key, gram.encode(), hashlib.sha256).digest()
        positions = {int.from_bytes(digest[2 * k : 2 * k + 2], "big") % bits for k in range(hashes)}
        patterns.append("".join("1" if i in positions else "0" for i in range(bits)))
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _bf_grams AS SELECT unnest($g) AS g, unnest($b)::BIT AS f",
        {"g": grams, "b": patterns},
    )
    conn.execute(
        f"""CREATE OR REPLACE TEMP TABLE _bf_filters AS
        SELECT v, bit_or(f) AS f FROM (SELECT v, unnest({grams_sql}) AS g FROM _bf_values)
        JOIN _bf_grams USING (g) GROUP BY v"""
    )
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _enc AS SELECT _enc.*, b.f AS {ident(name + '_bf')} "
        f"FROM _enc LEFT JOIN _bf_filters b ON b.v = _enc.{ident('_clear_' + name)}"
    )
    conn.execute("DROP TABLE _bf_values; DROP TABLE _bf_grams; DROP TABLE _bf_filters")
