"""A person's uses put into words (``portal.uses``), on both stores, without a browser:
organisation names from the agreements, the kinds of data from the fields that left
(else from what the agreement allows), the law with its citation, GOV.UK dates; the view
a peer's answer becomes; numbered pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accord import agreements, audit, exchange
from accord.portal.paging import pagination
from accord.portal.uses import PAGE_SIZE, Words, from_peer, local_uses
from accord.store import Workspace
from tests.agreements.support import example

NHS = "9434765919"
AGREEMENT = "gp-hospital-admission-risk"


def shared(person: audit.PersonKey, n: int = 0, **changes: object) -> audit.RecordsDisclosed:
    given: dict[str, object] = {
        "person": person, "agreement": AGREEMENT, "recipient": "gp",
        "recipient_role": "controller", "dataset": "admissions",
        "purpose": f"join GP and hospital records ({n})",
        "legal_basis": "Art 6(1)(e) public task; Art 9(2)(h) health social care",
        "gateway": "National Health Service Act 2006 s251",
        "shared_fields": ("nhs_number", "admission_date", "ward"), **changes,
    }  # fmt: skip
    return audit.RecordsDisclosed(**given)  # type: ignore[arg-type]


def test_a_share_in_words(workspace: Workspace) -> None:
    agreements.record(workspace, example())
    me = audit.person_key(workspace, NHS)
    audit.record(workspace, shared(me), shared(me, 1, shared_fields=()))

    found = local_uses(workspace, me)

    assert (found.total, found.pages, found.first, found.last) == (2, 1, 1, 2)
    older, newer = found.uses[1], found.uses[0]
    assert older.what == "Your records were shared with Riverside Medical Practice"
    assert older.who == "Riverside Medical Practice"  # the party's name, not its id
    assert older.data == ("NHS number (replaced by a code that does not reveal it)",
                          "admission date", "ward")  # fmt: skip
    assert not older.data_from_agreement
    assert older.source == "admissions"
    assert older.why == "Join GP and hospital records (0)"
    assert older.law == (
        "UK GDPR Art 6(1)(e) public task; Art 9(2)(h) health social care",
        "National Health Service Act 2006 s251: Risk stratification for case finding has "
        "section 251 support (Control of Patient Information Regulations 2002, regulation 5).",
    )
    # An entry written before the fields were recorded: what the agreement allows.
    assert newer.data_from_agreement
    assert "admissions (as a count, not about you alone)" in newer.data
    assert (older.node_name, older.kind) == (workspace.settings.node_name, "records.disclosed")


def test_lookups_and_opt_outs_say_who_acted(workspace: Workspace) -> None:
    me = audit.person_key(workspace, NHS)
    audit.record(
        workspace,
        audit.PersonViewed(person=me, by_role="data protection officer", reason="SAR-14"),
        audit.OptOutRegistered(person=me, scheme="national", by_role="clerk", reason="letter"),
        audit.OptOutWithdrawn(person=me, scheme="national", by_role=audit.BY_PERSON,
                              reason="their own choice, signed in with local"),
    )  # fmt: skip
    withdrawn, registered, viewed = local_uses(workspace, me).uses
    here = workspace.settings.node_name
    assert (viewed.who, viewed.why) == (f"Staff at {here} (data protection officer)", "SAR-14")
    assert registered.who == f"Staff at {here} (clerk), on your behalf"
    assert (withdrawn.who, withdrawn.why) == ("You", "Their own choice, signed in with local")


def test_pages_hold_twenty_newest_first_and_deferred_uses_wait(workspace: Workspace) -> None:
    me = audit.person_key(workspace, NHS)
    later = datetime.now(UTC).date() + timedelta(30)
    audit.record(workspace, *(shared(me, n) for n in range(PAGE_SIZE + 3)),
                 shared(me, 99, hidden_until=later))  # fmt: skip
    first, second = local_uses(workspace, me), local_uses(workspace, me, page=2)
    assert (first.pages, first.total, second.first, second.last) == (2, 23, 21, 23)
    assert [u.entry for u in first.uses + second.uses] == list(range(22, -1, -1))
    assert local_uses(workspace, me, today=later).total == 24
    assert local_uses(workspace, me, today=later).uses[0].deferred_until == later


def test_a_peers_answer_becomes_the_same_views_tagged_with_its_node(
    sqlite_workspace: Workspace,
) -> None:
    agreements.record(sqlite_workspace, example())
    answer = exchange.PersonUses.model_validate({
        "node_id": "RX1", "person": "a" * 64, "produced_at": datetime.now(UTC),
        "recipients": [], "purposes": [], "legal_bases": [],
        "uses": [{
            "entry": 7, "at": datetime(2026, 12, 4, 15, 5, tzinfo=UTC),
            "what": "Your records were shared", "kind": "records.disclosed",
            "organisation": "gp", "dataset": "admissions", "purpose": "risk",
            "agreement": AGREEMENT, "fields": ["ward"],
            "deferred_until": date(2026, 12, 1).isoformat(),
        }],
    })  # fmt: skip
    (view,) = from_peer(answer, "Riverside Hospitals", Words(sqlite_workspace))
    assert (view.node_id, view.node_name, view.entry) == ("RX1", "Riverside Hospitals", 7)
    assert (view.who, view.data, view.when) == (
        "Riverside Medical Practice", ("ward",), "4 December 2026 at 3:05pm"
    )  # fmt: skip
    assert view.deferred == "1 December 2026"


def test_pagination_shows_the_ends_the_neighbours_and_ellipses() -> None:
    assert pagination("/citizen", 1, 1) is None
    made = pagination("/citizen", 5, 9)
    assert made is not None
    numbers = [i.get("number", "…") for i in made["items"]]
    assert numbers == [1, "…", 4, 5, 6, "…", 9]
    assert made["items"][0]["href"] == "/citizen?page=1"
    assert (made["previous"]["href"], made["next"]["href"]) == (
        "/citizen?page=4",
        "/citizen?page=6",
    )
    assert "previous" not in (pagination("/citizen", 1, 2) or {})
