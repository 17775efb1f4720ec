"""The citizen's view: newest first, paged, deferred entries, subject access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accord import audit
from accord.audit import IdentityNotVerified, OptOutRegistered, PersonViewed
from accord.store import Workspace
from tests.audit.support import NHS, disclosed


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
        stored = " ".join(str(v) for r in conn.execute(sa.text("SELECT * FROM audit_entries"))
                          for v in r)  # fmt: skip
    assert NHS not in stored
    assert me in stored


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
    response = audit.subject_access(workspace, me).as_dict()
    assert response["recipients"] == ["Riverside Hospital Trust (admissions analyst)"]
    assert response["sources"] == ["Riverside GP practice"]
    assert response["retention"] == ["2 years"]
    assert len(response["purposes"]) == 1
    assert len(response["uses"]) == 2
    assert response["uses"][0]["what"] == "Your record was looked up"


def test_a_person_key_needs_an_nhs_number(sqlite_workspace: Workspace) -> None:
    with pytest.raises(IdentityNotVerified):
        audit.person_key(sqlite_workspace, "Jane Smith")


def test_a_mistyped_nhs_number_is_refused_not_keyed_as_another_person(
    sqlite_workspace: Workspace,
) -> None:
    with pytest.raises(IdentityNotVerified, match="check digit"):
        audit.person_key(sqlite_workspace, "943 476 5918")  # 9434765919 with its last digit slipped
