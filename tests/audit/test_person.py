"""The citizen's view: newest first, paged, deferred entries, subject access."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord import audit
from accord.audit import IdentityNotVerified, OptOutRegistered, PersonViewed
from accord.store import StoreError, Workspace, init_workspace
from tests.audit.support import NHS, disclosed, sql


def test_a_persons_uses_newest_first_and_paged(workspace: Workspace) -> None:
    me, other = audit.person_key(workspace, NHS), audit.person_key(workspace, "943 476 5870")
    audit.record(workspace, *(disclosed(me, n) for n in range(5)), disclosed(other, 99))
    audit.record(workspace, OptOutRegistered(person=me, scheme="national"))
    first = audit.uses(workspace, me, page=1, page_size=4)
    second = audit.uses(workspace, me, page=2, page_size=4)
    assert [u.entry for u in first + second] == [6, 4, 3, 2, 1, 0]
    assert first[0].what == "Your opt-out (national) was registered"
    use = first[1]
    assert use.organisation == "Riverside Hospital Trust"
    assert use.role == "admissions analyst"
    assert use.staff == ""  # the role, not the member of staff, unless asked
    assert audit.uses(workspace, me, show_staff=True)[1].staff == "Dr A. Example"
    assert use.legal_basis.startswith("UK GDPR")
    assert use.gateway == "NHS Act 2006 s251"
    assert "(4)" in use.purpose
    assert use.agreement == "gp-hospital-risk"


def test_the_index_and_log_hold_no_identifier(workspace: Workspace) -> None:
    import sqlalchemy as sa

    me = audit.person_key(workspace, NHS)
    assert me == audit.person_key(workspace, "943-476-5919")
    assert NHS not in me
    audit.record(workspace, disclosed(me))
    with workspace.engine.connect() as conn:
        rows = [v for table in ("audit_entries", "audit_bodies")
                for r in conn.execute(sa.text(f"SELECT * FROM {table}")) for v in r]  # fmt: skip
    stored = " ".join(v.hex() if isinstance(v, bytes) else str(v) for v in rows)
    assert NHS not in stored
    assert me in stored  # the key's 32 bytes, the citizen index


def test_a_deferred_use_is_logged_now_and_shown_from_its_date(workspace: Workspace) -> None:
    me = audit.person_key(workspace, NHS)
    today = date(2026, 11, 22)
    audit.record(workspace, disclosed(me, 1), disclosed(me, 2, hidden_until=today + timedelta(90)))
    assert audit.verify(workspace).size == 2  # in the log and its proofs from the start
    assert [u.entry for u in audit.uses(workspace, me, today=today)] == [0]
    later = audit.uses(workspace, me, today=today + timedelta(90))
    assert [u.entry for u in later] == [1, 0]
    assert later[0].deferred_until == today + timedelta(90)


def test_subject_access_response(workspace: Workspace) -> None:
    me = audit.person_key(workspace, NHS)
    audit.record(workspace, disclosed(me, 1), PersonViewed(person=me, by_role="IG officer"))
    response = audit.subject_access(workspace, me, by_role="IG officer", reason="SAR 12").as_dict()
    assert response["recipients"] == ["Riverside Hospital Trust (admissions analyst)"]
    assert response["sources"] == ["Riverside GP practice"]
    assert response["retention"] == ["2 years"]
    assert len(response["purposes"]) == 1
    assert len(response["uses"]) == 2
    assert response["uses"][0]["what"] == "Your record was looked up"


def test_the_count_of_uses_leaves_out_what_is_deferred(workspace: Workspace) -> None:
    me, other = audit.person_key(workspace, NHS), audit.person_key(workspace, "943 476 5870")
    today = date(2026, 11, 22)
    audit.record(workspace, *(disclosed(me, n) for n in range(3)), disclosed(other, 9),
                 disclosed(me, 4, hidden_until=today + timedelta(1)))  # fmt: skip
    assert audit.use_count(workspace, me, today=today) == 3
    assert audit.use_count(workspace, me, today=today + timedelta(1)) == 4
    assert audit.use_count(workspace, other, today=today) == 1
    assert audit.use_count(workspace, audit.person_key(workspace, "943 476 5919"), today=today)
    assert [u.kind for u in audit.uses(workspace, me, today=today)] == ["records.disclosed"] * 3


def test_a_person_downloading_their_own_response_is_recorded_after_it(
    workspace: Workspace,
) -> None:
    me = audit.person_key(workspace, NHS)
    audit.record(workspace, disclosed(me, 1))

    response = audit.own_subject_access(workspace, me, provider="nhs-login")

    assert [u.what for u in response.uses] == ["Your records were shared"]
    assert [e.event for e in audit.entries(workspace)][-1] == audit.PersonDownloaded(
        person=me, provider="nhs-login"
    )
    shown = audit.uses(workspace, me)[0]
    assert (shown.what, shown.kind, shown.role) == (
        "You downloaded a copy of this record", "person.downloaded", audit.BY_PERSON
    )  # fmt: skip
    assert shown.purpose == "signed in with nhs-login"


def test_a_person_key_needs_an_nhs_number(sqlite_workspace: Workspace) -> None:
    with pytest.raises(IdentityNotVerified):
        audit.person_key(sqlite_workspace, "Jane Smith")


def test_a_mistyped_nhs_number_is_refused_not_keyed_as_another_person(
    sqlite_workspace: Workspace,
) -> None:
    with pytest.raises(IdentityNotVerified, match="check digit"):
        audit.person_key(sqlite_workspace, "943 476 5918")  # 9434765919 with its last digit slipped


def test_a_placeholder_nhs_number_keys_nobody(sqlite_workspace: Workspace) -> None:
    with pytest.raises(IdentityNotVerified, match="placeholder"):
        audit.person_key(sqlite_workspace, "000 000 0000")


def test_a_subject_access_lookup_is_recorded_once_its_response_exists(
    workspace: Workspace, tmp_path: Path
) -> None:
    me = audit.person_key(workspace, NHS)
    audit.record(workspace, disclosed(me, 1))
    sar = tmp_path / "sar.json"

    response = audit.subject_access(workspace, me, by_role="IG officer", reason="SAR 12", out=sar)

    # The response is what the log held when it was made; the lookup itself follows it.
    assert [u.what for u in response.uses] == ["Your records were shared"]
    assert json.loads(sar.read_text())["uses"][0]["what"] == "Your records were shared"
    assert oct(sar.stat().st_mode & 0o777) == "0o600"
    logged = [e.event for e in audit.entries(workspace)]
    assert logged[-1] == PersonViewed(person=me, by_role="IG officer", reason="SAR 12")
    assert audit.uses(workspace, me)[0].what == "Your record was looked up"


def test_a_subject_access_response_that_cannot_be_written_records_no_lookup(
    workspace: Workspace, tmp_path: Path
) -> None:
    me = audit.person_key(workspace, NHS)
    audit.record(workspace, disclosed(me, 1))
    folder = tmp_path / "out"
    folder.mkdir()
    existing = folder / "sar.json"
    existing.write_text("an earlier response")

    for out in (folder / "missing" / "sar.json", existing, folder, workspace.root / "keys" / "x"):
        with pytest.raises(StoreError):
            audit.subject_access(workspace, me, by_role="IG officer", reason="SAR", out=out)
    with pytest.raises(audit.MissingReason, match="reason"):
        audit.subject_access(workspace, me, by_role="IG officer", reason="")

    assert [e.event.name for e in audit.entries(workspace)] == ["records.disclosed"]
    assert existing.read_text() == "an earlier response"
    assert sorted(p.name for p in folder.iterdir()) == ["sar.json"]


def test_a_subject_access_lookup_the_store_refuses_writes_no_file(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws = sqlite_workspace
    me = audit.person_key(ws, NHS)
    sql(ws, "CREATE TRIGGER refuse BEFORE INSERT ON audit_outbox "
            "BEGIN SELECT RAISE(ABORT, 'the store refuses'); END")  # fmt: skip

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(sa.exc.DatabaseError, match="the store refuses"):
        audit.subject_access(ws, me, by_role="IG officer", reason="SAR", out=out / "s.json")

    assert list(out.iterdir()) == []


@pytest.mark.postgres
def test_a_file_moved_into_place_is_taken_back_when_the_commit_fails(
    tmp_path: Path, postgres_url: str
) -> None:
    ws = init_workspace(tmp_path / "ws", "pg-node", store_url=postgres_url)
    me = audit.person_key(ws, NHS)
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / "sar.json"
    earlier.write_text("an earlier response")
    # A check deferred to the commit: it fails after the file was moved into place.
    sql(ws, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$")  # fmt: skip
    sql(ws, "CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON audit_outbox "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()")  # fmt: skip
    try:
        with pytest.raises(sa.exc.DatabaseError, match="refused at commit"):
            audit.subject_access(ws, me, by_role="IG officer", reason="SAR", out=earlier,
                                 force=True)  # fmt: skip
        assert [p.name for p in out.iterdir()] == ["sar.json"]
        assert earlier.read_text() == "an earlier response"
        assert list(audit.entries(ws)) == []
    finally:
        ws.engine.dispose()
