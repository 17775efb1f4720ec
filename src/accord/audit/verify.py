"""``accord audit verify``: recompute the log from its leaves and check every signature.

One pass over the stored leaves in order: each leaf's hash is recomputed from its text,
the text must name its own position and type, and the tree is rebuilt alongside. Each
complete subtree the store keeps for proofs is compared with the rebuilt one, and at
each checkpoint's size (the node's own, and any an auditor saved elsewhere) the rebuilt
root must equal the signed one. Consecutive checkpoints are then joined by consistency
proofs served from the store. The first disagreement stops the check and is named.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from binascii import hexlify
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, open_note, parse
from accord.audit.errors import AuditError, BadCheckpoint, LogInconsistent, ProofError
from accord.audit.events import LogVerified, audited
from accord.audit.keys import origin, public_key
from accord.audit.log import record as append
from accord.audit.merkle import Frontier, consistency_proof, needed, verify_consistency
from accord.store import Workspace


@dataclass(frozen=True)
class Verified:
    """What a passing verification covered."""

    size: int
    root: bytes
    checkpoints: int
    saved: int


@dataclass
class _Expected:
    root: bytes
    what: str
    since: int  # the size of the previous checkpoint: the entries in question start here


@audited(LogVerified)
def verify(
    ws: Workspace,
    saved: Iterable[str] = (),
    *,
    sources: Sequence[str] = (),
    record: bool = False,
) -> Verified:
    """Check the log; raises :class:`LogInconsistent` naming the first entry that disagrees.

    ``saved`` are checkpoint notes an auditor kept; ``sources`` names them in messages
    (their files). One that is not a checkpoint of this log cannot be checked
    (:class:`BadCheckpoint`); one of this log not signed by the node's key is a failure
    (:class:`LogInconsistent`): the key was changed, or the note was. With ``record``, a
    pass is recorded in the log itself (``log.verified``), after the check and only when
    it passed; without, nothing is written (a read-only auditor).
    """
    name, key = origin(ws), public_key(ws)
    notes = list(saved)
    names = [sources[i] if i < len(sources) else f"saved checkpoint {i + 1}"
             for i in range(len(notes))]  # fmt: skip
    saved_points = [_saved(n, where, name, key) for n, where in zip(notes, names, strict=True)]
    with ws.engine.connect() as conn:
        one_snapshot(conn)
        stored = _stored_checkpoints(conn, name, key)
        expected = _expectations(stored, saved_points)
        frontier = _rebuild(conn, expected)
        size = frontier.size
        head = repo.head_size(conn)
        if head != size:
            raise LogInconsistent(
                f"entry {min(size, head or 0)}: the log's head says {head} entries but "
                f"{size} are stored (entries were removed or added outside the log)",
                entry=min(size, head or 0),
            )
        for wanted, exp in sorted(expected.items()):
            if wanted > size:
                raise LogInconsistent(
                    f"entry {size}: {exp.what} covers {wanted} entries but the log holds "
                    f"only {size} (the log was truncated)", entry=size,
                )  # fmt: skip
        _consistent(conn, [*stored, *saved_points])
    done = Verified(size=size, root=frontier.root(), checkpoints=len(stored),
                    saved=len(saved_points))  # fmt: skip
    if record:
        append(ws, LogVerified(size=done.size, root=done.root.hex(),
                               checkpoints=done.checkpoints, passed=True))  # fmt: skip
    return done


def _saved(note: str, where: str, name: str, key: Any) -> Checkpoint:
    text, blank, _ = note.partition("\n\n")
    try:
        if not blank:
            raise BadCheckpoint("no blank line between text and signatures")
        body = parse(text + "\n")
    except BadCheckpoint as exc:
        raise BadCheckpoint(f"{where}: not a signed checkpoint ({exc})") from None
    if body.origin != name:
        raise BadCheckpoint(f"{where}: the checkpoint of another log ({body.origin!r}; this "
                            f"node's is {name!r})")  # fmt: skip
    try:
        return open_note(note, name, key)
    except BadCheckpoint as exc:
        raise LogInconsistent(f"{where}: {exc} with this node's key (the node's key was "
                              "changed, or the checkpoint was)") from exc  # fmt: skip


def one_snapshot(conn: Connection) -> None:
    """Make every read on ``conn`` see the store as it was at the first, whatever is
    appended meanwhile: repeatable read on PostgreSQL; on SQLite (whose driver starts a
    transaction only before a write) an explicit read transaction, one WAL snapshot."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def _stored_checkpoints(conn: Connection, name: str, key: Any) -> list[Checkpoint]:
    points = []
    for row in repo.checkpoints(conn):
        try:
            point = open_note(row.note, name, key)
        except AuditError as exc:
            raise LogInconsistent(f"the checkpoint at size {row.size}: {exc}",
                                  entry=int(row.size)) from exc  # fmt: skip
        if point.size != row.size or point.root != bytes(row.root):
            raise LogInconsistent(
                f"the checkpoint at size {row.size} was altered: its row disagrees with its "
                "signed note",
                entry=int(row.size),
            )
        points.append(point)
    return points


def _expectations(stored: list[Checkpoint], saved: list[Checkpoint]) -> dict[int, _Expected]:
    sizes = sorted({p.size for p in stored} | {p.size for p in saved})
    since = dict(zip(sizes, [0, *sizes[:-1]], strict=True)) if sizes else {}
    expected: dict[int, _Expected] = {}
    for point in stored:
        expected[point.size] = _Expected(point.root, "the node's signed checkpoint", 0)
    for point in saved:
        known = expected.get(point.size)
        if known is not None and known.root != point.root:
            raise LogInconsistent(
                f"entry {point.size - 1}: a saved checkpoint and the node's own disagree at "
                f"size {point.size} (the log was rewritten: a fork)", entry=point.size - 1,
            )  # fmt: skip
        expected[point.size] = _Expected(point.root, "a checkpoint saved by an auditor", 0)
    for size, exp in expected.items():
        exp.since = since[size]
    return expected


def _rebuild(conn: Connection, expected: dict[int, _Expected]) -> Frontier:
    """Rebuild the tree from the leaves, a page at a time, checking each leaf, the
    stored subtrees and the root at each checkpoint's size."""
    frontier = Frontier()
    marks = sorted(expected)
    for page, bodies in repo.pages(conn):
        leaves = _leaves(page, bodies, frontier.size)
        built: list[tuple[int, int, bytes]] = []
        base, pos = frontier.size, 0
        while pos < len(leaves):
            later = [m - base for m in marks if base + pos < m < base + len(leaves)]
            stop = min(later, default=len(leaves))
            built += frontier.extend(leaves[pos:stop], repo.NODE_LEVEL)
            pos = stop
            exp = expected.get(frontier.size)
            if exp is not None and frontier.root() != exp.root:
                _check_nodes(conn, built)  # names the very entries when the subtrees still can
                raise LogInconsistent(
                    f"entries {exp.since} to {frontier.size - 1} do not agree with {exp.what} "
                    f"at size {frontier.size}: one of them was changed, removed or reordered",
                    entry=exp.since,
                )
        _check_nodes(conn, built)
    return frontier


def _leaves(page: list[tuple[Any, ...]], bodies: dict[int, repo.Body], first: int) -> list[bytes]:
    """The page's leaf hashes, each recomputed from its text and checked against the
    stored one. Entries come in runs sharing a body; each run's texts are rebuilt and
    hashed in one comprehension (this is the loop a million entries go through)."""
    if [r[0] for r in page] != list(range(first, first + len(page))):
        missing = next(i for i, r in enumerate(page, start=first) if r[0] != i)
        raise LogInconsistent(f"entry {missing} is missing (the next stored is "
                              f"{page[missing - first][0]})", entry=missing)  # fmt: skip
    sha, leaves = hashlib.sha256, list[bytes]()
    for body_id, grouped in itertools.groupby(page, key=itemgetter(1)):
        run = list(grouped)
        body = bodies.get(body_id)
        if body is None:
            raise LogInconsistent(f"entry {run[0][0]} was changed: the body it names is "
                                  "missing", entry=run[0][0])  # fmt: skip
        head, tail, end = body.prefix, f'{body.tail},"index":', body.suffix
        if body.tail is None:
            head, tail = f'{body.prefix},"index":', ""
        whole = itemgetter(4)
        if tail and not any(map(whole, run)) and None not in map(itemgetter(2), run):
            found = _spliced(run, head, tail, end)
        else:
            found = [sha(b"\x00" + _text(r, body, head, tail, end).encode()).digest() for r in run]
        if found != [r[3] for r in run]:
            changed = next(r[0] for r, h in zip(run, found, strict=True) if h != r[3])
            raise LogInconsistent(f"entry {changed} was changed: its text does not hash to its "
                                  "leaf", entry=changed)  # fmt: skip
        leaves += found
    return leaves


def _spliced(run: list[tuple[Any, ...]], head: str, tail: str, end: str) -> list[bytes]:
    """Leaf hashes of a run of entries spliced from one body: the hash is started once
    over the whole 64-byte blocks of what they all begin with, then copied for each."""
    start = b"\x00" + head.encode()
    cut = len(start) - len(start) % 64
    begun, rest, after, end_bytes = (
        hashlib.sha256(start[:cut]),
        start[cut:],
        tail.encode(),
        end.encode(),
    )
    found = []
    for idx, _, person, _, _ in run:
        h = begun.copy()
        h.update(b"%b%b%b%d%b" % (rest, hexlify(person), after, idx, end_bytes))
        found.append(h.digest())
    return found


def _text(row: tuple[Any, ...], body: repo.Body, head: str, tail: str, end: str) -> str:
    idx, _, person, _, whole = row
    if whole is not None:
        return _whole(idx, whole, body)
    key = person.hex() if tail and person is not None else ""
    return f"{head}{key}{tail}{idx}{end}"


def _whole(idx: int, text: str, body: repo.Body | None) -> str:
    """An entry kept whole must still name its own position and type."""
    try:
        entry = json.loads(text)
    except ValueError as exc:
        raise LogInconsistent(f"entry {idx} is not JSON", entry=idx) from exc
    if not isinstance(entry, dict) or entry.get("index") != idx:
        claimed = entry.get("index") if isinstance(entry, dict) else None
        raise LogInconsistent(f"entry {idx} says it is entry {claimed}: the log was reordered "
                              "or renumbered", entry=idx)  # fmt: skip
    if body is None or entry.get("type") != body.type:
        raise LogInconsistent(f"entry {idx}: its type was changed", entry=idx)
    return text


def _check_nodes(conn: Connection, built: list[tuple[int, int, bytes]]) -> None:
    """The stored subtrees agree with the rebuilt ones (else a proof would be false)."""
    if not built:
        return
    built = sorted(built)
    spans: dict[int, tuple[int, int]] = {}
    for level, idx, _ in built:  # in order: each level's first and last
        spans[level] = (spans.get(level, (idx, idx))[0], idx)
    stored = [(int(lv), int(i), bytes(h)) for lv, i, h in repo.nodes_between(conn, spans)]
    if stored == built:
        return
    found = {(lv, i): h for lv, i, h in stored}
    for level, idx, h in sorted(built, key=lambda node: (node[1] << node[0], node[0])):
        if found.get((level, idx)) != h:
            first = idx << level
            raise LogInconsistent(
                f"entry {first}: the stored subtree of entries {first} to "
                f"{((idx + 1) << level) - 1} disagrees with them (proofs would be false)",
                entry=first,
            )


def _consistent(conn: Connection, points: list[Checkpoint]) -> None:
    """Each checkpoint extends the one before it, by a proof served from the store."""
    ordered = sorted({(p.size, p.root) for p in points if p.size > 0})
    for (first, root1), (second, root2) in itertools.pairwise(ordered):
        try:
            keys = needed(lambda subtree: consistency_proof(first, second, subtree))  # noqa: B023
            proof = consistency_proof(first, second, repo.subtrees(conn, keys))
            verify_consistency(first, second, root1, root2, proof)
        except ProofError as exc:
            raise LogInconsistent(
                f"entry {first}: the checkpoints at sizes {first} and {second} are not "
                f"consistent: {exc}",
                entry=first,
            ) from exc
