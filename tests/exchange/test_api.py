"""The node's API between real ``accord serve`` processes on 127.0.0.1.

Three nodes of one federation, each its own workspace and server (started once for the
module): the GP (A81001) calls the hospital (RX1), which shares ``admissions`` with it
under an active agreement. The hospital's authority is down: it serves on the list it
confirmed 30 minutes ago (inside its one-hour grace period). The council (E06000023)
confirmed its list two hours ago: past its grace, it trusts nobody. Every refusal is a
signed problem document with its stable type, and is in the hospital's audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, algorithms

from accord.agreements import activate, add_peer, node_key, node_public_key, sign_in_workspace
from accord.exchange import (
    PROBLEM_BASE,
    BadPeerResponse,
    Client,
    PeerUnreachable,
    RequestRefused,
    ResponseMessage,
    TrustListUnavailable,
    fetch,
    open_authority,
    revoke_member,
    verify_response,
)
from accord.exchange import Headers as SignedHeaders
from accord.store import Workspace
from tests.agreements.support import example, ingest_example
from tests.exchange.support import (
    Federation,
    Server,
    Spec,
    federation,
    free_port,
    node,
    reasons,
    running,
    signed,
)

GP, HOSPITAL, COUNCIL, POLICE = "A81001", "RX1", "E06000023", "P44"
HOUR = timedelta(hours=1)


@dataclass
class World:
    fed: Federation
    gp: Workspace
    hospital: Workspace
    council: Workspace
    police: Workspace
    servers: dict[str, Server]

    def url(self, org: str, path: str) -> str:
        return self.servers[org].url + path


def _agree(gp: Workspace, hospital: Workspace) -> None:
    """The worked example between the GP and the hospital, signed by both, active."""
    for ws, org in ((gp, "gp"), (hospital, "hospital")):
        ingest_example(ws, org)
    add_peer(gp, "hospital", node_public_key(hospital), added_by="test")
    add_peer(hospital, "gp", node_public_key(gp), added_by="test")
    agreement, _ = sign_in_workspace(gp, example())
    both, _ = sign_in_workspace(hospital, agreement)
    sign_in_workspace(gp, both)  # the GP keeps the copy every party signed
    for ws in (gp, hospital):
        activate(ws, agreement.id)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("federation")
    fed = federation(root)
    orgs = ("gp", "hospital", "council", "police", "imposter", "offline")
    ports = {org: free_port() for org in orgs}
    outage = {"trust_list_url": str(root / "the-authority-is-down.json"), "trust_list_grace": 3600}
    gp = node(fed, Spec("gp", GP, "Riverside Medical Practice"), port=ports["gp"])
    hospital = node(
        fed,
        Spec("hospital", HOSPITAL, "Riverside Hospitals NHS Foundation Trust"),
        port=ports["hospital"],
        settings=outage,
    )
    council = node(
        fed, Spec("council", COUNCIL, "Riverside Council"), port=ports["council"], settings=outage
    )
    police = node(fed, Spec("police", POLICE, "Riverside Police"), port=ports["police"])
    # A member whose URL answers as another node, and one whose node is down.
    imposter = node(fed, Spec("imposter", "RX2", "Not the GP"), port=ports["gp"])
    offline = node(fed, Spec("offline", "RX3", "Switched off"), port=ports["offline"])
    now = datetime.now(UTC)
    fed.publish(now=now - 3 * HOUR)
    for ws, confirmed in (
        (gp, now),
        (hospital, now - HOUR / 2),
        (council, now - 2 * HOUR),
        (police, now),
    ):
        fetch(ws, str(fed.list_path), now=confirmed)
    _agree(gp, hospital)
    imposter.close()
    offline.close()
    with ExitStack() as stack:
        servers = {
            org: stack.enter_context(running(ws.root, ports[org]))
            for org, ws in (("gp", gp), ("hospital", hospital), ("council", council),
                            ("police", police))
        }  # fmt: skip
        yield World(fed, gp, hospital, council, police, servers)
    for ws in (gp, hospital, council, police):
        ws.close()


def _send(request: httpx.Request) -> httpx.Response:
    with httpx.Client() as http:
        return http.send(request)


def _verified(world: World, org: str, node_id: str, response: httpx.Response) -> None:
    """The response is signed by ``node_id`` to the profile (as the client checks)."""
    message = ResponseMessage(response.status_code, SignedHeaders(response.headers.multi_items()))
    ws = getattr(world, org)
    verify_response(message, response.content, node_id, node_public_key(ws))


def test_a_signed_call_is_answered_and_its_answer_verified(world: World) -> None:
    # The hospital's authority is down (its fetch fails), yet inside its grace period
    # it serves on the list it has.
    with pytest.raises(TrustListUnavailable, match=r"the-authority-is-down\.json"):
        fetch(world.hospital)
    with Client(world.gp) as client:
        catalogue = client.catalogue(HOSPITAL)
        offer = client.request(HOSPITAL, "GET", "/api/v1/catalogue/admissions")
    assert (catalogue.node_id, catalogue.org, catalogue.caller) == (HOSPITAL, "hospital", GP)
    [admissions] = catalogue.datasets
    assert admissions.dataset == "admissions"
    assert admissions.agreement == "gp-hospital-admission-risk"
    assert {f.name: f.treatment for f in admissions.fields}["nhs_number"] == "pseudonymised"
    assert (admissions.kitemark, admissions.minimum_kitemark) == ("not_yet_rated", "bronze")
    assert offer.json()[0]["dataset"] == "admissions"
    # The hospital asks the GP: the GP's dataset is offered to the hospital.
    with Client(world.hospital) as client:
        offered = client.catalogue(GP).datasets
    assert [o.dataset for o in offered] == ["registered-patients"]


def test_four_nodes_answer_each_other_and_one_down_leaves_the_others_serving(
    world: World,
) -> None:
    """Four served nodes: the GP, the hospital and the police call one another; the
    council (past its grace period) refuses everyone, signed; the offline member's node
    is down and the rest keep serving."""
    served = {}
    for caller, ws in (("gp", world.gp), ("hospital", world.hospital), ("police", world.police)):
        with Client(ws) as client:
            for peer in (GP, HOSPITAL, POLICE):
                if peer != ws.settings.node_id:
                    served[(caller, peer)] = client.catalogue(peer).node_id
            with pytest.raises(RequestRefused, match="trust-list-expired"):
                client.catalogue(COUNCIL)
            with pytest.raises(PeerUnreachable, match=r"RX3 \(Switched off\)"):
                client.catalogue("RX3")
    assert served == {(c, p): p for c, p in served}
    assert len(served) == 6


def test_a_node_without_an_agreement_is_offered_nothing(world: World) -> None:
    with Client(world.police) as client:
        assert client.catalogue(HOSPITAL).datasets == []


Case = Callable[[World], httpx.Request]
CATALOGUE = "/api/v1/catalogue"


def _gp_key(w: World) -> Ed25519PrivateKey:
    return node_key(w.gp)


def _unsigned(w: World) -> httpx.Request:
    return httpx.Request("GET", w.url("hospital", CATALOGUE))


def _bad_signature(w: World) -> httpx.Request:
    request = signed("GET", w.url("hospital", CATALOGUE), node_id=GP, key=_gp_key(w))
    value = request.headers["signature"]
    i = value.index(":") + 5
    request.headers["signature"] = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
    return request


def _another_key(w: World) -> httpx.Request:
    return signed("GET", w.url("hospital", CATALOGUE), node_id=GP, key=Ed25519PrivateKey.generate())


def _body_changed(w: World) -> httpx.Request:
    request = signed(
        "GET",
        w.url("hospital", CATALOGUE),
        node_id=GP,
        key=_gp_key(w),
        body=b'{"dataset": "admissions"}',
    )
    return httpx.Request(
        "GET", request.url, headers=request.headers, content=b'{"dataset": "admissionz"}'
    )


def _too_old(w: World) -> httpx.Request:
    return signed(
        "GET",
        w.url("hospital", CATALOGUE),
        node_id=GP,
        key=_gp_key(w),
        created=datetime.now(UTC) - timedelta(seconds=300),
    )


def _in_the_future(w: World) -> httpx.Request:
    return signed(
        "GET",
        w.url("hospital", CATALOGUE),
        node_id=GP,
        key=_gp_key(w),
        created=datetime.now(UTC) + timedelta(seconds=300),
    )


def _unknown_node(w: World) -> httpx.Request:
    return signed(
        "GET", w.url("hospital", CATALOGUE), node_id="RX9", key=Ed25519PrivateKey.generate()
    )


def _signed_for_another_node(w: World) -> httpx.Request:
    request = signed("GET", w.url("gp", CATALOGUE), node_id=GP, key=_gp_key(w))
    return httpx.Request("GET", w.url("hospital", CATALOGUE), headers=request.headers)


def _off_profile(w: World) -> httpx.Request:
    """Signed by a library with its defaults: no nonce, another label and coverage."""
    request = httpx.Request("GET", w.url("hospital", CATALOGUE))
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Key(_gp_key(w))).sign(
        request, key_id=GP, created=datetime.now(UTC)
    )
    return request


@dataclass
class _Key:
    key: Ed25519PrivateKey

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self.key

    def resolve_public_key(self, key_id: str) -> None:
        return None


def _oversized(w: World) -> httpx.Request:
    body = b"x" * ((1 << 20) + 1)
    return signed("GET", w.url("hospital", CATALOGUE), node_id=GP, key=_gp_key(w), body=body)


def _traversal(w: World) -> httpx.Request:
    return signed(
        "GET",
        w.url("hospital", CATALOGUE + "/..%2F..%2Fkeys%2Fnode.key"),
        node_id=GP,
        key=_gp_key(w),
    )


CASES: dict[str, tuple[Case, int]] = {
    "unsigned": (_unsigned, 401),
    "bad-signature": (_bad_signature, 401),
    "signed-by-another-key": (_another_key, 401),
    "digest-mismatch": (_body_changed, 401),
    "expired": (_too_old, 401),
    "created-in-future": (_in_the_future, 401),
    "unknown-node": (_unknown_node, 403),
    "signed-for-another-node": (_signed_for_another_node, 401),
    "signature-profile": (_off_profile, 401),
    "body-too-large": (_oversized, 413),
    "invalid-identifier": (_traversal, 400),
}
CODE = {"signed-by-another-key": "bad-signature", "signed-for-another-node": "bad-signature"}


def test_every_bad_request_is_refused_with_its_problem_and_recorded(world: World) -> None:
    failed = []
    for name, (build, status) in CASES.items():
        code = CODE.get(name, name)
        before = len(reasons(world.hospital))
        response = _send(build(world))
        problem = response.json()
        _verified(world, "hospital", HOSPITAL, response)
        recorded = reasons(world.hospital)[before:]
        if (response.status_code, problem["type"], problem["code"]) != (
            status,
            PROBLEM_BASE + code,
            code,
        ) or response.headers["content-type"] != "application/problem+json":
            failed.append(f"{name}: {response.status_code} {problem}")
        elif not any(r.startswith(f"{code}: ") for r in recorded):
            failed.append(f"{name}: refused but not recorded ({recorded})")
    assert failed == []


def test_a_replayed_request_is_refused_and_recorded(world: World) -> None:
    request = signed("GET", world.url("hospital", CATALOGUE), node_id=GP, key=_gp_key(world))
    with httpx.Client() as http:
        first, again = http.send(request), http.send(request)
    assert first.status_code == 200
    assert (again.status_code, again.json()["code"]) == (401, "replayed")
    assert any(r.startswith("replayed: ") for r in reasons(world.hospital))


def test_a_revoked_node_is_refused_once_the_new_list_is_in_force(world: World) -> None:
    def ask() -> httpx.Response:
        return _send(
            signed(
                "GET", world.url("hospital", CATALOGUE), node_id=POLICE, key=node_key(world.police)
            )
        )

    assert ask().status_code == 200
    with open_authority(world.fed.authority) as auth:
        revoke_member(auth, POLICE, reason="left the partnership", by_role="test")
    fetch(world.hospital, str(world.fed.publish()))
    refused = ask()
    assert (refused.status_code, refused.json()["code"]) == (403, "revoked-node")
    assert "Riverside Police" in refused.json()["detail"]
    assert any(r.startswith("revoked-node: ") for r in reasons(world.hospital))


def test_a_node_past_its_grace_period_trusts_no_one(world: World) -> None:
    refused = _send(signed("GET", world.url("council", CATALOGUE), node_id=GP, key=_gp_key(world)))
    assert (refused.status_code, refused.json()["code"]) == (503, "trust-list-expired")
    _verified(world, "council", COUNCIL, refused)
    ready = httpx.get(world.url("council", "/readyz"))
    assert ready.status_code == 503
    assert "grace period" in str(ready.json()["checks"])


def test_the_client_names_the_peer_and_what_failed(world: World) -> None:
    with Client(world.gp) as client:
        with pytest.raises(PeerUnreachable, match=r"RX3 \(Switched off\) at http://127"):
            client.catalogue("RX3")
        with pytest.raises(BadPeerResponse, match=r"RX2 \(Not the GP\)'s answer.*not used"):
            client.catalogue("RX2")
        with pytest.raises(
            RequestRefused,
            match=r"RX1 .* refused the request \(HTTP 404, "
            r"not-found\).*'registered-patients'",
        ) as refused:
            client.request(HOSPITAL, "GET", "/api/v1/catalogue/registered-patients")
    assert refused.value.code == "not-found"


def test_the_openapi_document_and_health_answer_anyone(world: World) -> None:
    spec = httpx.get(world.url("hospital", "/openapi.json")).json()
    assert "/api/v1/catalogue" in spec["paths"]
    assert httpx.get(world.url("gp", "/healthz")).json() == {"status": "ok"}
    assert httpx.get(world.url("gp", "/readyz")).json()["status"] == "ready"
