"""The trust list: the authority's acts, a node's fetch, and every way a list is refused.

On both stores: a node adopts a newer list and records it, confirms the same one,
refuses a list the pinned key did not sign, an older serial (rollback) and the same
serial with other content, each recorded; keeps working through an outage of the
authority until its grace period ends. Two gates on one store (two workers) share the
replay cache.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord import audit
from accord.agreements import node_key
from accord.exchange import (
    AuthorityError,
    MemberRole,
    Refusal,
    TrustListExpired,
    TrustListRefused,
    TrustListUnavailable,
    add_member,
    cached,
    fetch,
    prune,
    publish,
    revoke_member,
    usable,
)
from accord.exchange.gate import Gate
from accord.store import Workspace
from tests.exchange.support import Federation, Spec, federation, node, signed

NOW = datetime.now(UTC).replace(microsecond=0)
HOUR = timedelta(hours=1)


def _events(ws: Workspace, name: str) -> list[dict[str, object]]:
    return [e.event.fields() for e in audit.entries(ws) if e.event.name == name]


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return federation(tmp_path)


@pytest.fixture
def gp(fed: Federation, store_url: str) -> Iterator[Workspace]:
    ws = node(
        fed,
        Spec("gp", "A81001", "Riverside Medical Practice"),
        port=8101,
        store_url=store_url,
        settings={"trust_list_grace": 3600},
    )
    yield ws
    ws.close()


def test_the_authority_records_each_act_and_signs_increasing_serials(
    fed: Federation, gp: Workspace
) -> None:
    fed.publish(NOW)
    with fed.open() as auth:
        revoke_member(auth, "A81001", reason="test", by_role="federation officer")
    fed.publish(NOW)
    with fed.open() as auth:
        assert auth.serial == 2
        assert [m.status.value for m in auth.members] == ["revoked"]
        names = [e.event.name for e in audit.entries(auth.ws)]
    assert names == [
        "federation.member_added",
        "trust_list.published",
        "federation.member_revoked",
        "trust_list.published",
    ]
    document = json.loads(fed.list_path.read_text())
    assert (document["serial"], document["format"]) == (2, "accord-trust-list/1")


def test_an_authority_held_open_sees_each_of_its_own_acts(fed: Federation, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    with fed.open() as auth:
        for node_id, org in (("RX1", "hospital"), ("E06000023", "council")):
            add_member(auth, node_id=node_id, org=org, name=org, base_url="http://127.0.0.1:9",
                       key=key, roles=(MemberRole.PROVIDER,), by_role="test")  # fmt: skip
        publish(auth, tmp_path / "list.json")
        assert auth.serial == 1
    members = json.loads((tmp_path / "list.json").read_text())["members"]
    assert [m["node_id"] for m in members] == ["RX1", "E06000023"]


def test_the_authority_refuses_what_is_not_a_member(fed: Federation, gp: Workspace) -> None:
    with fed.open() as auth:
        with pytest.raises(AuthorityError, match="already a member"):
            add_member(
                auth,
                node_id="A81001",
                org="gp",
                name="x",
                base_url="http://x",
                key=node_key(gp).public_key(),
                roles=(MemberRole.WITNESS,),
                by_role="t",
            )
        with pytest.raises(AuthorityError, match="base_url"):
            add_member(
                auth,
                node_id="RX1",
                org="hospital",
                name="x",
                base_url="ftp://x",
                key=node_key(gp).public_key(),
                roles=(MemberRole.WITNESS,),
                by_role="t",
            )
        with pytest.raises(AuthorityError, match="RX9 is not a member"):
            revoke_member(auth, "RX9", reason="r", by_role="t")


def test_a_node_adopts_a_newer_list_and_confirms_the_same_one(
    fed: Federation, gp: Workspace
) -> None:
    fed.publish(NOW - HOUR)
    assert fetch(gp, now=NOW - HOUR).outcome == "adopted"
    assert fetch(gp, now=NOW).outcome == "confirmed"
    found = cached(gp)
    assert found is not None
    assert (found.trust_list.serial, found.confirmed_at) == (1, NOW)
    [adopted] = _events(gp, "trust_list.adopted")
    assert (adopted["serial"], adopted["added"]) == (1, ["A81001"])


def _tampered(fed: Federation) -> None:
    document = json.loads(fed.list_path.read_text())
    document["members"][0]["base_url"] = "http://attacker.example"
    fed.list_path.write_text(json.dumps(document))


def test_a_list_the_pinned_key_did_not_sign_is_refused_and_recorded(
    fed: Federation, gp: Workspace
) -> None:
    fed.publish(NOW)
    _tampered(fed)
    with pytest.raises(TrustListRefused, match="does not verify with the pinned authority key"):
        fetch(gp, now=NOW)
    assert cached(gp) is None
    [refused] = _events(gp, "trust_list.refused")
    assert "does not verify" in str(refused["reason"])


def test_another_authority_s_list_is_refused(
    fed: Federation, gp: Workspace, tmp_path: Path
) -> None:
    other = federation(tmp_path / "other")
    with other.open() as auth:
        add_member(
            auth,
            node_id="A81001",
            org="gp",
            name="x",
            base_url="http://x",
            key=node_key(gp).public_key(),
            roles=(MemberRole.WITNESS,),
            by_role="t",
        )
    with pytest.raises(TrustListRefused, match="signed by another key"):
        fetch(gp, str(other.publish(NOW)), now=NOW)


def test_an_older_serial_is_a_rollback_and_refused(fed: Federation, gp: Workspace) -> None:
    first = fed.publish(NOW - HOUR).read_text()
    fed.publish(NOW)
    fetch(gp, now=NOW)
    fed.list_path.write_text(first)
    with pytest.raises(TrustListRefused, match=r"serial 1 is older than serial 2.*rollback"):
        fetch(gp, now=NOW)
    assert cached(gp).trust_list.serial == 2  # type: ignore[union-attr]
    assert _events(gp, "trust_list.refused")[0]["serial"] == 1


def test_one_serial_with_two_contents_is_refused(fed: Federation, gp: Workspace) -> None:
    fed.publish(NOW)
    fetch(gp, now=NOW)
    with fed.open() as auth:  # the authority's folder restored from an old backup
        state = auth.folder / "members.json"
        document = json.loads(state.read_text())
    document["serial"] = 0
    state.write_text(json.dumps(document))
    fed.publish(NOW + timedelta(seconds=1))
    with pytest.raises(TrustListRefused, match="two lists with one serial"):
        fetch(gp, now=NOW)


def test_a_list_that_is_not_one_is_refused(fed: Federation, gp: Workspace) -> None:
    fed.list_path.write_bytes(b"\x00\xff not json")
    with pytest.raises(TrustListRefused, match="not JSON"):
        fetch(gp, now=NOW)


def test_through_an_outage_the_list_serves_until_its_grace_period_ends(
    fed: Federation, gp: Workspace
) -> None:
    fed.publish(NOW - 2 * HOUR)
    fetch(gp, now=NOW - HOUR / 2)
    fed.list_path.unlink()  # the authority is down
    with pytest.raises(TrustListUnavailable, match="cannot read the trust list"):
        fetch(gp, now=NOW)
    assert usable(gp, now=NOW).trust_list.serial == 1  # inside the hour of grace
    with pytest.raises(TrustListExpired, match="grace period ended"):
        usable(gp, now=NOW + HOUR)
    gate = Gate(gp)
    with pytest.raises(Refusal) as refused:
        gate.trust_list(NOW + HOUR)
    assert refused.value.code == "trust-list-expired"


def test_a_list_is_fetched_over_http(fed: Federation, gp: Workspace) -> None:
    fed.publish(NOW)
    handler = partial(SimpleHTTPRequestHandler, directory=str(fed.list_path.parent))
    handler.log_message = lambda *_args: None  # type: ignore[attr-defined,method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert fetch(gp, f"{base}/{fed.list_path.name}", now=NOW).outcome == "adopted"
        with pytest.raises(TrustListUnavailable, match="answered 404"):
            fetch(gp, f"{base}/missing.json", now=NOW)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_two_workers_share_one_replay_cache(fed: Federation, gp: Workspace) -> None:
    fed.publish(NOW - HOUR)
    fetch(gp, now=NOW)
    request = signed(
        "GET", "http://127.0.0.1:8101/api/v1/catalogue", node_id="A81001", key=node_key(gp)
    )
    fields = list(request.headers.multi_items())
    first, second = Gate(gp), Gate(gp)  # as two worker processes of one node
    caller = first.admit("GET", "/api/v1/catalogue", "", fields, b"")
    assert caller.node_id == "A81001"
    with pytest.raises(Refusal) as replayed:
        second.admit("GET", "/api/v1/catalogue", "", fields, b"")
    assert replayed.value.code == "replayed"
    assert prune(gp, datetime.now(UTC) + HOUR) == 1


def test_a_claimed_nonce_is_kept_in_its_commit_only_inside_its_window(
    fed: Federation, gp: Workspace
) -> None:
    # A lookup's nonce is kept in the commit of its records (a claim), not at the gate; a
    # claim made once the request's window has closed is refused (its nonce may have
    # been pruned by then, and a copy could claim it again).
    fed.publish(NOW - HOUR)
    fetch(gp, now=NOW)
    request = signed(
        "GET", "http://127.0.0.1:8101/api/v1/catalogue", node_id="A81001", key=node_key(gp)
    )
    fields = list(request.headers.multi_items())
    gate = Gate(gp)
    caller = gate.admit("GET", "/api/v1/catalogue", "", fields, b"", remember=False)
    late = dataclasses.replace(gate.claim(caller), expires=datetime.now(UTC) - HOUR)
    with gp.engine.begin() as conn:
        refused = late(conn)
    assert refused is not None
    assert refused.code == "expired"
    assert late.made
    with gp.engine.begin() as conn:
        assert gate.claim(caller)(conn) is None  # kept, in this commit
    # A copy passes the gate (which neither keeps nor reads a claimed nonce) and is
    # refused at its claim, in the commit that would have recorded its work.
    copy = gate.admit("GET", "/api/v1/catalogue", "", fields, b"", remember=False)
    with gp.engine.begin() as conn:
        again = gate.claim(copy)(conn)
    assert again is not None
    assert again.code == "replayed"
