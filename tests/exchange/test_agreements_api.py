"""Agreements between real ``accord serve`` processes: proposed, countersigned, declined,
suspended and revoked over the signed API.

Four members of one federation, each its own workspace: the GP (A81001), the hospital
(RX1) and the council (E06000023) serve for the whole module; the school (S100) is a
member whose node is down until one test starts it; the police (P44) were revoked from
the federation. Every node adopted the list, which filled its peer registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from accord import audit
from accord.agreements import (
    Agreement,
    Status,
    activate,
    get,
    node_key,
    peers,
    record,
    sign,
    sign_in_workspace,
)
from accord.cli import app
from accord.exchange import (
    PROBLEM_BASE,
    Client,
    countersign,
    decline,
    fetch,
    inbox,
    notify_parties,
    propose,
    revoke_agreement,
    revoke_member,
    suspend_agreement,
)
from accord.store import Workspace
from tests.agreements.support import example, example_data, ingest_example
from tests.exchange.support import (
    Federation,
    Server,
    Spec,
    federation,
    free_port,
    node,
    reasons,
    running,
)
from tests.exchange.support import signed as signed_request

GP, HOSPITAL, COUNCIL, SCHOOL, POLICE = "A81001", "RX1", "E06000023", "S100", "P44"
runner = CliRunner()


@dataclass
class World:
    fed: Federation
    nodes: dict[str, Workspace]
    ports: dict[str, int]
    servers: dict[str, Server]

    def __getitem__(self, node_id: str) -> Workspace:
        return self.nodes[node_id]


SPECS = {
    GP: Spec("gp", GP, "Riverside Medical Practice"),
    HOSPITAL: Spec("hospital", HOSPITAL, "Riverside Hospitals NHS Foundation Trust"),
    COUNCIL: Spec("council", COUNCIL, "Riverside Council"),
    SCHOOL: Spec("school", SCHOOL, "Riverside Academy"),
    POLICE: Spec("police", POLICE, "Riverside Police"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    fed = federation(tmp_path_factory.mktemp("agreements-federation"))
    ports = {node_id: free_port() for node_id in SPECS}
    nodes = {node_id: node(fed, spec, port=ports[node_id]) for node_id, spec in SPECS.items()}
    with fed.open() as auth:
        revoke_member(auth, POLICE, reason="left the partnership", by_role="test")
    fed.publish()
    for node_id, ws in nodes.items():
        fetch(ws)
        if node_id in (GP, HOSPITAL):
            ingest_example(ws, SPECS[node_id].org)
    with ExitStack() as stack:
        servers = {
            node_id: stack.enter_context(running(nodes[node_id].root, ports[node_id]))
            for node_id in (GP, HOSPITAL, COUNCIL)
        }
        yield World(fed, nodes, ports, servers)
    for ws in nodes.values():
        ws.close()


def _draft(ws: Workspace, agreement_id: str, *extra: str) -> Agreement:
    """The worked example under a new id, drafted on ``ws``, with ``extra`` parties."""
    data = example_data()
    parties = data["parties"] + [
        {
            "org": org,
            "name": f"Riverside {org}",
            "role": "controller",
            "ico_registration": "Z1111111",
        }
        for org in extra
    ]
    agreement = example(id=agreement_id, parties=parties)
    record(ws, agreement)
    return agreement


def _events(ws: Workspace, name: str, agreement_id: str) -> list[dict[str, Any]]:
    return [
        e.event.fields()
        for e in audit.entries(ws)
        if e.event.name == name and e.event.fields().get("agreement") == agreement_id
    ]


def _document(ws: Workspace, agreement_id: str) -> str:
    return get(ws, agreement_id).agreement.model_dump_json()


def test_the_trust_list_fills_the_peer_registry_with_each_active_member_s_key(
    world: World,
) -> None:
    held = {p.org: p for p in peers(world[GP])}
    for node_id in (HOSPITAL, COUNCIL, SCHOOL):
        org = SPECS[node_id].org
        assert held[org].key_id == peers(world[node_id])[0].key_id  # its own node key
        assert held[org].added_by.startswith("trust list accord.example.nhs.uk serial")
    assert "police" not in held  # revoked: its signatures verify nowhere
    added = [e.event.fields() for e in audit.entries(world[GP]) if e.event.name == "peer.added"]
    assert {e["org"] for e in added} >= {"hospital", "council", "school"}


def test_a_proposal_is_countersigned_and_both_nodes_hold_the_same_active_document(
    world: World,
) -> None:
    gp, hospital = world[GP], world[HOSPITAL]
    _draft(gp, "two-way")
    sent = propose(gp, "two-way", by_role="information governance lead")
    assert [(d.org, d.node_id, d.told) for d in sent.deliveries] == [("hospital", HOSPITAL, True)]
    waiting = [p for p in inbox(hospital) if p.agreement.id == "two-way"]
    assert [(p.org, p.node_id, p.state) for p in waiting] == [("gp", GP, "pending")]
    assert [s.org for s in waiting[0].agreement.signatures] == ["gp"]

    done = countersign(hospital, "two-way", by_role="caldicott guardian")
    assert (done.status, done.not_told) == ("active", [])
    assert get(gp, "two-way").status is Status.ACTIVE
    assert _document(gp, "two-way") == _document(hospital, "two-way")
    assert [s.org for s in get(gp, "two-way").agreement.signatures] == ["gp", "hospital"]
    assert _events(gp, "agreement.proposed", "two-way")[0]["to"] == ["hospital"]
    assert _events(hospital, "agreement.received", "two-way")[0]["node"] == GP
    for ws in (gp, hospital):
        assert _events(ws, "agreement.activated", "two-way")
    assert inbox(hospital) == [] or all(p.agreement.id != "two-way" for p in inbox(hospital))
    with Client(gp) as client:
        offered = client.catalogue(HOSPITAL)
    assert ("admissions", "two-way") in {(o.dataset, o.agreement) for o in offered.datasets}


def test_three_parties_each_end_with_the_same_signed_document_active(world: World) -> None:
    gp, hospital, council = world[GP], world[HOSPITAL], world[COUNCIL]
    _draft(gp, "three-way", "council")
    assert {d.org for d in propose(gp, "three-way").deliveries if d.told} == {
        "hospital",
        "council",
    }
    assert countersign(hospital, "three-way").status == "draft"  # the council has not signed
    # The hospital's signature reached the council's inbox copy too.
    (waiting,) = [p for p in inbox(council) if p.agreement.id == "three-way"]
    assert [s.org for s in waiting.agreement.signatures] == ["gp", "hospital"]
    assert countersign(council, "three-way").status == "active"
    documents = {_document(ws, "three-way") for ws in (gp, hospital, council)}
    assert len(documents) == 1
    for ws in (gp, hospital, council):
        assert get(ws, "three-way").status is Status.ACTIVE


def _post(world: World, sender: str, key: Ed25519PrivateKey, to: str, path: str, body: bytes):
    request = signed_request(
        "POST", world.servers[to].url + path, node_id=sender, key=key, body=body
    )
    with httpx.Client() as client:
        return client.send(request)


def _gp_signed(world: World, agreement_id: str) -> Agreement:
    return sign(example(id=agreement_id), "gp", node_key(world[GP]))


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad-signature", 422, "bad-agreement-signature"),
        ("unsigned-by-the-sender", 422, "bad-agreement-signature"),
        ("from-a-non-party", 403, "not-a-party"),
        ("from-an-unknown-node", 403, "unknown-node"),
        ("from-a-revoked-node", 403, "revoked-node"),
        ("not-an-agreement", 400, "invalid-request"),
    ],
)
def test_a_proposal_not_a_party_s_own_is_refused_audited_and_kept_nowhere(
    world: World, case: str, status: int, code: str
) -> None:
    agreement_id = f"refused-{case}"
    document = _gp_signed(world, agreement_id)
    sender, key = GP, node_key(world[GP])
    if case == "bad-signature":
        sig = document.signatures[0]
        forged = sig.model_copy(
            update={"signature": ("A" if sig.signature[0] != "A" else "B") + sig.signature[1:]}
        )
        document = document.model_copy(update={"signatures": [forged]})
    elif case == "unsigned-by-the-sender":
        document = example(id=agreement_id)
    elif case == "from-a-non-party":
        sender, key = COUNCIL, node_key(world[COUNCIL])
    elif case == "from-an-unknown-node":
        sender, key = "ZZZ999", Ed25519PrivateKey.generate()
    elif case == "from-a-revoked-node":
        sender, key = POLICE, node_key(world[POLICE])
    body = b"[1, 2]" if case == "not-an-agreement" else document.model_dump_json().encode()
    before = len(reasons(world[HOSPITAL], code))
    answer = _post(world, sender, key, HOSPITAL, "/api/v1/agreements", body)
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + code
    assert len(reasons(world[HOSPITAL], code)) == before + 1
    assert all(p.agreement.id != agreement_id for p in inbox(world[HOSPITAL], every=True))


def test_a_declined_proposal_is_recorded_on_both_nodes_with_the_reason(world: World) -> None:
    gp, hospital = world[GP], world[HOSPITAL]
    _draft(gp, "declined")
    propose(gp, "declined")
    sent = decline(hospital, "declined", "the purpose is too broad", by_role="dpo")
    assert (sent.status, [d.org for d in sent.deliveries if d.told]) == ("declined", ["gp"])
    (mine,) = _events(hospital, "agreement.declined", "declined")
    (theirs,) = _events(gp, "agreement.declined", "declined")
    assert (mine["by"], theirs["by"], theirs["node"]) == ("hospital", "hospital", HOSPITAL)
    assert theirs["reason"] == "the purpose is too broad"
    assert get(gp, "declined").status is Status.DRAFT
    assert [p.state for p in inbox(hospital, every=True) if p.agreement.id == "declined"] == [
        "declined"
    ]


def _both_active(world: World, agreement_id: str) -> None:
    gp, hospital = world[GP], world[HOSPITAL]
    _draft(gp, agreement_id)
    propose(gp, agreement_id)
    assert countersign(hospital, agreement_id).status == "active"


def _offers(world: World, asker: str, provider: str) -> set[str]:
    with Client(world[asker]) as client:
        return {o.agreement for o in client.catalogue(provider).datasets}


def test_a_suspension_reaches_the_other_party_and_stops_its_catalogue_at_once(
    world: World,
) -> None:
    _both_active(world, "to-suspend")
    assert "to-suspend" in _offers(world, GP, HOSPITAL)
    sent = suspend_agreement(world[GP], "to-suspend", "a breach is investigated", by_role="dpo")
    assert (sent.status, sent.not_told) == ("suspended", [])
    assert get(world[HOSPITAL], "to-suspend").status is Status.SUSPENDED
    (event,) = _events(world[HOSPITAL], "agreement.suspended", "to-suspend")
    assert (event["by"], event["by_role"]) == ("gp", "dpo")
    assert "a breach is investigated" in event["reason"]
    assert "to-suspend" not in _offers(world, GP, HOSPITAL)


def test_a_revocation_by_either_party_ends_the_agreement_on_the_other(world: World) -> None:
    _both_active(world, "to-revoke")
    assert "to-revoke" in _offers(world, HOSPITAL, GP)
    sent = revoke_agreement(world[HOSPITAL], "to-revoke", "the partnership ended")
    assert [d.org for d in sent.deliveries if d.told] == ["gp"]
    assert get(world[GP], "to-revoke").status is Status.REVOKED
    assert "to-revoke" not in _offers(world, HOSPITAL, GP)
    (event,) = _events(world[GP], "agreement.revoked", "to-revoke")
    assert event["by"] == "hospital"


def _hospital_to_council() -> Agreement:
    """The hospital's admissions for the council alone (its only agreement with the council)."""
    data = json.loads(json.dumps(example_data(), default=str).replace('"gp"', '"council"'))
    data["datasets"] = [d for d in data["datasets"] if d["provider"] == "hospital"]
    return example(**{**data, "id": "council-admissions"})


def test_after_a_revocation_is_received_the_catalogue_under_it_is_refused(world: World) -> None:
    hospital, council = world[HOSPITAL], world[COUNCIL]
    record(hospital, _hospital_to_council())
    propose(hospital, "council-admissions")
    assert countersign(council, "council-admissions").status == "active"
    url = world.servers[HOSPITAL].url + "/api/v1/catalogue/admissions"

    def ask() -> httpx.Response:
        request = signed_request("GET", url, node_id=COUNCIL, key=node_key(council))
        with httpx.Client() as client:
            return client.send(request)

    assert [o["agreement"] for o in ask().json()] == ["council-admissions"]
    sent = revoke_agreement(council, "council-admissions", "the project ended")
    assert [d.org for d in sent.deliveries if d.told] == ["hospital"]
    refused = ask()
    assert (refused.status_code, refused.json()["code"]) == (404, "not-found")
    assert reasons(hospital, "not-found")[-1].startswith(
        "not-found: no agreement lets E06000023 ask this node for 'admissions'"
    )


def test_an_act_sent_again_changes_nothing_and_one_from_a_non_party_is_refused(
    world: World,
) -> None:
    _both_active(world, "acts")
    suspend_agreement(world[GP], "acts", "review")
    (message,) = [m for m in _outbox(world[GP], "acts") if m["kind"] == "act"]
    body = message["document"].encode()
    again = _post(world, GP, node_key(world[GP]), HOSPITAL, "/api/v1/agreements/acts/status", body)
    assert again.status_code == 200
    assert again.json()["state"] == "suspended"
    assert len(_events(world[HOSPITAL], "agreement.suspended", "acts")) == 1
    stolen = _post(
        world, COUNCIL, node_key(world[COUNCIL]), HOSPITAL, "/api/v1/agreements/acts/status", body
    )
    assert stolen.status_code == 422
    assert stolen.json()["code"] == "bad-agreement-signature"


def _outbox(ws: Workspace, agreement_id: str) -> list[dict[str, Any]]:
    from accord.exchange import repository as repo  # the test reads the outbox's rows

    with ws.engine.connect() as conn:
        return [m.__dict__ for m in repo.messages(conn, "out", agreement_id=agreement_id)]


def _all_sign(world: World, agreement: Agreement, node_ids: tuple[str, ...]) -> Agreement:
    for node_id in node_ids:
        agreement, _ = sign_in_workspace(world[node_id], agreement)
    return agreement


def test_a_party_down_is_named_and_told_once_it_is_back(world: World) -> None:
    agreement = example(id="with-school", parties=[
        *example_data()["parties"],
        {"org": "school", "name": "Riverside Academy", "role": "controller",
         "ico_registration": "Z2222222"},
    ])  # fmt: skip
    agreement = _all_sign(world, agreement, (GP, HOSPITAL, SCHOOL))
    for node_id in (GP, HOSPITAL, SCHOOL):
        activate(world[node_id], agreement)
    sent = suspend_agreement(world[GP], "with-school", "a breach")
    assert [d.org for d in sent.deliveries if d.told] == ["hospital"]
    (down,) = sent.not_told
    assert (down.org, down.node_id, down.state) == ("school", SCHOOL, "pending")
    assert SCHOOL in down.detail
    assert "connection failed" in down.detail
    assert get(world[SCHOOL], "with-school").status is Status.ACTIVE

    code = runner.invoke(app, ["agreement", "notify", "with-school", "-w", str(world[GP].root)])
    assert code.exit_code == 1
    assert "NOT told school" in code.output
    with running(world[SCHOOL].root, world.ports[SCHOOL]):
        assert [(d.org, d.told) for d in notify_parties(world[GP], "with-school")] == [
            ("school", True)
        ]
    assert get(world[SCHOOL], "with-school").status is Status.SUSPENDED
    assert notify_parties(world[GP], "with-school") == []


def test_the_commands_propose_show_the_inbox_and_countersign(world: World) -> None:
    gp, hospital = world[GP], world[HOSPITAL]
    _draft(gp, "by-command")
    done = runner.invoke(app, ["agreement", "propose", "by-command", "-w", str(gp.root), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["not_told"] == []
    shown = runner.invoke(app, ["agreement", "inbox", "-w", str(hospital.root)])
    assert shown.exit_code == 0, shown.output
    assert "by-command v1" in shown.stdout
    assert "from gp (A81001)" in shown.stdout
    assert "dataset admissions: hospital -> gp" in shown.stdout
    listed = json.loads(
        runner.invoke(app, ["agreement", "inbox", "-w", str(hospital.root), "--json"]).stdout
    )
    assert [e["agreement"] for e in listed] == ["by-command"]
    assert listed[0]["document"]["id"] == "by-command"
    signed = runner.invoke(
        app, ["agreement", "countersign", "by-command", "-w", str(hospital.root), "--json"]
    )
    assert signed.exit_code == 0, signed.output
    assert json.loads(signed.stdout)["status"] == "active"
    assert get(gp, "by-command").status is Status.ACTIVE
    nothing = runner.invoke(
        app, ["agreement", "countersign", "by-command", "-w", str(hospital.root)]
    )
    assert nothing.exit_code == 2
    assert "agreement inbox" in nothing.output


def test_a_peer_refusing_is_reported_and_not_sent_again(world: World) -> None:
    gp = world[GP]
    _draft(gp, "refused-later")
    # The hospital holds v1 of another content: it refuses the proposal as a conflict.
    record(world[HOSPITAL], example(id="refused-later", title="Another agreement"))
    sent = propose(gp, "refused-later")
    (refused,) = sent.not_told
    assert refused.state == "refused"
    assert "conflict" in refused.detail
    assert notify_parties(gp, "refused-later") == []
