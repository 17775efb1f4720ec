"""Versions on a node's store, SQLite and PostgreSQL: recording, signing, amending, reading.

A signature is verified with its party's known key before it is stored, or nothing is;
each act is in the audit log, staged in the transaction that made it.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from accord.agreements import (
    AgreementImmutable,
    AgreementInvalid,
    AgreementNotFound,
    SignatureError,
    SignatureInvalid,
    Status,
    activate,
    amend_agreement,
    get,
    history,
    list_agreements,
    record,
    sign,
    sign_in_workspace,
)
from accord.store import InvalidName, Workspace
from tests.agreements.support import (
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


def stored_count(ws: Workspace) -> int:
    return len(list_agreements(ws))


def test_draft_then_signed_by_every_party(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    assert record(workspace, example()).status is Status.DRAFT
    assert record(workspace, sign(example(), "gp", KEYS["gp"])).status is Status.DRAFT
    # The hospital signs its own copy of the file: the store merges the signatures.
    stored = record(workspace, sign(example(), "hospital", KEYS["hospital"]))
    assert stored.status is Status.SIGNED
    assert {s.org for s in stored.agreement.signatures} == {"gp", "hospital"}
    steps = [(e.action, e.to_status) for e in history(workspace, ID)]
    assert steps == [("record", "draft"), ("sign", "draft"), ("sign", "signed")]


def test_each_act_is_in_the_log_with_who_and_which_version(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, sign(example(), "gp", KEYS["gp"]), by_role="caldicott guardian")
    record(workspace, sign(example(), "hospital", KEYS["hospital"]))
    entries = [(k, e) for k, e in logged(workspace) if k.startswith("agreement.")]
    assert [k for k, _ in entries] == ["agreement.recorded", "agreement.signed",
                                       "agreement.signed"]  # fmt: skip
    recorded, gp, hospital = (e for _, e in entries)
    assert (recorded["agreement"], recorded["version"], recorded["status"]) == (ID, 1, "draft")
    assert recorded["by"] == "test-node"
    assert recorded["digest"] == get(workspace, ID).digest
    assert (gp["by"], gp["by_role"], hospital["by"]) == ("gp", "caldicott guardian", "hospital")
    # Recording the same file again changes nothing and records nothing.
    before = len(logged(workspace))
    record(workspace, sign(example(), "hospital", KEYS["hospital"]).model_copy(
        update={"signatures": get(workspace, ID).agreement.signatures}))  # fmt: skip
    assert len(logged(workspace)) == before


def _altered(signature: str) -> str:
    """The signature with one byte of the raw Ed25519 signature changed."""
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode("ascii")


def test_a_forged_signature_is_refused_and_nothing_is_stored(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    signed = signed_by_all(example(), KEYS)
    hospital = signed.signatures[1]
    forged = signed.model_copy(update={"signatures": [
        signed.signatures[0],
        hospital.model_copy(update={"signature": _altered(hospital.signature)})]})  # fmt: skip
    with pytest.raises(SignatureInvalid, match="hospital: signature does not match"):
        record(workspace, forged)
    assert stored_count(workspace) == 0
    assert logged_types(workspace) == ["peer.added", "peer.added"]
    # Nor is it added to a version already held.
    record(workspace, example())
    with pytest.raises(SignatureInvalid, match="nothing was stored"):
        record(workspace, forged)
    assert get(workspace, ID).agreement.signatures == []
    assert get(workspace, ID).status is Status.DRAFT


def test_a_signature_by_an_unknown_key_is_refused(workspace: Workspace) -> None:
    trust(workspace, {"gp": KEYS["gp"]})
    with pytest.raises(SignatureInvalid, match=r"knows no key for 'hospital'.*accord peer add"):
        record(workspace, signed_by_all(example(), KEYS))
    impostor = sign(example(), "gp", org_keys("gp")["gp"])
    with pytest.raises(SignatureInvalid, match="gp: signed with key"):
        record(workspace, impostor)
    assert stored_count(workspace) == 0


def test_signed_content_cannot_change_but_a_draft_can(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, sign(example(), "gp", KEYS["gp"]))
    edited = record(workspace, example(title="A clearer title"))
    assert edited.agreement.title == "A clearer title"
    assert edited.agreement.signatures == []  # the gp signed other content
    record(workspace, signed_by_all(example(title="A clearer title"), KEYS))
    with pytest.raises(AgreementImmutable, match="--amend"):
        record(workspace, example(title="Changed after signing"))
    assert [e["reason"] for k, e in logged(workspace) if k == "agreement.recorded"] == [
        "", "the draft's content replaced"]  # fmt: skip


def test_versions_must_follow_on(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, signed_by_all(example(), KEYS))
    with pytest.raises(AgreementImmutable, match="must be v2, not v5"):
        record(workspace, example(version=5))


def test_an_amendment_becomes_current_once_every_party_signed_it(workspace: Workspace) -> None:
    trust(workspace, KEYS)
    record(workspace, signed_by_all(example(), KEYS))
    activate(workspace, ID)
    draft = amend_agreement(workspace, ID, by_role="information governance lead")
    assert (draft.agreement.version, draft.status) == (2, Status.DRAFT)
    assert draft.agreement.signatures == []
    # One rule: the current version is the latest every party signed; the draft is not.
    assert get(workspace, ID).agreement.version == 1
    assert [s.agreement.version for s in list_agreements(workspace)] == [1]
    assert [s.agreement.version for s in list_agreements(workspace, signed=True)] == [1]
    amended = [e for k, e in logged(workspace) if k == "agreement.amended"]
    assert amended == [{"agreement": ID, "version": 2, "by": "test-node",
                        "by_role": "information governance lead", "reason": "from v1"}]  # fmt: skip
    with pytest.raises(AgreementImmutable, match="still a draft"):
        amend_agreement(workspace, ID)
    record(workspace, signed_by_all(draft.agreement, KEYS))
    assert get(workspace, ID).agreement.version == 2


def test_unknown_agreement_or_version(workspace: Workspace) -> None:
    with pytest.raises(AgreementNotFound, match="accord agreement list"):
        get(workspace, "nope")
    with pytest.raises(InvalidName, match="agreement id"):
        get(workspace, "../../etc")
    record(workspace, example())
    with pytest.raises(AgreementNotFound, match="has no version 3"):
        get(workspace, ID, version=3)


def test_sign_with_the_node_key(tmp_path: Path, store_url: str) -> None:
    gp = provider(tmp_path, "gp", store_url)
    signed, stored = sign_in_workspace(gp, example(), by_role="caldicott guardian")
    assert stored.status is Status.DRAFT
    assert [s.org for s in signed.signatures] == ["gp"]
    [event] = [e for k, e in logged(gp) if k == "agreement.signed"]
    assert (event["by"], event["by_role"]) == ("gp", "caldicott guardian")
    gp.close()


def test_sign_as_a_party_whose_key_this_node_does_not_hold_is_refused(
    tmp_path: Path, store_url: str
) -> None:
    gp = provider(tmp_path, "gp", store_url)
    with pytest.raises(SignatureError, match=r"cannot sign for 'hospital'.*no key is known"):
        sign_in_workspace(gp, example(), as_org="hospital")
    trust(gp, {"hospital": KEYS["hospital"]})
    with pytest.raises(SignatureError, match=r"cannot sign for 'hospital'.*known key is"):
        sign_in_workspace(gp, example(), as_org="hospital")
    assert stored_count(gp) == 0
    gp.close()


def test_signing_checks_the_datasets_this_node_provides(tmp_path: Path, store_url: str) -> None:
    gp = provider(tmp_path, "gp", store_url)
    data = example().model_dump(mode="json", exclude_defaults=True)
    data["datasets"][0]["fields"].append({"name": "long_term_conditions",
                                          "treatment": "identifying"})  # fmt: skip
    with pytest.raises(AgreementInvalid) as caught:
        sign_in_workspace(gp, example(datasets=data["datasets"]))
    [(where, problem)] = caught.value.problems
    assert where == "datasets.0.fields.5.name"
    assert problem.startswith("'long_term_conditions' is not a column of registered-patients v1 "
                              "(its columns: record_id, ")  # fmt: skip
    assert "postcode_district" in problem
    assert "_raw" not in problem
    assert stored_count(gp) == 0
    gp.close()
