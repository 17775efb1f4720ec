"""The trust list fills the agreements peer registry: one source of truth for the keys
that verify partners' signatures on agreements.

On both stores: adopting a list adds each active member's key under its organisation id
(recorded); a key added by hand for a member is replaced at the next fetch; a member
revoked in a later list loses its key, so its signatures no longer verify here; a key
for an organisation outside the federation is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord import audit
from accord.agreements import SignatureInvalid, add_peer, key_id, known_keys, node_key, record, sign
from accord.exchange import fetch, revoke_member
from accord.store import Workspace
from tests.agreements.support import example
from tests.exchange.support import Federation, Spec, federation, node


@pytest.fixture
def world(tmp_path: Path, store_url: str) -> Iterator[tuple[Federation, Workspace, Workspace]]:
    fed = federation(tmp_path)
    gp = node(fed, Spec("gp", "A81001", "Riverside Medical Practice"), port=8101,
              store_url=store_url)  # fmt: skip
    hospital = node(fed, Spec("hospital", "RX1", "Riverside Hospitals"), port=8102)
    fed.publish()
    yield fed, gp, hospital
    gp.close()
    hospital.close()


def _events(ws: Workspace, name: str) -> list[dict[str, object]]:
    return [e.event.fields() for e in audit.entries(ws) if e.event.name == name]


def test_adopting_a_list_adds_each_member_s_key_recorded(
    world: tuple[Federation, Workspace, Workspace],
) -> None:
    _, gp, hospital = world
    fetch(gp)
    assert key_id(known_keys(gp)["hospital"]) == key_id(node_key(hospital).public_key())
    (added,) = _events(gp, "peer.added")
    assert added["org"] == "hospital"
    assert str(added["by_role"]).startswith("trust list accord.example.nhs.uk serial 1")
    fetch(gp)  # the same list confirmed: nothing changes, nothing more recorded
    assert len(_events(gp, "peer.added")) == 1


def test_a_key_added_by_hand_for_a_member_gives_way_to_the_list(
    world: tuple[Federation, Workspace, Workspace],
) -> None:
    _, gp, hospital = world
    stray = Ed25519PrivateKey.generate().public_key()
    add_peer(gp, "hospital", stray, added_by="data steward")
    add_peer(gp, "school", stray, added_by="data steward")  # not in the federation
    fetch(gp)
    keys = known_keys(gp)
    assert key_id(keys["hospital"]) == key_id(node_key(hospital).public_key())
    assert key_id(keys["school"]) == key_id(stray)
    assert _events(gp, "peer.added")[-1]["replaced_key_id"] == key_id(stray)


def test_a_member_revoked_in_a_later_list_loses_its_key_and_its_signatures(
    world: tuple[Federation, Workspace, Workspace],
) -> None:
    fed, gp, hospital = world
    fetch(gp)
    with fed.open() as auth:
        revoke_member(auth, "RX1", reason="left the partnership", by_role="federation officer")
    fed.publish()
    fetch(gp)
    assert "hospital" not in known_keys(gp)
    (removed,) = _events(gp, "peer.removed")
    assert (removed["org"], removed["reason"]) == ("hospital", "revoked from the federation")
    signed = sign(example(), "hospital", node_key(hospital))
    with pytest.raises(SignatureInvalid, match="knows no key for 'hospital'"):
        record(gp, signed)
