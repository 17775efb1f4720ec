"""The point of disclosure, on real tables and both stores: opt-outs, minimisation,
pseudonyms scoped to one agreement, re-identification by the controller alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from accord.privacy import (
    BadExtract,
    Disclosure,
    KeyNotFound,
    LawfulBasis,
    Minimisation,
    Output,
    PrivacyError,
    Treatment,
    current_key_version,
    disclose,
    load_registers,
    pseudonym,
    read_secret,
    register_opt_out,
    reidentify,
    retire_key,
    rotate_key,
    withdraw_opt_out,
)
from accord.store import Workspace


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
