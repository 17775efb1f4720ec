"""The lifecycle over a node's store, SQLite and PostgreSQL: every step, every refusal, the log.

A refused step changes nothing (status, history, log); the version a step acts on is
the latest unless one is named.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from accord.agreements import (
    AgreementInvalid,
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
    remove_peer,
    revoke,
    sign,
    sign_in_workspace,
    suspend,
)
from accord.sources import ingest
from accord.store import Workspace
from tests.agreements.support import (
    IN_DATE,
    example,
    logged,
    logged_types,
    org_keys,
    provider,
    signed_by_all,
    trust,
)

KEYS = org_keys("gp", "hospital")
ID = "gp-hospital-admission-risk"


def signed(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, signed_by_all(example(), KEYS))


def unchanged(workspace: Workspace) -> tuple[object, ...]:
    """What a refused step must leave as it was: every version, the history, the log."""
    versions = [(s.agreement, s.status) for s in list_agreements(workspace)]
    return versions, len(history(workspace, ID)), len(logged(workspace))


def test_activate_by_id_with_the_keys_the_node_knows(workspace: Workspace) -> None:
    signed(workspace)
    stored = activate(workspace, ID, on=IN_DATE, by_role="senior information risk owner")
    assert stored.status is Status.ACTIVE
    [event] = [e for k, e in logged(workspace) if k == "agreement.activated"]
    assert event == {"agreement": ID, "version": 1, "by": "test-node",
                     "by_role": "senior information risk owner", "reason": ""}  # fmt: skip


def test_a_draft_cannot_be_activated_suspended_or_revoked(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, sign(example(), "gp", KEYS["gp"]))
    before = unchanged(workspace)
    with pytest.raises(TransitionRefused, match="it is draft; every party must sign"):
        activate(workspace, ID, on=IN_DATE)
    with pytest.raises(TransitionRefused):
        suspend(workspace, ID, "breach")
    with pytest.raises(TransitionRefused):
        revoke(workspace, ID, "no longer needed")
    assert unchanged(workspace) == before


def test_a_failed_activation_changes_nothing(workspace: Workspace) -> None:
    signed(workspace)
    remove_peer(workspace, "hospital", by_role="test", reason="key compromised")
    before = unchanged(workspace)
    with pytest.raises(SignatureInvalid, match="hospital: no public key"):
        activate(workspace, ID, on=IN_DATE)
    assert unchanged(workspace) == before
    assert get(workspace, ID).status is Status.SIGNED


def test_a_document_is_recorded_and_activated_at_once_or_not_at_all(
    workspace: Workspace,
) -> None:
    trust(workspace, KEYS)
    # The hospital's signature made with a key that is not the hospital's.
    forged = sign(signed_by_all(example(), KEYS), "hospital", org_keys("hospital")["hospital"])
    with pytest.raises(SignatureInvalid, match=r"cannot activate .* nothing was stored"):
        activate(workspace, forged, on=IN_DATE)
    assert list_agreements(workspace) == []
    # Signed by every party, but past its expiry: neither recorded nor activated.
    late = signed_by_all(example(), KEYS)
    with pytest.raises(TransitionRefused, match="expired on 2029-03-31; amend it"):
        activate(workspace, late, on=date(2029, 3, 31))
    assert list_agreements(workspace) == []
    assert activate(workspace, late, on=IN_DATE).status is Status.ACTIVE
    assert logged_types(workspace)[-4:] == ["agreement.recorded", "agreement.signed",
                                            "agreement.signed", "agreement.activated"]  # fmt: skip


def test_an_agreement_past_its_expiry_cannot_be_activated(workspace: Workspace) -> None:
    signed(workspace)
    expiry = get(workspace, ID).agreement.dates.expiry
    before = unchanged(workspace)
    with pytest.raises(TransitionRefused, match=f"expired on {expiry}"):
        activate(workspace, ID, on=expiry)
    assert unchanged(workspace) == before
    # And show calls it expired, as the refusal does.
    assert get(workspace, ID).status_on(expiry) is Status.EXPIRED
    assert activate(workspace, ID, on=expiry - timedelta(days=1)).status is Status.ACTIVE


def test_suspend_and_resume_then_revoke_for_good(workspace: Workspace) -> None:
    signed(workspace)
    activate(workspace, ID, on=IN_DATE)
    assert suspend(workspace, ID, "security incident under review").status is Status.SUSPENDED
    with pytest.raises(TransitionRefused):
        suspend(workspace, ID, "again")
    assert activate(workspace, ID, on=IN_DATE).status is Status.ACTIVE
    assert revoke(workspace, ID, "purpose achieved", by_role="dpo").status is Status.REVOKED
    for step in (lambda: activate(workspace, ID, on=IN_DATE), lambda: suspend(workspace, ID, "x"),
                 lambda: revoke(workspace, ID, "x"),
                 lambda: expire(workspace, ID, on=date(2030, 1, 1))):  # fmt: skip
        with pytest.raises(TransitionRefused, match="revoked"):
            step()
    assert history(workspace, ID)[-1].detail == "purpose achieved"
    lifecycle = [
        (k, e["reason"])
        for k, e in logged(workspace)
        if k in ("agreement.activated", "agreement.suspended", "agreement.revoked")
    ]
    assert lifecycle == [("agreement.activated", ""),
                         ("agreement.suspended", "security incident under review"),
                         ("agreement.activated", "resumed"),
                         ("agreement.revoked", "purpose achieved")]  # fmt: skip


def test_expiry_recorded_and_final(workspace: Workspace) -> None:
    signed(workspace)
    activate(workspace, ID, on=IN_DATE)
    stored = get(workspace, ID)
    assert stored.status_on(stored.agreement.dates.expiry) is Status.EXPIRED
    with pytest.raises(TransitionRefused, match=r"runs until 2029-03-31; .* revoke it"):
        expire(workspace, ID, on=IN_DATE)
    assert expire_due(workspace, stored.agreement.dates.start) == []
    [expired] = expire_due(workspace, stored.agreement.dates.expiry)
    assert expired.status is Status.EXPIRED
    [event] = [e for k, e in logged(workspace) if k == "agreement.expired"]
    assert event["reason"] == "expiry date 2029-03-31"
    with pytest.raises(TransitionRefused, match="expired"):
        activate(workspace, ID, on=IN_DATE)


def test_signed_can_be_revoked_before_activation(workspace: Workspace) -> None:
    signed(workspace)
    assert revoke(workspace, ID, "withdrawn").status is Status.REVOKED


def test_one_current_version_the_latest_signed(workspace: Workspace) -> None:
    signed(workspace)
    activate(workspace, ID, on=IN_DATE)
    amend_agreement(workspace, ID)
    # A draft amendment is work in progress: the version every party signed stays current
    # for every step (and for decisions) until the amendment is signed.
    assert get(workspace, ID).agreement.version == 1
    assert get(workspace, ID, version=2).status is Status.DRAFT
    assert suspend(workspace, ID, "incident").agreement.version == 1
    assert activate(workspace, ID, on=IN_DATE).agreement.version == 1  # resumed
    v2 = get(workspace, ID, version=2).agreement.model_copy(
        update={"benefits": ["Fewer admissions"]})  # fmt: skip
    record(workspace, signed_by_all(v2, KEYS))
    # Signed by every party, v2 is current; a step it cannot take points at the live one.
    assert get(workspace, ID).agreement.version == 2
    with pytest.raises(TransitionRefused, match=r"v2: it is signed, the current version; v1 is "
                       r"active: name it with --version 1"):  # fmt: skip
        suspend(workspace, ID, "incident")
    assert activate(workspace, ID, on=IN_DATE).agreement.version == 2
    assert get(workspace, ID, version=1).status is Status.SUPERSEDED
    [event] = [e for k, e in logged(workspace) if k == "agreement.superseded"]
    assert (event["version"], event["reason"]) == (1, "by v2")


def test_activation_refuses_a_dataset_this_node_no_longer_fits(
    tmp_path: Path, store_url: str
) -> None:
    hospital = provider(tmp_path, "hospital", store_url)
    trust(hospital, {"gp": KEYS["gp"]})
    ours, _ = sign_in_workspace(hospital, example())
    record(hospital, sign(ours, "gp", KEYS["gp"]))
    # A new snapshot of the hospital's dataset comes without the ward before activation.
    mapping = hospital.root / "sources" / "mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("ward, ", ""))
    source = hospital.root / "sources" / "data.csv"
    ingest(hospital, str(source), mapping, "admissions")
    before = (get(hospital, ID), len(logged(hospital)))
    with pytest.raises(AgreementInvalid, match="'ward' is not a column of admissions v2"):
        activate(hospital, ID, on=IN_DATE)
    assert (get(hospital, ID), len(logged(hospital))) == before
    hospital.close()
