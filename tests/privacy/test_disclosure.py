"""The point of disclosure, on real tables and both stores: opt-outs, minimisation,
pseudonyms scoped to one agreement, re-identification by the controller alone."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.privacy import (
    BadExtract,
    Disclosure,
    KeyNotFound,
    LawfulBasis,
    Minimisation,
    Output,
    Prepared,
    PrivacyError,
    Registers,
    RowFilter,
    RowOperator,
    Treatment,
    current_key_version,
    disclose,
    disclosed_rows,
    load_registers,
    prepare_disclosure,
    pseudonym,
    read_secret,
    register_opt_out,
    reidentify,
    retire_key,
    rotate_key,
    withdraw_opt_out,
)
from accord.store import UnsafeOutput, Workspace


def nhs_number(n: int) -> str:
    """A valid NHS number (mod 11 check digit) made from ``n``."""
    for start in range(n * 7, n * 7 + 20):
        body = f"{400000000 + start:09d}"
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)
    raise AssertionError("no valid number near")


NUMBERS = [nhs_number(i) for i in range(200)]
STAFF = {"by_role": "information governance officer", "reason": "the person asked by letter"}


@pytest.fixture
def extract() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE extract AS SELECT unnest($n) AS nhs_number, 'G' || unnest(range(200)) "
        "AS record_id, unnest(range(200)) % 7 AS admissions, 'SW1A 1AA' AS postcode, "
        "'L' || unnest(range(200)) AS linkage_id",
        {"n": NUMBERS},
    )
    conn.execute("INSERT INTO extract VALUES (NULL, 'G200', 1, 'SW1A 1AA', 'L200')")
    # One number as a person types it: the register must still find it.
    conn.execute("UPDATE extract SET nhs_number = substr(nhs_number, 1, 3) || ' ' || "
                 "substr(nhs_number, 4, 3) || ' ' || substr(nhs_number, 7) "
                 "WHERE record_id = 'G1'")  # fmt: skip
    return conn


PLANNING = Disclosure("dsa-gp-hospital", LawfulBasis.PUBLIC_TASK, "planning", Output.PSEUDONYMISED)
PSEUDONYMISED = Minimisation(("nhs_number", "admissions"), {"nhs_number": Treatment.PSEUDONYMISE})


def test_opt_outs_take_effect_on_the_next_disclosure(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    version = current_key_version(workspace.engine, PLANNING.agreement_id)
    before = disclose(extract, "extract", tmp_path / "a.parquet", PLANNING, PSEUDONYMISED,
                      load_registers(workspace.engine, secret), key_version=version)  # fmt: skip
    for number in NUMBERS[:10]:
        assert register_opt_out(workspace, "national", number, **STAFF)
    assert not register_opt_out(workspace, "national", NUMBERS[0], **STAFF)
    for number in NUMBERS[10:13]:
        register_opt_out(workspace, "objection", number, **STAFF)
    assert withdraw_opt_out(workspace, "national", NUMBERS[9], **STAFF)
    assert not withdraw_opt_out(workspace, "national", NUMBERS[50], **STAFF)

    after = disclose(extract, "extract", tmp_path / "b.parquet", PLANNING, PSEUDONYMISED,
                     load_registers(workspace.engine, secret), key_version=version)  # fmt: skip

    assert (before.rows_in, before.rows_out, before.opted_out, before.unchecked) == (201, 200, 0, 1)
    # Nine national opt-outs (one withdrawn) and three Article 21 objections apply to
    # planning on public task; the row without an NHS number cannot be checked.
    assert (after.rows_out, after.opted_out, after.unchecked) == (188, 12, 1)
    left = {
        r[0]
        for r in extract.execute(f"SELECT nhs_number FROM '{tmp_path / 'b.parquet'}'").fetchall()
    }
    gone = {
        pseudonym(secret, PLANNING.agreement_id, version, n) for n in NUMBERS[:9] + NUMBERS[10:13]
    }
    assert not left & gone
    assert len(left) == 188


def test_exempt_disclosures_ignore_the_register(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    register_opt_out(workspace, "national", NUMBERS[0], **STAFF)
    care = Disclosure("dsa-care", LawfulBasis.PUBLIC_TASK, "direct_care", Output.IDENTIFIABLE)
    minimal = Minimisation(("nhs_number", "admissions"))

    done = disclose(extract, "extract", tmp_path / "c.parquet", care, minimal,
                    load_registers(workspace.engine, secret))  # fmt: skip

    # Care is exempt from the national opt-out, so its register is not consulted; an
    # Article 21 objection would still apply on public task (none is registered), and
    # the row without an NHS number cannot be checked against it.
    assert {r.scheme: r.applies for r in done.rulings} == {"national": False, "objection": True}
    assert (done.rows_out, done.opted_out, done.unchecked) == (200, 0, 1)


def test_only_allowed_fields_leave_and_identifiers_are_replaced(
    sqlite_workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(sqlite_workspace.root / "keys")
    replaced = {"record_id": Treatment.DROP, "nhs_number": Treatment.LINKAGE_ID}
    policy = Minimisation(("record_id", "nhs_number", "admissions"), replaced)
    out = tmp_path / "d.parquet"
    disclose(
        extract, "extract", out, PLANNING, policy, load_registers(sqlite_workspace.engine, secret)
    )
    columns = [r[0] for r in extract.execute(f"DESCRIBE SELECT * FROM '{out}'").fetchall()]
    assert columns == ["nhs_number", "admissions"]
    values = {r[0] for r in extract.execute(f"SELECT nhs_number FROM '{out}'").fetchall()}
    assert values == {f"L{i}" for i in range(200)}

    with pytest.raises(BadExtract, match="no column diagnosis"):
        disclose(extract, "extract", out, PLANNING, Minimisation(("diagnosis",)),
                 load_registers(sqlite_workspace.engine, secret))  # fmt: skip
    with pytest.raises(BadExtract, match="give the agreement's key version"):
        disclose(extract, "extract", out, PLANNING, PSEUDONYMISED,
                 load_registers(sqlite_workspace.engine, secret))  # fmt: skip
    with pytest.raises(PrivacyError, match="not a valid NHS number"):
        register_opt_out(sqlite_workspace, "national", "1234567890", **STAFF)


def test_pseudonyms_differ_between_agreements_and_only_the_controller_reidentifies(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    registers = load_registers(workspace.engine, secret)
    other = Disclosure("dsa-other", LawfulBasis.PUBLIC_TASK, "planning", Output.PSEUDONYMISED)
    outs = {}
    for d in (PLANNING, other):
        version = current_key_version(workspace.engine, d.agreement_id)
        outs[d.agreement_id] = tmp_path / f"{d.agreement_id}.parquet"
        disclose(extract, "extract", outs[d.agreement_id], d, PSEUDONYMISED, registers,
                 key_version=version)  # fmt: skip
    a, b = ({r[0] for r in extract.execute(f"SELECT nhs_number FROM '{p}'").fetchall()}
            for p in outs.values())  # fmt: skip
    assert len(a) == len(b) == 200
    assert not a & b  # two recipients cannot join their extracts
    assert all(p.startswith("P1-") and len(p) == 35 for p in a)

    back = reidentify(extract, "extract", "nhs_number", sorted(a), PLANNING.agreement_id,
                      secret, [1])  # fmt: skip
    assert {v.replace(" ", "") for v in back.values()} == set(NUMBERS)
    # Another node's secret re-identifies nobody.
    assert not reidentify(extract, "extract", "nhs_number", sorted(a), PLANNING.agreement_id,
                          bytes(32), [1])  # fmt: skip

    # Rotation: new pseudonyms; the old ones stay re-identifiable until retired.
    assert rotate_key(workspace.engine, PLANNING.agreement_id) == 2
    assert current_key_version(workspace.engine, PLANNING.agreement_id) == 2
    assert pseudonym(secret, PLANNING.agreement_id, 2, NUMBERS[0]).startswith("P2-")
    retire_key(workspace.engine, PLANNING.agreement_id, 1)
    with pytest.raises(KeyNotFound):
        retire_key(workspace.engine, PLANNING.agreement_id, 1)


def test_a_disclosure_never_imports_pandas() -> None:
    # DuckDB imports pandas when handed an Arrow table: a second a disclosure must not pay.
    code = (
        "import sys, tempfile, duckdb; from pathlib import Path; "
        "from accord.privacy import *; "
        "c = duckdb.connect(); c.execute(\"CREATE TABLE e AS SELECT '9434765919' AS nhs_number\"); "
        "d = Disclosure('a', LawfulBasis.PUBLIC_TASK, 'planning', Output.PSEUDONYMISED); "
        "m = Minimisation(('nhs_number',), {'nhs_number': Treatment.PSEUDONYMISE}); "
        "r = Registers({'national': ['9434765919'], 'objection': []}, bytes(32)); "
        "done = disclose(c, 'e', Path(tempfile.mkdtemp()) / 'o.parquet', d, m, r, key_version=1); "
        "print(done.opted_out, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "1 False"


# --- Row filters: only rows inside the agreement's conditions leave ------------------------

CONSENTED = Disclosure("dsa-rows", LawfulBasis.CONSENT, "research", Output.PSEUDONYMISED)
NO_REGISTERS = Registers({"national": [], "objection": []}, bytes(32))
COLUMNS = ("record_id VARCHAR, nhs_number VARCHAR, flag BOOLEAN, flag_text VARCHAR, "
           "district VARCHAR, dob DATE, dob_text VARCHAR, score BIGINT")  # fmt: skip
Row = tuple[str, str | None, bool | None, str | None, str | None, date | None, str | None,
            int | None]  # fmt: skip
NAMES = ("record_id", "nhs_number", "flag", "flag_text", "district", "dob", "dob_text", "score")
# Text values an attacker might choose, next to ordinary ones.
TEXTS = ["RV1", "RV2", "rv1", "RV10", "", "O'Neil", "x'); DROP TABLE extract; --", "$rows_0",
         "%", "_", "RV1 4AA", "é"]  # fmt: skip


def _table(rows: list[Row]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute(f"CREATE TABLE extract ({COLUMNS})")
    if rows:
        conn.executemany(f"INSERT INTO extract VALUES ({', '.join('?' * len(NAMES))})", rows)
    return conn


def _meets(row: Row, f: RowFilter) -> bool:
    value = dict(zip(NAMES, row, strict=True))[f.field]
    if f.field == "flag_text":
        value = {"true": True, "false": False}.get(value) if isinstance(value, str) else None
    if f.field == "dob_text":
        value = date.fromisoformat(value) if value and value[0].isdigit() else None
    if value is None:
        return False
    op, want = f.operator, f.value
    if op is RowOperator.EQUALS:
        return bool(value == want and type(value) is type(want))
    if op in (RowOperator.IN, RowOperator.NOT_IN):
        assert isinstance(want, tuple)
        return (value in want) is (op is RowOperator.IN)
    if op is RowOperator.STARTS_WITH:
        assert isinstance(want, tuple)
        return any(str(value).startswith(str(p)) for p in want)
    order = {RowOperator.BEFORE: value < want, RowOperator.ON_OR_AFTER: value >= want,  # type: ignore[operator]
             RowOperator.AT_LEAST: value >= want, RowOperator.AT_MOST: value <= want}  # type: ignore[operator]  # fmt: skip
    return bool(order[op])


DAYS = st.dates(date(1930, 1, 1), date(2030, 1, 1))
rows_st = st.lists(st.tuples(
    st.none() | st.sampled_from(NUMBERS[:5]), st.none() | st.booleans(),
    st.none() | st.sampled_from(["true", "false", "maybe"]), st.none() | st.sampled_from(TEXTS),
    st.none() | DAYS, st.none() | DAYS.map(date.isoformat) | st.just("not a date"),
    st.none() | st.integers(-5, 5),
), max_size=30)  # fmt: skip
texts = st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4).map(tuple)
filters_st = st.one_of(
    st.builds(RowFilter, st.sampled_from(["flag", "flag_text"]), st.just(RowOperator.EQUALS),
              st.booleans()),
    st.builds(RowFilter, st.just("district"), st.just(RowOperator.EQUALS), st.sampled_from(TEXTS)),
    st.builds(RowFilter, st.just("score"), st.just(RowOperator.EQUALS), st.integers(-5, 5)),
    st.builds(RowFilter, st.just("district"), st.sampled_from([RowOperator.IN, RowOperator.NOT_IN,
                                                               RowOperator.STARTS_WITH]), texts),
    st.builds(RowFilter, st.just("score"), st.sampled_from([RowOperator.IN, RowOperator.NOT_IN]),
              st.lists(st.integers(-5, 5), min_size=1, max_size=4).map(tuple)),
    st.builds(RowFilter, st.sampled_from(["dob", "dob_text"]),
              st.sampled_from([RowOperator.BEFORE, RowOperator.ON_OR_AFTER]), DAYS),
    st.builds(RowFilter, st.just("score"), st.sampled_from([RowOperator.AT_LEAST,
                                                            RowOperator.AT_MOST]),
              st.integers(-6, 6) | st.floats(-6, 6)),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_st, st.lists(filters_st, max_size=3))
def test_rows_outside_the_conditions_never_leave(
    tmp_path_factory: pytest.TempPathFactory, drawn: list[tuple[object, ...]],
    filters: list[RowFilter],
) -> None:  # fmt: skip
    rows: list[Row] = [(f"G{i}", *r) for i, r in enumerate(drawn)]  # type: ignore[misc]
    conn = _table(rows)
    out = tmp_path_factory.mktemp("rows") / "out.parquet"
    kept = Minimisation(("record_id",), rows=tuple(filters))
    done = disclose(conn, "extract", out, CONSENTED, kept, NO_REGISTERS)
    left = {r[0] for r in conn.execute(f"SELECT record_id FROM '{out}'").fetchall()}
    expected = {r[0] for r in rows if all(_meets(r, f) for f in filters)}
    assert left == expected
    assert (done.rows_out, done.outside_conditions) == (len(expected), len(rows) - len(expected))
    assert conn.execute("SELECT count(*) FROM extract").fetchall() == [(len(rows),)]


def test_condition_values_cannot_inject_sql(tmp_path: Path) -> None:
    hostile = "x'); DROP TABLE extract; --"
    conn = _table([("G0", None, None, None, hostile, None, None, None),
                   ("G1", None, None, None, "RV1", None, None, None)])  # fmt: skip
    kept = Minimisation(("record_id", "district"),
                        rows=(RowFilter("district", RowOperator.IN, (hostile,)),))  # fmt: skip
    done = disclose(conn, "extract", tmp_path / "a.parquet", CONSENTED, kept, NO_REGISTERS)
    assert done.rows_out == 1
    assert conn.execute(f"SELECT district FROM '{tmp_path / 'a.parquet'}'").fetchall() == [
        (hostile,)
    ]
    # A field name is never SQL either: one that is no column of the extract is refused.
    sneaky = RowFilter('district" IS NOT NULL OR "1', RowOperator.EQUALS, "RV1")
    with pytest.raises(BadExtract, match="no column"):
        disclose(conn, "extract", tmp_path / "b.parquet", CONSENTED,
                 Minimisation(("record_id",), rows=(sneaky,)), NO_REGISTERS)  # fmt: skip
    assert conn.execute("SELECT count(*) FROM extract").fetchall() == [(2,)]


def test_a_condition_on_a_field_not_in_the_extract_is_refused(tmp_path: Path) -> None:
    conn = _table([])
    minimal = Minimisation(("record_id",),
                           rows=(RowFilter("known_to_asc", RowOperator.EQUALS, True),))  # fmt: skip
    with pytest.raises(BadExtract, match="the extract has no column known_to_asc, which a row "
                       "condition of the agreement reads"):  # fmt: skip
        disclose(conn, "extract", tmp_path / "a.parquet", CONSENTED, minimal, NO_REGISTERS)
    assert not (tmp_path / "a.parquet").exists()
    wrong_type = Minimisation(("record_id",), rows=(RowFilter(
        "score", RowOperator.BEFORE, date(2000, 1, 1)),))  # fmt: skip
    with pytest.raises(
        BadExtract, match="before compares a date but the extract's score is BIGINT"
    ):
        disclose(conn, "extract", tmp_path / "a.parquet", CONSENTED, wrong_type, NO_REGISTERS)


@pytest.mark.parametrize(
    ("operator", "value", "words"),
    [
        (RowOperator.IN, "RV1", "tuple of 1 to 1000"),
        (RowOperator.IN, (), "tuple of 1 to 1000"),
        (RowOperator.IN, ("RV1", 2), "all text or all whole numbers"),
        (RowOperator.STARTS_WITH, (1,), "all text"),
        (RowOperator.BEFORE, "2000-01-01", "needs a date"),
        (RowOperator.AT_LEAST, True, "needs a number"),
        (RowOperator.EQUALS, date(2000, 1, 1), "flag, whole number or text"),
    ],
)
def test_a_malformed_row_filter_is_refused(operator: RowOperator, value: object,
                                          words: str) -> None:  # fmt: skip
    with pytest.raises(ValueError, match=words):
        RowFilter("field", operator, value)  # type: ignore[arg-type]


def test_opt_outs_count_only_rows_inside_the_conditions(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    for number in NUMBERS[:10]:
        register_opt_out(workspace, "national", number, **STAFF)
    # Records G0..G99 of the 201: admissions 0-6 cycle; keep the rows with 3 or more.
    scoped = Minimisation(("record_id",), rows=(RowFilter("admissions", RowOperator.AT_LEAST, 3),))
    done = disclose(extract, "extract", tmp_path / "a.parquet", PLANNING, scoped,
                    load_registers(workspace.engine, secret))  # fmt: skip
    inside = sum(1 for i in range(200) if i % 7 >= 3)  # the NULL-number row has 1 admission
    opted_in_scope = sum(1 for i in range(10) if i % 7 >= 3)
    assert done.outside_conditions == 201 - inside
    assert (done.rows_out, done.opted_out, done.unchecked) == (
        inside - opted_in_scope, opted_in_scope, 0)  # fmt: skip


def test_an_extract_is_owner_only_and_never_a_workspace_s_own_file(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    version = current_key_version(workspace.engine, PLANNING.agreement_id)
    registers = load_registers(workspace.engine, secret)
    out = tmp_path / "extract.parquet"
    disclose(extract, "extract", out, PLANNING, PSEUDONYMISED, registers, key_version=version)
    assert out.stat().st_mode & 0o777 == 0o600
    key = workspace.root / "keys" / "node.key"
    kept = key.read_bytes()
    with pytest.raises(UnsafeOutput, match="workspace's own files"):
        disclose(extract, "extract", key, PLANNING, PSEUDONYMISED, registers, key_version=version)
    assert key.read_bytes() == kept


def test_registers_held_in_memory_follow_another_process_s_changes(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection
) -> None:
    # load_registers keeps the unsealed registers per process, read again when the store's
    # registers moved: an opt-out registered or withdrawn by another process (another
    # worker, the CLI) holds at this process's next disclosure.
    secret = read_secret(workspace.root / "keys")
    version = current_key_version(workspace.engine, PLANNING.agreement_id)

    def sent() -> int:
        names, rows = disclosed_rows(extract, "extract", PLANNING, PSEUDONYMISED,
                                     load_registers(workspace.engine, secret),
                                     key_version=version)  # fmt: skip
        assert names == ["nhs_number", "admissions"]
        return len(rows)

    def cli(*args: str) -> None:
        staff = ["--as-role", "dpo", "--reason", "by letter", "-w", str(workspace.root)]
        command = [sys.executable, "-m", "accord.cli", "optout", *args, NUMBERS[3], *staff]
        subprocess.run(command, capture_output=True, text=True, check=True)

    assert sent() == 200
    assert load_registers(workspace.engine, secret) is load_registers(workspace.engine, secret)
    cli("register")
    assert sent() == 199
    cli("withdraw")
    assert sent() == 200


def test_disclosed_rows_are_what_disclose_writes(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    secret = read_secret(workspace.root / "keys")
    register_opt_out(workspace, "national", NUMBERS[0], **STAFF)
    version = current_key_version(workspace.engine, PLANNING.agreement_id)
    registers = load_registers(workspace.engine, secret)
    out = tmp_path / "out.parquet"
    disclose(extract, "extract", out, PLANNING, PSEUDONYMISED, registers, key_version=version)
    names, rows = disclosed_rows(extract, "extract", PLANNING, PSEUDONYMISED, registers,
                                 key_version=version)  # fmt: skip
    written = extract.execute(f"SELECT * FROM '{out}'")
    assert names == [d[0] for d in written.description or ()]
    assert sorted(rows) == sorted(written.fetchall())
    assert len(rows) == 199


def test_a_prepared_disclosure_picks_rows_and_follows_the_registers(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection
) -> None:
    # Made once (a lookup's query over a loaded snapshot), run per person: what it gives
    # is what disclosed_rows gives for the same rows, and one made after a register
    # changed follows it.
    secret = read_secret(workspace.root / "keys")
    version = current_key_version(workspace.engine, PLANNING.agreement_id)

    def prepared() -> Prepared:
        return prepare_disclosure(extract, "extract", PLANNING, PSEUDONYMISED,
                                  load_registers(workspace.engine, secret),
                                  where="e.nhs_number = $person", key_version=version)  # fmt: skip

    first = prepared()
    names, rows = first.rows(extract, {"person": NUMBERS[3]})
    registers = load_registers(workspace.engine, secret)
    whole = disclosed_rows(extract, "extract", PLANNING, PSEUDONYMISED, registers,
                           key_version=version)  # fmt: skip
    assert names == whole[0] == ["nhs_number", "admissions"]
    assert len(rows) == 1
    assert rows[0] in whole[1]
    register_opt_out(workspace, "national", NUMBERS[3], **STAFF)
    assert prepared().rows(extract, {"person": NUMBERS[3]})[1] == []
    assert prepared().rows(extract, {"person": NUMBERS[4]})[1] != []
    with pytest.raises(BadExtract, match="no column"):
        prepare_disclosure(extract, "extract", PLANNING,
                           dataclasses.replace(PSEUDONYMISED, fields=("nhs_number", "ward")),
                           load_registers(workspace.engine, secret),
                           where="TRUE", key_version=version)  # fmt: skip


@pytest.mark.parametrize(
    "minimisation",
    [
        PSEUDONYMISED,
        Minimisation(("nhs_number", "born", "admissions"),
                     {"nhs_number": Treatment.PSEUDONYMISE, "born": Treatment.PSEUDONYMISE}),
        Minimisation(("record_id", "nhs_number", "admissions"),
                     {"record_id": Treatment.LINKAGE_ID, "nhs_number": Treatment.DROP}),
        Minimisation(("record_id", "admissions", "postcode"), {},
                     (RowFilter("admissions", RowOperator.AT_LEAST, 3),)),
    ],
    ids=["pseudonymised", "a-date-pseudonymised", "linkage-id", "filtered"],
)  # fmt: skip
def test_a_prepared_disclosure_gives_what_disclosed_rows_gives(
    workspace: Workspace, extract: duckdb.DuckDBPyConnection, minimisation: Minimisation
) -> None:
    # The prepared form withholds and pseudonymises in Python for a few rows; over every
    # row at once it must give exactly what the one-query form gives: the same rows
    # withheld (a number typed with spaces, one with none), the same pseudonyms (a date's
    # as its ISO text), the same fields.
    extract.execute("ALTER TABLE extract ADD COLUMN born DATE")
    extract.execute("UPDATE extract SET born = DATE '1980-02-29' + admissions::INTEGER")
    secret = read_secret(workspace.root / "keys")
    for number in (NUMBERS[1], NUMBERS[5], NUMBERS[8]):  # NUMBERS[1]: typed with spaces
        register_opt_out(workspace, "national", number, **STAFF)
    version = current_key_version(workspace.engine, PLANNING.agreement_id)
    registers = load_registers(workspace.engine, secret)
    names, rows = disclosed_rows(extract, "extract", PLANNING, minimisation, registers,
                                 key_version=version)  # fmt: skip
    ready = prepare_disclosure(extract, "extract", PLANNING, minimisation, registers,
                               where="TRUE", key_version=version)  # fmt: skip
    got_names, got = ready.rows(extract, {})
    assert got_names == names
    assert sorted(map(repr, got)) == sorted(map(repr, rows))
    per_record = prepare_disclosure(extract, "extract", PLANNING, minimisation, registers,
                                    where="e.record_id = $r", key_version=version)  # fmt: skip
    one_by_one = [row for i in range(201) for row in per_record.rows(extract, {"r": f"G{i}"})[1]]
    assert sorted(map(repr, one_by_one)) == sorted(map(repr, rows))
    assert len(rows) < 201
    # Answered from an index of the rows in scope, as a lookup by one column: the same.
    index = ready.index(extract, "record_id")
    assert len(index) <= 201
    from_index = [row for i in range(201) for row in ready.rows_of(index, f"G{i}")[1]]
    assert sorted(map(repr, from_index)) == sorted(map(repr, rows))
    assert ready.rows_of(index, "nobody") == (names, [])
