"""The peer key registry on SQLite and PostgreSQL: the node's own key, add, replace, remove."""

from __future__ import annotations

import pytest

from accord.agreements import (
    PeerRefused,
    PeerUnknown,
    add_peer,
    key_id,
    known_keys,
    node_public_key,
    peers,
    remove_peer,
)
from accord.store import InvalidName, Workspace
from tests.agreements.support import logged, org_keys

KEYS = org_keys("gp", "hospital")


def test_the_node_knows_its_own_key_without_adding_it(workspace: Workspace) -> None:
    [own] = peers(workspace)
    assert (own.org, own.own, own.key_id) == ("test-node", True, key_id(node_public_key(workspace)))
    assert set(known_keys(workspace)) == {"test-node"}
    with pytest.raises(PeerRefused, match="this node's own organisation"):
        add_peer(workspace, "test-node", KEYS["gp"].public_key(), added_by="x")
    with pytest.raises(PeerRefused, match="cannot be removed"):
        remove_peer(workspace, "test-node", by_role="x", reason="x")


def test_add_list_and_remove_each_recorded(workspace: Workspace) -> None:
    gp = add_peer(workspace, "gp", KEYS["gp"].public_key(), added_by="information governance lead",
                  reason="agreement with the practice")  # fmt: skip
    assert (gp.org, gp.key_id, gp.added_by) == ("gp", key_id(KEYS["gp"].public_key()),
                                                "information governance lead")  # fmt: skip
    assert gp.added_at is not None
    assert [p.org for p in peers(workspace)] == ["test-node", "gp"]
    assert key_id(known_keys(workspace)["gp"]) == gp.key_id
    # The same key again is no new act.
    add_peer(workspace, "gp", KEYS["gp"].public_key(), added_by="someone else")
    assert peers(workspace)[1].added_by == "information governance lead"
    removed = remove_peer(workspace, "gp", by_role="dpo", reason="agreement ended")
    assert removed.key_id == gp.key_id
    assert [p.org for p in peers(workspace)] == ["test-node"]
    assert [(k, e) for k, e in logged(workspace)] == [
        ("peer.added", {"org": "gp", "key_id": gp.key_id, "by_role": "information governance lead",
                        "reason": "agreement with the practice", "replaced_key_id": ""}),
        ("peer.removed", {"org": "gp", "key_id": gp.key_id, "by_role": "dpo",
                          "reason": "agreement ended"}),
    ]  # fmt: skip


def test_another_key_for_a_known_peer_needs_replace(workspace: Workspace) -> None:
    old = add_peer(workspace, "gp", KEYS["gp"].public_key(), added_by="ig lead")
    new_key = org_keys("gp")["gp"].public_key()
    with pytest.raises(PeerRefused, match=f"already has key {old.key_id}"):
        add_peer(workspace, "gp", new_key, added_by="ig lead")
    assert key_id(known_keys(workspace)["gp"]) == old.key_id
    new = add_peer(workspace, "gp", new_key, added_by="ig lead", replace=True)
    assert key_id(known_keys(workspace)["gp"]) == new.key_id
    assert logged(workspace)[-1][1]["replaced_key_id"] == old.key_id


def test_unknown_and_hostile_names_are_refused(workspace: Workspace) -> None:
    with pytest.raises(PeerUnknown, match="no key for 'police'"):
        remove_peer(workspace, "police", by_role="x", reason="x")
    for name in ("../gp", "GP", "gp\n", "g" * 101, "gp; DROP TABLE peers"):
        with pytest.raises(InvalidName, match="organisation id"):
            add_peer(workspace, name, KEYS["gp"].public_key(), added_by="x")
    assert [p.org for p in peers(workspace)] == ["test-node"]
    assert logged(workspace) == []
