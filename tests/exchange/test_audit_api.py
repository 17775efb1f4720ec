"""The audit endpoints between real ``accord serve`` processes on 127.0.0.1.

Two nodes serve (started once for the module): the hospital (RX1), whose log holds
disclosures about two people, and the GP (A81001), a witness and a citizen-view member
of the federation. The council (E06000023) is a member with neither role: it calls
without a server of its own. The GP fetches the hospital's signed checkpoint, asks for
proofs and checks them against it; altered proofs are refused by the client; the GP
reads one person's uses, which the hospital records; every caller without the role is
refused with ``role-required`` and the refusal is in the refusing node's log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from accord import audit
from accord.agreements import node_key, node_public_key
from accord.audit import PersonKey
from accord.exchange import (
    Client,
    ConsistencyProof,
    InclusionProof,
    LogProofFailed,
    Member,
    MemberRole,
    RequestRefused,
    ResponseMessage,
    SignedCheckpoint,
    check_consistency,
    check_inclusion,
    fetch,
    fetch_checkpoint,
    open_checkpoint,
    prove_consistency,
    prove_inclusion,
    verify_response,
)
from accord.exchange import Headers as SignedHeaders
from accord.store import Workspace
from tests.audit.support import disclosed, people
from tests.cli.test_commands import run
from tests.exchange.support import (
    Server,
    Spec,
    federation,
    free_port,
    log_of,
    node,
    refusals,
    running,
    signed,
)

GP, HOSPITAL, COUNCIL = "A81001", "RX1", "E06000023"
AUDIT = "/api/v1/audit"
ROLES = (MemberRole.PROVIDER, MemberRole.RECIPIENT)


@dataclass
class World:
    gp: Workspace
    hospital: Workspace
    council: Workspace
    servers: dict[str, Server]
    people: list[PersonKey]
    files: Path

    def url(self, org: str, path: str) -> str:
        return self.servers[org].url + path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("federation")
    fed = federation(root)
    ports = {"gp": free_port(), "hospital": free_port()}
    gp = node(
        fed,
        Spec(
            "gp",
            GP,
            "Riverside Medical Practice",
            (*ROLES, MemberRole.WITNESS, MemberRole.CITIZEN_VIEW),
        ),
        port=ports["gp"],
    )
    hospital = node(fed, Spec("hospital", HOSPITAL, "Riverside Hospitals"), port=ports["hospital"])
    council = node(fed, Spec("council", COUNCIL, "Riverside Council"), port=free_port())
    fed.publish()
    for ws in (gp, hospital, council):
        fetch(ws, str(fed.list_path))
    persons = people(hospital, 2)
    # Two disclosures of the first person, one of the second, between other entries.
    audit.record(hospital, disclosed(persons[0], 1), disclosed(persons[1], 2))
    audit.record(hospital, disclosed(persons[0], 3))  # fmt: skip
    with ExitStack() as stack:
        servers = {org: stack.enter_context(running(ws.root, ports[org]))
                   for org, ws in (("gp", gp), ("hospital", hospital))}  # fmt: skip
        yield World(gp, hospital, council, servers, persons, root / "files")
    for ws in (gp, hospital, council):
        ws.close()


def test_the_checkpoint_is_fetched_and_verified_with_the_peer_s_key(world: World) -> None:
    with Client(world.gp) as client:
        found = fetch_checkpoint(client, HOSPITAL)
    # What the hospital signed, as any C2SP verifier with its key checks it.
    name, key = audit.parse_verifier_key(audit.node_verifier_key(world.hospital))
    assert audit.open_note(found.note, name, key) == found.checkpoint
    assert found.verifier_key == audit.node_verifier_key(world.hospital)
    assert found.checkpoint.size >= 4
    # The note alone, as transparency-log tooling asks for it; signed like every answer.
    request = signed("GET", world.url("hospital", f"{AUDIT}/checkpoint"), node_id=GP,
                     key=node_key(world.gp))  # fmt: skip
    request.headers["accept"] = "text/plain"
    with httpx.Client() as http:
        response = http.send(request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    message = ResponseMessage(200, SignedHeaders(response.headers.multi_items()))
    verify_response(message, response.content, HOSPITAL, node_public_key(world.hospital))
    assert audit.open_note(response.text, name, key).size >= found.checkpoint.size


def test_inclusion_proofs_verify_for_every_entry_and_the_entry_held(world: World) -> None:
    with Client(world.gp) as client:
        point = fetch_checkpoint(client, HOSPITAL)
        for index in range(point.checkpoint.size):
            _, leaf = prove_inclusion(client, HOSPITAL, index)
        held = audit.export(world.hospital, 1, 2)["entries"][0]["entry"]
        _, leaf = prove_inclusion(client, HOSPITAL, 1, leaf=audit.leaf_hash(held.encode()))
        assert leaf == audit.leaf(world.hospital, 1)
        with pytest.raises(LogProofFailed, match="not the entry you hold"):
            prove_inclusion(client, HOSPITAL, 1, leaf=audit.leaf_hash(b"another entry"))


def test_a_later_log_is_proved_to_extend_a_saved_checkpoint(world: World) -> None:
    with Client(world.gp) as client:
        saved = fetch_checkpoint(client, HOSPITAL)
        audit.record(world.hospital, disclosed(world.people[1], 4))
        old, new = prove_consistency(client, HOSPITAL, saved.note)
        assert old.checkpoint == saved.checkpoint
        assert new.checkpoint.size > old.checkpoint.size
        # The same checkpoint again is trivially extended by itself.
        assert (
            prove_consistency(client, HOSPITAL, new.note)[1].checkpoint.size >= new.checkpoint.size
        )


def _member(client: Client, node_id: str) -> Member:
    found = client.trust_list.member(node_id)
    assert found is not None
    return found


def _flip(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_an_altered_proof_or_checkpoint_is_refused_by_the_client(world: World) -> None:
    with Client(world.gp) as client:
        member = _member(client, HOSPITAL)
        old = fetch_checkpoint(client, HOSPITAL)
        audit.record(world.hospital, disclosed(world.people[0], 5))
        point = fetch_checkpoint(client, HOSPITAL)
        size = point.checkpoint.size
        inclusion = InclusionProof.model_validate_json(client.request(
            HOSPITAL, "GET", f"{AUDIT}/proofs/inclusion?index=2&size={size}").content)  # fmt: skip
        consistency = ConsistencyProof.model_validate_json(client.request(
            HOSPITAL, "GET", f"{AUDIT}/proofs/consistency?first={old.checkpoint.size}"
            f"&second={size}").content)  # fmt: skip
        answer = SignedCheckpoint.model_validate_json(
            client.request(HOSPITAL, "GET", f"{AUDIT}/checkpoint").content
        )
    check_inclusion(member, point.checkpoint, inclusion)  # as sent: it verifies
    check_consistency(member, old.checkpoint, point.checkpoint, consistency)
    altered = [
        inclusion.model_copy(update={"proof": [_flip(inclusion.proof[0]), *inclusion.proof[1:]]}),
        inclusion.model_copy(update={"leaf": _flip(inclusion.leaf)}),
        inclusion.model_copy(update={"index": 3}),
        inclusion.model_copy(update={"proof": inclusion.proof[:-1]}),
    ]
    for bad in altered:
        with pytest.raises(LogProofFailed, match=HOSPITAL):
            check_inclusion(member, point.checkpoint, bad)
    with pytest.raises(LogProofFailed, match="does not extend"):
        check_consistency(member, old.checkpoint, point.checkpoint, consistency.model_copy(
            update={"proof": [_flip(consistency.proof[0]), *consistency.proof[1:]]}))  # fmt: skip
    # A log that now signs fewer entries than a checkpoint saved before: cut short.
    with pytest.raises(LogProofFailed, match="cut short"):
        check_consistency(member, point.checkpoint, old.checkpoint, consistency)
    note = answer.note.replace(f"\n{answer.size}\n", f"\n{answer.size + 1}\n")
    with pytest.raises(LogProofFailed, match="not signed by its key"):
        open_checkpoint(member, note)
    with pytest.raises(LogProofFailed, match="not signed by its key"):
        open_checkpoint(_member(client, GP), answer.note)


def test_the_cli_saves_a_checkpoint_and_proves_against_it(world: World, tmp_path: Path) -> None:
    saved = tmp_path / "rx1.checkpoint"
    gp = str(world.gp.root)
    code, stdout, stderr = run("audit", "fetch-checkpoint", HOSPITAL, "--out", str(saved), "-w", gp)
    assert code == 0, stderr
    assert "checkpoint verified" in stdout
    origin, _ = audit.parse_verifier_key(audit.node_verifier_key(world.hospital))
    assert saved.read_text(encoding="utf-8").splitlines()[0] == origin
    audit.record(world.hospital, disclosed(world.people[1], 6))
    code, stdout, stderr = run(
        "audit", "prove", HOSPITAL, "--since", str(saved), "-w", gp, "--json"
    )
    assert code == 0, stderr
    proved = json.loads(stdout)
    assert (proved["verified"], proved["proved"]) == (True, "consistency")
    assert proved["second"] > proved["first"]
    leaf = audit.leaf(world.hospital, 2).hex()
    code, stdout, stderr = run("audit", "prove", HOSPITAL, "--index", "2", "--leaf", leaf, "-w", gp)
    assert code == 0, stderr
    assert "entry 2" in stdout
    # A checkpoint the hospital never signed, and an entry the GP does not hold: exit 1.
    forged = tmp_path / "forged.checkpoint"
    text = saved.read_text(encoding="utf-8").splitlines(keepends=True)
    text[1] = f"{int(text[1]) + 1}\n"
    forged.write_text("".join(text), encoding="utf-8")
    code, _, stderr = run("audit", "prove", HOSPITAL, "--since", str(forged), "-w", gp)
    assert code == 1
    assert "not signed by its key" in stderr
    code, _, stderr = run("audit", "prove", HOSPITAL, "--index", "2", "--leaf", "ab" * 32, "-w", gp)
    assert code == 1
    assert "not the entry you hold" in stderr


def test_a_person_s_uses_are_only_theirs_and_the_lookup_is_recorded(world: World) -> None:
    first, second = world.people
    theirs = {e.index for e in log_of(world.hospital) if e.event.fields().get("person") == first}
    path = f"{AUDIT}/persons/{first}/uses?role=citizen%20services&reason=the%20person%20asked"
    with Client(world.gp) as client:
        answer = client.request(HOSPITAL, "GET", path).json()
    assert answer["person"] == first
    assert answer["node_id"] == HOSPITAL
    assert {u["entry"] for u in answer["uses"]} == theirs
    assert all(u["what"] == "Your records were shared" for u in answer["uses"])
    assert answer["uses"][0]["agreement"] == "gp-hospital-risk"
    assert answer["legal_bases"] == ["UK GDPR Art 6(1)(e); Art 9(2)(h); NHS Act 2006 s251"]
    assert second not in json.dumps(answer)
    viewed = [e.event for e in log_of(world.hospital) if e.event.name == "person.viewed"]
    assert viewed[-1] == audit.PersonViewed(person=first, by_role="citizen services at A81001",
                                            reason="the person asked")  # fmt: skip
    # The lookup itself is now one of the person's uses, as they will see it.
    with Client(world.gp) as client:
        again = client.request(HOSPITAL, "GET", path).json()
    assert again["uses"][0]["what"] == "Your record was looked up"
    assert len(again["uses"]) == len(theirs) + 1


def _refused(ws: Workspace, peer: str, path: str) -> RequestRefused:
    with Client(ws) as client, pytest.raises(RequestRefused) as caught:
        client.request(peer, "GET", path)
    return caught.value


def test_members_without_the_role_are_refused_and_the_refusal_recorded(world: World) -> None:
    uses = f"{AUDIT}/persons/{world.people[0]}/uses?role=clerk&reason=curious"
    for path in (f"{AUDIT}/checkpoint", f"{AUDIT}/proofs/inclusion?index=0",
                 f"{AUDIT}/proofs/consistency?first=1", uses):  # fmt: skip
        refused = _refused(world.council, HOSPITAL, path)
        assert (refused.status, refused.code) == (403, "role-required")
    # A witness is not a citizen view: the GP's own checkpoint refused to the hospital.
    refused = _refused(world.hospital, GP, f"{AUDIT}/checkpoint")
    assert "witness role" in refused.detail
    council = [r for who, r in refusals(world.hospital) if who == "council"]
    assert len([r for r in council if r.startswith("role-required: ")]) == 4
    assert any("a person's uses" in r and "citizen-view" in r for r in council)
    assert any(who == "hospital" and r.startswith("role-required")
               for who, r in refusals(world.gp))  # fmt: skip
    assert not any(e.event.name == "person.viewed" and "clerk" in e.event.fields()["by_role"]
                   for e in log_of(world.hospital))  # fmt: skip


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/persons/not-a-key/uses?role=r&reason=r", "invalid-identifier"),
        ("/persons/..%2F..%2Fkeys%2Fnode.key/uses?role=r&reason=r", "invalid-identifier"),
        ("/persons/" + "A" * 64 + "/uses?role=r&reason=r", "invalid-identifier"),
        ("/persons/" + "a" * 64 + "/uses?role=r", "invalid-request"),
        ("/persons/" + "a" * 64 + "/uses?role=%20&reason=r", "invalid-request"),
        ("/proofs/inclusion?index=99999&size=3", "not-found"),
        ("/proofs/inclusion?index=0&size=99999999", "not-found"),
        ("/proofs/inclusion?index=-1", "invalid-request"),
        ("/proofs/consistency?first=0", "invalid-request"),
        ("/proofs/consistency?first=5&second=4", "not-found"),
    ],
)
def test_a_bad_request_to_the_audit_endpoints_is_refused(
    world: World, path: str, code: str
) -> None:
    refused = _refused(world.gp, HOSPITAL, AUDIT + path)
    assert refused.code == code
    assert refused.status == (404 if code == "not-found" else 400)
    if code == "invalid-identifier":
        assert any(who == "gp" and r.startswith("invalid-identifier")
                   for who, r in refusals(world.hospital))  # fmt: skip


def test_the_openapi_document_describes_the_audit_endpoints(world: World) -> None:
    spec = httpx.get(world.url("hospital", "/openapi.json")).json()
    for path in ("/checkpoint", "/proofs/inclusion", "/proofs/consistency",
                 "/persons/{person}/uses"):  # fmt: skip
        assert f"{AUDIT}{path}" in spec["paths"]
