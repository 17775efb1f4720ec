"""The explorer's reads of the log: entries filtered and paged, one entry with its
inclusion proof, and the signed checkpoints with every signature on them.

:func:`search` finds entries by when they were recorded, their event type, the agreement
they were under and who received the data, newest first, a page at a time. Pages are
keyed by entry index (``before``: the older page; ``after``: the newer), never by offset,
so a page of a log of millions reads only what it shows. The filters apply to an
entry's *body* (what the entries of one staged event share: everything but the person),
so the search walks bodies, newest first, found through the type and time index, and
reads each matching body's entries by primary key. A body is sieved in SQL (``LIKE`` on
the canonical JSON, ``"agreement":"dsa-1"``) and then checked exactly in Python.

:func:`proven_entry` gives an entry's exact text, its leaf hash and its RFC 9162
inclusion proof under the newest signed checkpoint, checked here before it is shown.
:func:`checkpoints` lists the signed checkpoints, newest first (:func:`newest_cosigned`
the newest a witness cosigned), each with its signature lines: the node's own
(verified with its key) and the witnesses' cosignatures kept beside it
(``cosignatures``: each verified with the witness's trust-list key when it arrived;
the exchange checks them again against the list in force). Reading the log uses no
personal data beyond the pseudonymous person keys the entries carry: nothing here is
recorded.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, key_id, open_note, signature_lines
from accord.audit.cosignatures import Cosigned, cosignatures_of, with_lines
from accord.audit.errors import AuditError, BadCheckpoint, BadQuery, LogInconsistent
from accord.audit.events import decode
from accord.audit.keys import origin, public_key
from accord.audit.log import MARKER
from accord.audit.log import _stamp as stamp
from accord.audit.merkle import leaf_hash, verify_inclusion
from accord.audit.models import Logged
from accord.audit.proofs import inclusion
from accord.store import Workspace

EXPLORER_PAGE = 25
MAX_VALUE = 200
RECIPIENT_FIELDS = ("recipient", "requester")
"""Who received the data, as each event type names them: a disclosure's or a share's
``recipient``, a decision's ``requester``."""


@dataclass(frozen=True)
class EntryFilter:
    """Which entries :func:`search` returns; each part left empty matches every entry."""

    since: datetime | None = None
    """Recorded at or after this (an aware time)."""
    until: datetime | None = None
    """Recorded before this (an aware time)."""
    types: frozenset[str] = frozenset()
    """Event type names (``records.disclosed``...): any of them."""
    agreement: str = ""
    """The agreement id the event names (exactly)."""
    recipient: str = ""
    """Who received the data: an organisation or node id (exactly)."""

    def __post_init__(self) -> None:
        for what, at in (("since", self.since), ("until", self.until)):
            if at is not None and at.tzinfo is None:
                raise BadQuery(f"give {what} as an aware time (UTC), not {at.isoformat()}")
        for what, value in (("agreement", self.agreement), ("recipient", self.recipient),
                            *(("event type", t) for t in self.types)):  # fmt: skip
            if len(value) > MAX_VALUE or not value.isprintable():
                raise BadQuery(f"the {what} must be one line of at most {MAX_VALUE} characters")

    def needles(self) -> list[list[str]]:
        """What the canonical JSON of a matching body holds: one of each group."""
        found = []
        if self.agreement:
            found.append([_pair("agreement", self.agreement)])
        if self.recipient:
            found.append([_pair(f, self.recipient) for f in RECIPIENT_FIELDS])
        return found

    def holds(self, event: dict[str, object]) -> bool:
        """Whether an event's fields match exactly (the SQL sieve is only a sieve)."""
        if self.agreement and event.get("agreement") != self.agreement:
            return False
        return not self.recipient or any(event.get(f) == self.recipient for f in RECIPIENT_FIELDS)


def _pair(key: str, value: str) -> str:
    return f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)}"


@dataclass(frozen=True)
class EntryPage:
    """A page of entries, newest first, and where the pages beside it start."""

    entries: tuple[Logged, ...]
    newer: int | None = None
    """Pass as ``after`` for the page of newer entries (None: there are none)."""
    older: int | None = None
    """Pass as ``before`` for the page of older entries (None: there are none)."""


def search(
    ws: Workspace,
    where: EntryFilter | None = None,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = EXPLORER_PAGE,
) -> EntryPage:
    """The entries matching ``where``, newest first: the newest ``limit`` of them below
    entry ``before`` (or of all), or the oldest ``limit`` above entry ``after``."""
    where = where or EntryFilter()
    if before is not None and after is not None:
        raise BadQuery("ask for the page before an entry or after one, not both")
    if limit < 1:
        raise BadQuery("a page holds at least one entry")
    with ws.engine.connect() as bodies, ws.engine.connect() as lookup:
        read = _Reader(bodies, lookup, where)
        if after is None:
            found = read.take(below=before, above=None, n=limit + 1)
            shown = found[:limit]
            older = shown[-1].index if len(found) > limit else None
            newer = shown[0].index if shown and read.take(None, shown[0].index, 1) else None
        else:
            found = read.take(below=None, above=after, n=limit + 1)
            shown = list(reversed(found[:limit]))
            newer = shown[0].index if len(found) > limit else None
            older = shown[-1].index if shown and read.take(shown[-1].index, None, 1) else None
    return EntryPage(tuple(shown), newer, older)


@dataclass
class _Reader:
    bodies: Connection
    lookup: Connection
    where: EntryFilter

    def take(self, below: int | None, above: int | None, n: int) -> list[Logged]:
        """Up to ``n`` matching entries between ``above`` and ``below`` (either open):
        newest first, or, with ``above``, oldest first."""
        descending = above is None
        start = below if descending else repo.body_of(self.lookup, above + 1)  # type: ignore[operator]
        found: list[Logged] = []
        with closing(self._bodies(start, descending)) as bodies:
            for body in bodies:
                rows = repo.body_entries(self.lookup, body, below=below, above=above,
                                         descending=descending, limit=n - len(found))  # fmt: skip
                found += [_logged(r) for r in rows]
                if len(found) >= n:
                    break
        return found

    def _bodies(self, start: int | None, descending: bool) -> Generator[repo.Body, None, None]:
        w = self.where
        between = (_stamp(w.since), _stamp(w.until))
        found = repo.matching_bodies(self.bodies, sorted(w.types), between, w.needles(),
                                     start=start, descending=descending)  # fmt: skip
        with closing(found):
            for body in found:
                if not (w.agreement or w.recipient) or w.holds(_event(body)):
                    yield body


def _event(body: repo.Body) -> dict[str, object]:
    """A body's event fields (the person's place filled with zeros in a bulk body)."""
    text = body.head if body.tail is None else f"{body.head}{MARKER}{body.tail}"
    found = json.loads(text)
    return found if isinstance(found, dict) else {}


def _logged(row: repo.Stored) -> Logged:
    entry = json.loads(row.entry)
    at = datetime.fromisoformat(entry["recorded_at"].replace("Z", "+00:00"))
    return Logged(row.idx, at, decode(row.type, json.dumps(entry["event"])))


def _stamp(at: datetime | None) -> str | None:
    return None if at is None else stamp(at)  # the one spelling the log writes


@dataclass(frozen=True)
class ProvenEntry:
    """One entry, the exact text the log hashed, and the proof that it is in the log the
    node signed (checked before it is handed out)."""

    logged: Logged
    text: str
    leaf: bytes
    checkpoint: Checkpoint
    note: str
    proof: tuple[bytes, ...]


def proven_entry(ws: Workspace, index: int) -> ProvenEntry:
    """Entry ``index`` with its inclusion proof under the newest signed checkpoint;
    :class:`AuditError` when the log holds no such entry; :class:`LogInconsistent`,
    :class:`ProofError` or :class:`BadCheckpoint` when the entry, its proof or the
    checkpoint does not hold: the log was altered."""
    with ws.engine.connect() as conn:
        point_row = repo.latest_checkpoint(conn)
        rows = list(repo.entries(conn, index, index + 1)) if index >= 0 else []
    if point_row is None or not rows:
        raise AuditError(f"the audit log has no entry {index}")
    note = str(point_row.note)
    point = open_note(note, origin(ws), public_key(ws))
    row = rows[0]
    proof = inclusion(ws, index, point.size)
    hashed = leaf_hash(row.entry.encode())
    if hashed != row.leaf_hash:
        raise LogInconsistent(f"entry {index} was changed: its text no longer hashes to its "
                              "leaf", entry=index)  # fmt: skip
    verify_inclusion(index, point.size, hashed, proof, point.root)
    return ProvenEntry(_logged(row), row.entry, hashed, point, note, tuple(proof))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a checkpoint note."""

    name: str
    key_id: str
    """The key id, 8 hex digits."""
    node: bool
    """Made with this node's own key, and verified with it; else another key's (a
    witness's cosignature)."""
    witness: str = ""
    """A kept cosignature's witness (its node id); empty for any other line."""
    cosigned_at: datetime | None = None
    """When a kept cosignature says it was made."""
    line: str = ""
    """The signature line itself."""


@dataclass(frozen=True)
class Checkpointed:
    """A stored signed checkpoint: its values, its note, and the signatures on it."""

    checkpoint: Checkpoint
    note: str
    """The note the node signed, with every cosignature kept for it."""
    verified: bool
    """Whether the node's signature verifies with the node's key (else the values are
    the note's, unverified: the note or the key was changed)."""
    signatures: tuple[NoteSignature, ...] = field(default=())

    @property
    def cosignatures(self) -> tuple[NoteSignature, ...]:
        return tuple(s for s in self.signatures if not s.node)


@dataclass(frozen=True)
class CheckpointPage:
    """A page of checkpoints, newest first, and where the pages beside it start."""

    checkpoints: tuple[Checkpointed, ...]
    newer: int | None = None
    """Pass as ``after`` for newer checkpoints (a size; None: there are none)."""
    older: int | None = None
    """Pass as ``before`` for older checkpoints (a size; None: there are none)."""


def checkpoints(
    ws: Workspace, *, before: int | None = None, after: int | None = None,
    limit: int = EXPLORER_PAGE,
) -> CheckpointPage:  # fmt: skip
    """The signed checkpoints, newest first: the ``limit`` newest of size below
    ``before`` (or of all), or the ``limit`` oldest of size above ``after``."""
    if before is not None and after is not None:
        raise BadQuery("ask for the page before a checkpoint or after one, not both")
    if limit < 1:
        raise BadQuery("a page holds at least one checkpoint")
    name, key = origin(ws), public_key(ws)
    with ws.engine.connect() as conn:
        rows = repo.checkpoint_rows(conn, below=before, above=after, limit=limit)
        kept = cosignatures_of(conn, [int(r.size) for r in rows])
        shown = tuple(_checkpointed(r, name, key, kept.get(int(r.size), [])) for r in rows)
        newest, oldest = (rows[0].size, rows[-1].size) if rows else (None, None)
        newer = newest if rows and repo.checkpoint_rows(conn, below=None, above=newest,
                                                        limit=1) else None  # fmt: skip
        older = oldest if rows and repo.checkpoint_rows(conn, below=oldest, above=None,
                                                        limit=1) else None  # fmt: skip
    return CheckpointPage(shown, newer, older)


def _checkpointed(
    row: Any, name: str, key: Ed25519PublicKey, cosigned: list[Cosigned]
) -> Checkpointed:
    """A stored checkpoint: the note's values once the node's signature verifies; else
    the row's (what the store claims, unverified)."""
    note = with_lines(str(row.note), cosigned)
    try:
        point, verified = open_note(note, name, key), True
    except BadCheckpoint:
        point = Checkpoint(name, int(row.size), bytes(row.root), row.signed_at)
        verified = False
    own = key_id(name, key)
    by_line = {c.line: c for c in cosigned}
    signatures = []
    for signer, kid, _, line in signature_lines(note):
        held = by_line.get(line)
        signatures.append(NoteSignature(
            signer, kid.hex(), verified and signer == name and kid == own,
            witness=held.witness if held else "", cosigned_at=held.cosigned_at if held else None,
            line=line,
        ))  # fmt: skip
    return Checkpointed(point, note, verified, tuple(signatures))


def newest_cosigned(ws: Workspace) -> Checkpointed | None:
    """The newest checkpoint a witness cosigned, if any is (the newest checkpoint itself
    is often not yet: recording a cosignature appends an entry, and so a checkpoint)."""
    with ws.engine.connect() as conn:
        size = repo.newest_cosigned(conn)
    if size is None:
        return None
    found = checkpoints(ws, before=size + 1, limit=1).checkpoints
    return found[0] if found else None
