"""The protocol: encode at each provider, match at the linking party, resolve at home."""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from pathlib import Path

import duckdb
import pytest

from accord.linkage import (
    BadEncoding,
    Encoded,
    LinkOptions,
    Mode,
    encode,
    match,
    new_secret,
    write_pairs,
)
from accord.linkage.encoding import TOKEN_HEX, _key
from tests.linkage.conftest import Population, scores


def run(population: Population, tmp: Path, mode: Mode, secrets: tuple[bytes, bytes] | None,
        options: LinkOptions | None = None) -> tuple[set[tuple[str, str]], Path]:  # fmt: skip
    """The whole protocol; returns the pairs by record id and the linking party's folder."""
    conn = duckdb.connect()
    left_secret, right_secret = secrets or (None, None)
    el, rl = encode(conn, population.gp.path, tmp / "gp", party="gp", run="r1", mode=mode,
                    secret=left_secret)  # fmt: skip
    er, rr = encode(conn, population.hospital.path, tmp / "hospital", party="hospital",
                    run="r1", mode=mode, secret=right_secret)  # fmt: skip
    linker = tmp / "linker"
    linker.mkdir()
    for enc in (el, er):  # the linking party receives these files and nothing else
        for path in (enc.path, enc.manifest()):
            (linker / path.name).write_bytes(path.read_bytes())
    received = [Encoded.read(linker / el.path.name), Encoded.read(linker / er.path.name)]
    lconn = duckdb.connect()
    lconn.execute(f"SET temp_directory = '{linker / 'spill'}'")
    matched = match(lconn, received[0], received[1], linker / "pairs.parquet", options)
    lconn.close()
    out = tmp / "pairs.csv"
    write_pairs(conn, matched, rl, rr, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {(r["left_id"], r["right_id"]) for r in rows}, linker


def test_private_mode_links_the_same_people(population: Population, tmp_path: Path) -> None:
    secret = new_secret()
    found, _ = run(population, tmp_path, Mode.PRIVATE, (secret, secret))

    precision, recall, f1 = scores(found, population.true_pairs)
    assert f1 >= 0.98, (precision, recall)


def test_plaintext_mode_links_the_same_people(population: Population, tmp_path: Path) -> None:
    found, _ = run(population, tmp_path, Mode.PLAINTEXT, None)

    precision, recall, f1 = scores(found, population.true_pairs)
    assert f1 >= 0.98, (precision, recall)


def test_a_wrong_secret_on_one_side_links_nothing(population: Population, tmp_path: Path) -> None:
    found, _ = run(population, tmp_path, Mode.PRIVATE, (new_secret(), new_secret()))

    assert found == set()


def test_many_to_many_keeps_every_pair_over_the_threshold(
    population: Population, tmp_path: Path
) -> None:
    secret = new_secret()
    one, _ = run(population, tmp_path / "a", Mode.PRIVATE, (secret, secret))
    many, _ = run(population, tmp_path / "b", Mode.PRIVATE, (secret, secret),
                  LinkOptions(one_to_one=False))  # fmt: skip

    assert one <= many
    lefts = [left for left, _ in one]
    assert len(lefts) == len(set(lefts))


def _clear_values(population: Population) -> set[bytes]:
    """Every value of the sources, raw and standardised, long enough to be telling."""
    values: set[bytes] = set()
    with duckdb.connect() as conn:
        for side in (population.gp, population.hospital):
            cols = conn.execute(f"DESCRIBE SELECT * FROM '{side.path}'").fetchall()
            for col, kind, *_rest in cols:
                if col == "source_row":
                    continue
                expr = f"unnest({col})" if kind.endswith("[]") else f"{col}::VARCHAR"
                for (value,) in conn.execute(
                    f"SELECT DISTINCT {expr} FROM '{side.path}'"
                ).fetchall():
                    if value is not None and len(str(value)) >= 4:
                        values.add(str(value).encode())
    return values


@pytest.mark.slow
def test_the_linking_party_sees_no_value_nor_any_standard_form_of_one(
    population: Population, tmp_path: Path
) -> None:
    secret = new_secret()
    _, linker = run(population, tmp_path, Mode.PRIVATE, (secret, secret))
    clear = _clear_values(population)
    assert len(clear) > 5000
    # Every cell of its Parquet files as text (filters as hex): tokens and filters are
    # then lower-case hex, so a value with any other character (a capital, a space, a
    # letter after f) cannot appear there by chance, however short.
    cells: list[str] = []
    raw: list[bytes] = []
    with duckdb.connect() as conn:
        for path in sorted(linker.rglob("*")):
            if path.is_file():
                raw.append(path.read_bytes())
            if path.suffix == ".parquet":
                cols = [c[:2] for c in conn.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
                for col, kind in cols:
                    # Bytes as hex: as text, random bytes would spell any short word.
                    cell = f"lower(hex({col}))" if kind == "BLOB" else f"{col}::VARCHAR"
                    rows = conn.execute(f"SELECT {cell} FROM '{path}'").fetchall()
                    cells.append("\n".join(str(r[0]) for r in rows))
    telling = [v for v in clear if set(v.decode()) - set("0123456789abcdef")]
    assert len(telling) > 5000
    text = "\0".join(cells).encode()
    # A value of one line with a character that is not hex can only lie in a line with
    # that character: those lines alone are searched for it (searching every cell for
    # every value took most of this test's time). A value of several lines (an address)
    # is searched for in the whole text.
    hexed = re.compile(r"[0-9a-f]*")
    lines = "\0".join(
        line for cell in cells for line in cell.split("\n") if not hexed.fullmatch(line)
    ).encode()
    assert [v for v in telling if v in (text if b"\n" in v or b"\0" in v else lines)] == []
    # And every byte it received and wrote: binary encodings (numbers, page headers) may
    # hold any short run by chance, so there values of eight bytes or more are sought:
    # only those whose first eight bytes occur somewhere are searched for whole.
    blob = b"\0".join(raw)
    grams = {blob[i : i + 8] for i in range(len(blob) - 7)}
    assert [v for v in clear if len(v) >= 8 and v[:8] in grams and v in blob] == []


def test_tokens_are_hmac_sha256_of_the_standard_value(
    population: Population, tmp_path: Path
) -> None:
    secret = new_secret()
    conn = duckdb.connect()
    enc, refs = encode(conn, population.gp.path, tmp_path, party="gp", run="r", mode=Mode.PRIVATE,
                       secret=secret)  # fmt: skip
    (family, token), *_ = conn.execute(
        f"SELECT s.family_name, e.family FROM '{population.gp.path}' s "
        f"JOIN '{refs.path}' k ON k.record_id = s.record_id "
        f"JOIN '{enc.path}' e ON e.ref = k.ref WHERE s.family_name IS NOT NULL LIMIT 1"
    ).fetchall()
    key = _key(secret, "token/name")
    assert token == hmac.new(key, family.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX]
    assert "record_id" not in enc.features


def test_the_linking_party_refuses_encodings_of_different_runs(
    population: Population, tmp_path: Path
) -> None:
    secret = new_secret()
    conn = duckdb.connect()
    el, _ = encode(conn, population.gp.path, tmp_path, party="gp", run="r1", mode=Mode.PRIVATE,
                   secret=secret)  # fmt: skip
    er, _ = encode(conn, population.hospital.path, tmp_path, party="h", run="r2",
                   mode=Mode.PRIVATE, secret=secret)  # fmt: skip
    with pytest.raises(BadEncoding, match="same run"):
        match(duckdb.connect(), el, er, tmp_path / "p.parquet")


def test_a_mistyped_nhs_number_still_compares_one_digit_apart(
    population: Population, tmp_path: Path
) -> None:
    # A wrong digit breaks the check digit: no exact token, but its masked variants remain.
    conn = duckdb.connect()
    enc, _ = encode(conn, population.gp.path, tmp_path, party="gp", run="r",
                    mode=Mode.PLAINTEXT, secret=None)  # fmt: skip
    (typos, valid), *_ = conn.execute(
        f"SELECT count(*) FILTER (nhs IS NULL AND nhs_var IS NOT NULL), "
        f"count(*) FILTER (nhs IS NOT NULL AND len(nhs_var) = 10) FROM '{enc.path}'"
    ).fetchall()
    assert typos > 0
    assert valid > 0
