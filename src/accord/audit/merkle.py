"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1.

Hashing: a leaf is SHA-256(0x00 || data), an interior node SHA-256(0x01 || left || right),
the empty tree SHA-256(""). Proofs are produced from any source of *complete* subtree
hashes (``Subtrees``: the hash of the 2**level leaves starting at ``idx * 2**level``), so
the same code serves the store (which keeps those hashes) and a list of leaves in tests.
Verification follows the RFC's algorithms step by step and needs nothing but hashes.

A store answers a proof in one query: :func:`needed` runs a proof's algorithm once
without hashes to learn which subtrees it reads, the store fetches them together, and
the algorithm runs again on them. :class:`Frontier` grows the tree many leaves at a
time, hashing each aligned block of leaves level by level (a list comprehension per
level rather than a Python step per leaf).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from accord.audit.errors import ProofError

Subtrees = Callable[[int, int], bytes]
"""``subtree(level, idx)``: the hash of the complete subtree of leaves
``[idx * 2**level, (idx + 1) * 2**level)``."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """The complete subtrees over ``leaves`` level by level: ``levels(x)[l][i]`` is the
    hash of leaves ``[i * 2**l, (i + 1) * 2**l)`` of ``x`` (a trailing odd one out is
    left out at each level)."""
    sha = hashlib.sha256
    found = [list(leaves)]
    while len(found[-1]) > 1:
        pairs = iter(found[-1])
        found.append(
            [
                sha(b"\x01" + left + right).digest()
                for left, right in zip(pairs, pairs, strict=False)
            ]
        )
    return found


def needed(proof: Callable[[Subtrees], Any]) -> list[tuple[int, int]]:
    """The complete subtrees ``proof(subtree)`` reads, in the order it reads them: run
    with a stand-in for every hash, so a store can fetch them all at once."""
    keys: list[tuple[int, int]] = []

    def record(level: int, idx: int) -> bytes:
        keys.append((level, idx))
        return EMPTY_ROOT

    proof(record)
    return keys


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, subtree: Subtrees) -> bytes:
    """MTH(D[start:end]) for the ranges the RFC's recursion meets (start aligned)."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return subtree(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(range_hash(start, start + k, subtree), range_hash(start + k, end, subtree))


def root(size: int, subtree: Subtrees) -> bytes:
    return range_hash(0, size, subtree) if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, subtree: Subtrees) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of {size} entries")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_hash(start + k, end, subtree))
            end = start + k
        else:
            path.append(range_hash(start, start + k, subtree))
            start += k
    return path[::-1]


def consistency_proof(first: int, second: int, subtree: Subtrees) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 2.1.4.1."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    path: list[bytes] = []
    start, end, whole = 0, second, True
    while first != end:
        k = _split(end - start)
        if first - start <= k:
            path.append(range_hash(start + k, end, subtree))
            end = start + k
        else:
            path.append(range_hash(start, start + k, subtree))
            start, whole = start + k, False
    if not whole:
        path.append(range_hash(start, end, subtree))
    return path[::-1]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """RFC 9162 2.1.3.2; raises :class:`ProofError` unless the proof holds."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of {size} entries")
    if any(len(h) != HASH_SIZE for h in (leaf, root_hash, *proof)):
        raise ProofError(f"an inclusion proof holds {HASH_SIZE}-byte hashes only")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if r != root_hash:
        raise ProofError(f"entry {index} is not included under this root of size {size}")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2; raises :class:`ProofError` unless the trees are consistent.

    A tree of size 0 proves nothing about any other, so ``first`` must be at least 1.
    """
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError(f"two different roots for the same size {first}")
        return
    if not proof:
        raise ProofError("an empty consistency proof between different sizes")
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProofError(f"the tree of size {second} does not extend the tree of size {first}")


class Frontier:
    """The right edge of a growing tree: one complete subtree per set bit of the size.

    :meth:`extend` (and :meth:`append`, one leaf) returns the complete subtrees each new
    leaf finishes, from ``min_level`` up, so the store can keep them for proofs and
    verification can compare them.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), largest first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        done: list[tuple[int, int, bytes]] = []
        self._push(0, leaf, done, 1)
        return done

    def extend(self, leaves: Sequence[bytes], min_level: int = 1) -> list[tuple[int, int, bytes]]:
        """Append ``leaves``; the complete subtrees of ``min_level`` and up they finish,
        as ``(level, idx, hash)``. The leaves go in as the largest aligned blocks that
        fit, each hashed a level at a time."""
        done: list[tuple[int, int, bytes]] = []
        pos, count = 0, len(leaves)
        while pos < count:
            size = self.size
            level = min((size & -size).bit_length() - 1 if size else 63,
                        (count - pos).bit_length() - 1)  # fmt: skip
            block = levels(leaves[pos : pos + (1 << level)])
            for lv in range(max(1, min_level), level + 1):
                first = size >> lv
                done += [(lv, first + i, h) for i, h in enumerate(block[lv])]
            self.size += (1 << level) - 1  # _push adds the last leaf's one
            self._push(level, block[level][0], done, min_level)
            pos += 1 << level
        return done

    def _push(
        self, level: int, h: bytes, done: list[tuple[int, int, bytes]], min_level: int
    ) -> None:
        """Add a complete subtree of ``level`` at the edge; merge equal levels."""
        self.size += 1
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            level, h = level + 1, node_hash(left, h)
            if level >= min_level:
                done.append((level, (self.size >> level) - 1, h))
        self._stack.append((level, h))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> Frontier:
        twin = Frontier()
        twin.size, twin._stack = self.size, list(self._stack)
        return twin

    @staticmethod
    def edge(size: int) -> list[tuple[int, int]]:
        """The complete subtrees whose hashes make the frontier of ``size`` leaves."""
        keys, start = [], 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                keys.append((level, start >> level))
                start += 1 << level
        return keys

    @classmethod
    def at(cls, size: int, subtree: Subtrees) -> Frontier:
        """The frontier of a stored tree of ``size`` leaves, from its complete subtrees."""
        frontier = cls()
        frontier._stack = [(level, subtree(level, idx)) for level, idx in cls.edge(size)]
        frontier.size = size
        return frontier
