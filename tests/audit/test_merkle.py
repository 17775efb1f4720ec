"""The Merkle tree against the public transparency-dev/merkle vectors and a brute force."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.audit import ProofError
from accord.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "data" / "merkle"


def _cases(kind: str) -> list[Any]:
    paths = sorted((VECTORS / kind).rglob("*.json"))
    assert len(paths) > 50
    return [pytest.param(json.loads(p.read_text()), id=str(p.relative_to(VECTORS))) for p in paths]


def _b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    proof = [_b(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b(case["leafHash"]), proof, _b(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vectors(case: dict[str, Any]) -> None:
    proof = [_b(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], _b(case["root1"]), _b(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def _mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 2.1.1, by its recursive definition."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _subtrees(leaves: list[bytes]) -> Any:
    return lambda level, idx: _mth(leaves[idx << level : (idx + 1) << level])


def test_the_vectors_tree_is_ours() -> None:
    """The vectors' 8-leaf tree (RFC 6962's test data) has the root our hashing gives."""
    data = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
    leaves = [leaf_hash(bytes.fromhex(d)) for d in data]
    happy = json.loads((VECTORS / "inclusion" / "1" / "happy-path.json").read_text())
    assert _mth(leaves) == _b(happy["root"])
    assert inclusion_proof(0, 8, _subtrees(leaves)) == [_b(p) for p in happy["proof"]]


@given(st.integers(1, 70), st.data())
def test_proofs_verify_for_every_shape(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(size)]
    sub = _subtrees(leaves)
    frontier = Frontier()
    frontier.extend(leaves)
    assert frontier.root() == root(size, sub) == _mth(leaves)
    assert Frontier.at(size, sub).root() == frontier.root()
    index = data.draw(st.integers(0, size - 1))
    verify_inclusion(index, size, leaves[index], inclusion_proof(index, size, sub), _mth(leaves))
    first = data.draw(st.integers(1, size))
    proof = consistency_proof(first, size, sub)
    verify_consistency(first, size, _mth(leaves[:first]), _mth(leaves), proof)
    if first < size:
        with pytest.raises(ProofError):
            verify_consistency(first, size, _mth([*leaves[: first - 1], b"x"]), _mth(leaves), proof)


def test_frontier_reports_each_complete_subtree_once() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(13)]
    done = Frontier().extend(leaves)
    sub = _subtrees(leaves)
    assert sorted((lv, i) for lv, i, _ in done) == sorted(
        (lv, i) for lv in range(1, 4) for i in range(13 >> lv)
    )
    assert all(h == sub(lv, i) for lv, i, h in done)
