"""The lifecycle on a node's store, SQLite and PostgreSQL: every step and every refusal."""

from __future__ import annotations

import pytest

from accord.agreements import (
    AgreementImmutable,
    AgreementNotFound,
    SignatureInvalid,
    Status,
    TransitionRefused,
    activate,
    amend_agreement,
    expire,
    expire_due,
    get,
    history,
    list_agreements,
    record,
    revoke,
    sign,
    sign_in_workspace,
    suspend,
)
from accord.store import Workspace
from tests.agreements.support import example, org_keys, public, signed_by_all

KEYS = org_keys("gp", "hospital")
ID = "gp-hospital-admission-risk"


def active(workspace: Workspace) -> None:
    record(workspace.engine, signed_by_all(example(), KEYS))
    activate(workspace.engine, ID, public(KEYS))


def test_draft_then_signed_by_every_party_then_active(workspace: Workspace) -> None:
    engine = workspace.engine
    assert record(engine, example()).status is Status.DRAFT
    assert record(engine, sign(example(), "gp", KEYS["gp"])).status is Status.DRAFT
    # The hospital signs its own copy of the file: the store merges the signatures.
    stored = record(engine, sign(example(), "hospital", KEYS["hospital"]))
    assert stored.status is Status.SIGNED
    assert {s.org for s in stored.agreement.signatures} == {"gp", "hospital"}
    assert activate(engine, ID, public(KEYS)).status is Status.ACTIVE
    steps = [(e.action, e.to_status) for e in history(engine, ID)]
    assert steps == [("record", "draft"), ("sign", "draft"), ("sign", "signed"),
                     ("activate", "active")]  # fmt: skip


def test_a_draft_cannot_be_activated_suspended_or_revoked(workspace: Workspace) -> None:
    record(workspace.engine, sign(example(), "gp", KEYS["gp"]))
    with pytest.raises(TransitionRefused, match="it is draft; every party must sign"):
        activate(workspace.engine, ID, public(KEYS))
    with pytest.raises(TransitionRefused):
        suspend(workspace.engine, ID, "breach")
    with pytest.raises(TransitionRefused):
        revoke(workspace.engine, ID, "no longer needed")


def test_activation_verifies_every_signature(workspace: Workspace) -> None:
    forged = sign(signed_by_all(example(), KEYS), "hospital", org_keys("hospital")["hospital"])
    record(workspace.engine, forged)
    with pytest.raises(SignatureInvalid, match="hospital: signed with key"):
        activate(workspace.engine, ID, public(KEYS))
    assert get(workspace.engine, ID).status is Status.SIGNED


def test_suspend_and_resume_then_revoke_for_good(workspace: Workspace) -> None:
    active(workspace)
    engine = workspace.engine
    assert suspend(engine, ID, "security incident under review").status is Status.SUSPENDED
    with pytest.raises(TransitionRefused):
        suspend(engine, ID, "again")
    assert activate(engine, ID, public(KEYS)).status is Status.ACTIVE
    assert revoke(engine, ID, "purpose achieved").status is Status.REVOKED
    for step in (lambda: activate(engine, ID, public(KEYS)), lambda: suspend(engine, ID, "x"),
                 lambda: revoke(engine, ID, "x"), lambda: expire(engine, ID)):  # fmt: skip
        with pytest.raises(TransitionRefused, match="revoked"):
            step()
    assert history(engine, ID)[-1].detail == "purpose achieved"


def test_expiry_recorded_and_final(workspace: Workspace) -> None:
    active(workspace)
    stored = get(workspace.engine, ID)
    assert stored.status_on(stored.agreement.dates.expiry) is Status.EXPIRED
    assert expire_due(workspace.engine, stored.agreement.dates.start) == []
    [expired] = expire_due(workspace.engine, stored.agreement.dates.expiry)
    assert expired.status is Status.EXPIRED
    with pytest.raises(TransitionRefused, match="expired; amend it"):
        activate(workspace.engine, ID, public(KEYS))


def test_signed_can_be_revoked_before_activation(workspace: Workspace) -> None:
    record(workspace.engine, signed_by_all(example(), KEYS))
    assert revoke(workspace.engine, ID, "withdrawn").status is Status.REVOKED


def test_signed_content_cannot_change_but_a_draft_can(workspace: Workspace) -> None:
    engine = workspace.engine
    record(engine, sign(example(), "gp", KEYS["gp"]))
    edited = record(engine, example(title="A clearer title"))
    assert edited.agreement.title == "A clearer title"
    assert edited.agreement.signatures == []  # the gp signed other content
    record(engine, signed_by_all(example(title="A clearer title"), KEYS))
    with pytest.raises(AgreementImmutable, match="--amend"):
        record(engine, example(title="Changed after signing"))


def test_an_amendment_is_signed_again_and_supersedes_on_activation(workspace: Workspace) -> None:
    active(workspace)
    engine = workspace.engine
    draft = amend_agreement(engine, ID)
    assert (draft.agreement.version, draft.status) == (2, Status.DRAFT)
    assert draft.agreement.signatures == []
    # While the amendment is unsigned the first version stays in force.
    assert get(engine, ID).agreement.version == 1
    with pytest.raises(TransitionRefused):
        activate(engine, ID, public(KEYS), version=2)
    v2 = draft.agreement.model_copy(update={"benefits": ["Fewer admissions", "Less searching"]})
    record(engine, signed_by_all(v2, KEYS))
    assert activate(engine, ID, public(KEYS)).agreement.version == 2
    assert get(engine, ID, version=1).status is Status.SUPERSEDED
    assert [s.agreement.version for s in list_agreements(engine)] == [2]


def test_versions_must_follow_on(workspace: Workspace) -> None:
    active(workspace)
    with pytest.raises(AgreementImmutable, match="must be v2, not v5"):
        record(workspace.engine, example(version=5))


def test_unknown_agreement_or_version(workspace: Workspace) -> None:
    with pytest.raises(AgreementNotFound, match="accord agreement list"):
        get(workspace.engine, "nope")
    active(workspace)
    with pytest.raises(AgreementNotFound, match="has no version 3"):
        get(workspace.engine, ID, version=3)


def test_sign_with_the_node_key(workspace: Workspace) -> None:
    signed, stored = sign_in_workspace(workspace, example(), as_org="gp")
    assert stored.status is Status.DRAFT
    assert signed.signatures[0].org == "gp"
