"""Disclosure, re-identification and opt-outs on a node, on both stores: each person
disclosed, re-identified or opting out is in the log, keyed as the citizen view keys them,
and a failed disclosure leaves neither a file nor an entry."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from accord import audit
from accord.privacy import (
    BadExtract,
    Disclosure,
    LawfulBasis,
    Minimisation,
    NotSelfService,
    Output,
    PrivacyError,
    Share,
    Treatment,
    count_opt_outs,
    disclose_in,
    opted_out,
    register_opt_out,
    register_own_opt_out,
    reidentify_in,
    withdraw_opt_out,
    withdraw_own_opt_out,
)
from accord.sources import ingest
from accord.store import StoreError, Workspace
from tests.audit.support import nhs_numbers

A, B, C, OPTED = nhs_numbers(4)
STAFF = {"by_role": "information governance officer", "reason": "the person wrote to us"}
PLANNING = Disclosure("dsa-gp-hospital", LawfulBasis.PUBLIC_TASK, "planning", Output.PSEUDONYMISED)
PSEUDONYMISED = Minimisation(("nhs_number", "admissions"), {"nhs_number": Treatment.PSEUDONYMISE})
SHARE = Share(recipient="Riverside Hospital Trust", recipient_role="admissions analyst",
              legal_basis="UK GDPR Art 6(1)(e); Art 9(2)(h)", gateway="NHS Act 2006 s251",
              purpose="finding patients at risk of an emergency admission")  # fmt: skip

# One person twice (as typed and as stored), two more, one who opted out, a mistyped
# number, a placeholder and a missing one.
ROWS = [
    ("1", f"{A[:3]} {A[3:6]} {A[6:]}", 2), ("2", A, 1), ("3", B, 0), ("4", f"{C[:3]}-{C[3:]}", 5),
    ("5", OPTED, 3), ("6", A[:9] + str((int(A[9]) + 1) % 10), 1), ("7", "0000000000", 4),
    ("8", "", 2),
]  # fmt: skip


@pytest.fixture
def patients(workspace: Workspace, tmp_path: Path) -> Workspace:
    source = tmp_path / "patients.csv"
    source.write_text("id,nhs,admissions\n" + "".join(f"{i},{n},{a}\n" for i, n, a in ROWS))
    mapping = tmp_path / "patients.yaml"
    mapping.write_text("fields: {record_id: id, nhs_number: nhs}\nattributes: [admissions]\n")
    ingest(workspace, str(source), mapping, "patients")
    register_opt_out(workspace, "national", OPTED, **STAFF)
    return workspace


def logged(ws: Workspace, name: str) -> list[audit.Event]:
    return [e.event for e in audit.entries(ws) if e.event.name == name]


@pytest.mark.parametrize("subject", ["nhs_number", "nhs_number_raw"])
def test_each_person_disclosed_is_recorded_once_keyed_as_their_own_view_keys_them(
    patients: Workspace, tmp_path: Path, subject: str
) -> None:
    out = tmp_path / "shared.parquet"

    shared = disclose_in(patients, "patients", out, PLANNING, PSEUDONYMISED, SHARE,
                         subject=subject)  # fmt: skip

    with duckdb.connect() as conn:
        columns = [r[0] for r in conn.execute(f"DESCRIBE SELECT * FROM '{out}'").fetchall()]
        rows = conn.execute(f"SELECT count(*) FROM '{out}'").fetchone()
    assert columns == ["nhs_number", "admissions"]  # the keying column does not leave
    # Withheld: the opted-out person and the row with no number (it cannot be checked).
    assert rows == (6,)
    assert (shared.disclosed.opted_out, shared.disclosed.unchecked) == (1, 1)
    assert (shared.people, shared.unkeyed) == (3, 2)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    events = logged(patients, "records.disclosed")
    assert Counter(e.person for e in events) == {  # type: ignore[attr-defined]
        audit.person_key(patients, n): 1 for n in (A, B, C)
    }
    assert events[0] == audit.RecordsDisclosed(
        person=events[0].person, agreement="dsa-gp-hospital",  # type: ignore[attr-defined]
        recipient="Riverside Hospital Trust", recipient_role="admissions analyst",
        dataset="patients", purpose="finding patients at risk of an emergency admission",
        legal_basis="UK GDPR Art 6(1)(e); Art 9(2)(h)", gateway="NHS Act 2006 s251",
        shared_fields=("nhs_number", "admissions"),  # what left, as the recipient has it
    )  # fmt: skip
    # The mistyped and placeholder numbers left too: the log counts them.
    assert logged(patients, "records.unkeyed") == [audit.RecordsUnkeyed(
        use="records.disclosed", rows=2, dataset="patients", agreement="dsa-gp-hospital",
        recipient="Riverside Hospital Trust",
    )]  # fmt: skip
    use = audit.uses(patients, audit.person_key(patients, A))[0]
    assert (use.organisation, use.kind) == ("Riverside Hospital Trust", "records.disclosed")
    assert use.fields == ("nhs_number", "admissions")
    assert audit.uses(patients, audit.person_key(patients, OPTED))[0].what == (
        "Your opt-out (national) was registered"
    )


def test_a_failed_disclosure_writes_no_file_and_records_nothing(
    patients: Workspace, tmp_path: Path
) -> None:
    before = len(list(audit.entries(patients)))
    folder = tmp_path / "out"
    folder.mkdir()
    existing = folder / "old.parquet"
    existing.write_bytes(b"an earlier share")

    with pytest.raises(BadExtract, match="no column diagnosis"):
        disclose_in(patients, "patients", folder / "a.parquet", PLANNING,
                    Minimisation(("diagnosis",)), SHARE)  # fmt: skip
    with pytest.raises(BadExtract, match="no column ni_number_x"):
        disclose_in(patients, "patients", folder / "a.parquet", PLANNING, PSEUDONYMISED, SHARE,
                    subject="ni_number_x")  # fmt: skip
    for out in (existing, folder / "missing" / "a.parquet", patients.root / "keys" / "a"):
        with pytest.raises(StoreError):
            disclose_in(patients, "patients", out, PLANNING, PSEUDONYMISED, SHARE)

    assert len(list(audit.entries(patients))) == before
    assert [p.name for p in folder.iterdir()] == ["old.parquet"]
    assert existing.read_bytes() == b"an earlier share"


def test_linkage_ids_replace_the_identifier(patients: Workspace, tmp_path: Path) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("record_id,linkage_id\n" + "".join(f"{i},L{i}\n" for i, _, _ in ROWS))
    policy = Minimisation(("nhs_number", "admissions"), {"nhs_number": Treatment.LINKAGE_ID})
    out = tmp_path / "linked.parquet"

    shared = disclose_in(patients, "patients", out, PLANNING, policy, SHARE, linkage_ids=ids)

    with duckdb.connect() as conn:
        values = {r[0] for r in conn.execute(f"SELECT nhs_number FROM '{out}'").fetchall()}
    assert values == {"L1", "L2", "L3", "L4", "L6", "L7"}
    assert shared.people == 3


def test_reidentification_is_recorded_per_person_with_role_and_reason(
    patients: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "shared.parquet"
    disclose_in(patients, "patients", out, PLANNING, PSEUDONYMISED, SHARE)
    with duckdb.connect() as conn:
        pseudonyms = sorted(str(r[0]) for r in conn.execute(f"SELECT nhs_number FROM '{out}'")
                            .fetchall())  # fmt: skip

    guardian = {"by_role": "caldicott guardian", "reason": "a safeguarding referral"}
    found = reidentify_in(patients, "patients", pseudonyms, PLANNING.agreement_id, **guardian)

    assert set(found.values()) == {A, B, C, A[:9] + str((int(A[9]) + 1) % 10), "0000000000"}
    assert Counter(e.person for e in logged(patients, "person.reidentified")) == {  # type: ignore[attr-defined]
        audit.person_key(patients, n): 1 for n in (A, B, C)
    }
    assert logged(patients, "records.unkeyed")[-1] == audit.RecordsUnkeyed(
        use="person.reidentified", rows=2, dataset="patients", agreement=PLANNING.agreement_id,
        by_role="caldicott guardian", reason="a safeguarding referral",
    )  # fmt: skip
    seen = audit.uses(patients, audit.person_key(patients, B))[0]
    assert (seen.what, seen.role) == ("A pseudonym was traced back to you", "caldicott guardian")
    before = len(list(audit.entries(patients)))
    assert reidentify_in(patients, "patients", ["P1-unknown"], PLANNING.agreement_id,
                         **STAFF) == {}  # fmt: skip
    with pytest.raises(audit.MissingReason):
        reidentify_in(patients, "patients", pseudonyms, PLANNING.agreement_id, by_role="x",
                      reason="")  # fmt: skip
    assert len(list(audit.entries(patients))) == before


def test_opt_outs_are_recorded_on_the_persons_behalf_and_a_no_op_is_not(
    workspace: Workspace,
) -> None:
    assert register_opt_out(workspace, "national", A, **STAFF)
    assert not register_opt_out(workspace, "national", A, **STAFF)
    assert withdraw_opt_out(workspace, "national", A, by_role="receptionist",
                            reason="the person phoned")  # fmt: skip
    assert not withdraw_opt_out(workspace, "national", A, **STAFF)
    for bad in ({"by_role": "", "reason": "why"}, {"by_role": "clerk", "reason": ""}):
        with pytest.raises(audit.MissingReason):
            register_opt_out(workspace, "national", B, **bad)
    with pytest.raises(PrivacyError, match="not a valid NHS number"):
        register_opt_out(workspace, "national", "9434765918", **STAFF)
    with pytest.raises(PrivacyError, match="placeholder"):
        register_opt_out(workspace, "national", "0000000000", **STAFF)

    me = audit.person_key(workspace, A)
    assert [e.event for e in audit.entries(workspace)] == [
        audit.OptOutRegistered(person=me, scheme="national", **STAFF),
        audit.OptOutWithdrawn(person=me, scheme="national", by_role="receptionist",
                              reason="the person phoned"),
    ]  # fmt: skip
    assert count_opt_outs(workspace.engine) == {"national": 0, "objection": 0}


def test_a_person_opts_out_and_withdraws_themselves_where_the_scheme_allows(
    workspace: Workspace,
) -> None:
    assert opted_out(workspace, A) == frozenset()
    assert register_own_opt_out(workspace, "national", A, provider="nhs-login")
    assert not register_own_opt_out(workspace, "national", A, provider="nhs-login")
    assert opted_out(workspace, f"{A[:3]} {A[3:6]} {A[6:]}") == {"national"}
    assert opted_out(workspace, B) == frozenset()  # one person's choice is theirs alone
    assert count_opt_outs(workspace.engine)["national"] == 1  # the register disclosure reads
    assert withdraw_own_opt_out(workspace, "national", A, provider="nhs-login")
    assert not withdraw_own_opt_out(workspace, "national", A, provider="nhs-login")
    assert opted_out(workspace, A) == frozenset()

    me = audit.person_key(workspace, A)
    own = {"by_role": audit.BY_PERSON, "reason": "their own choice, signed in with nhs-login"}
    assert [e.event for e in audit.entries(workspace)] == [
        audit.OptOutRegistered(person=me, scheme="national", **own),
        audit.OptOutWithdrawn(person=me, scheme="national", **own),
    ]
    assert [u.role for u in audit.uses(workspace, me)] == [audit.BY_PERSON] * 2


def test_an_objection_is_recorded_by_staff_not_by_the_person(workspace: Workspace) -> None:
    with pytest.raises(NotSelfService, match="data protection officer"):
        register_own_opt_out(workspace, "objection", A, provider="nhs-login")
    assert register_opt_out(workspace, "objection", A, **STAFF)  # upheld, then recorded
    with pytest.raises(NotSelfService):
        withdraw_own_opt_out(workspace, "objection", A, provider="nhs-login")
    assert opted_out(workspace, A) == {"objection"}
    with pytest.raises(PrivacyError, match="no opt-out scheme 'local'"):
        register_own_opt_out(workspace, "local", A, provider="nhs-login")
    with pytest.raises(PrivacyError, match="not a valid NHS number"):
        opted_out(workspace, "9434765918")
    assert len(list(audit.entries(workspace))) == 1  # the refusals recorded nothing
