"""Witnesses' cosignatures on this node's checkpoints: checked, kept beside them, read back.

A witness (another node of the federation) fetches this node's newest checkpoint,
checks that it extends the last one it saw, and sends back a C2SP cosignature: one more
signature line for the note (``checkpoint.cosign`` makes and checks one). The node's
own note is never rewritten: :func:`add_cosignature` keeps each line in its own row,
beside the checkpoint it names, once it verifies over exactly the note the node signed
for that size and root, with the key the caller vouches for (the exchange gives the
witness's key from the trust list), and records ``checkpoint.cosigned``. One line is
kept per checkpoint and witness key: the first; the same witness cosigning again
changes nothing. :func:`cosigned_note` is a stored note with every line kept for it,
what the node serves and an auditor saves.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import COSIGNATURE_V1, key_id, open_cosignature, open_note
from accord.audit.errors import (
    BadCheckpoint,
    BadCosignature,
    LogInconsistent,
    UnknownCheckpoint,
)
from accord.audit.events import CheckpointCosigned, audited
from accord.audit.keys import origin, public_key
from accord.audit.log import transaction
from accord.store import Workspace

MAX_LINE = 1_000
"""Characters of one cosignature line (an Ed25519 one is a name and 104 characters)."""


@dataclass(frozen=True)
class Cosigned:
    """A witness's cosignature kept beside one of this node's checkpoints."""

    size: int
    witness: str
    """The witness's node id."""
    name: str
    """The witness's key name."""
    key_id: str
    """Its key id, 8 hex digits."""
    cosigned_at: datetime
    line: str
    added: bool = True
    """False when a cosignature by the same key was already kept (it stays, unchanged)."""


def _cosigned(row: Any, added: bool = True) -> Cosigned:
    return Cosigned(int(row.size), str(row.witness), str(row.name), str(row.key_id),
                    row.cosigned_at, str(row.line), added)  # fmt: skip


def _signed_note(conn: Connection, ws: Workspace, size: int, root: bytes) -> str:
    """The note this node signed for (``size``, ``root``), its own signature checked."""
    row = repo.checkpoint_at(conn, size)
    if row is None or bytes(row.root) != root:
        raise UnknownCheckpoint(f"this node signed no checkpoint of {size:,} entries with root "
                                f"{base64.b64encode(root).decode()}")  # fmt: skip
    note = str(row.note)
    try:
        open_note(note, origin(ws), public_key(ws))
    except BadCheckpoint as exc:
        raise LogInconsistent(f"the stored checkpoint of {size:,} entries no longer verifies "
                              f"with the node's key: {exc}") from None  # fmt: skip
    return note


@audited(CheckpointCosigned)
def add_cosignature(
    ws: Workspace, size: int, root: bytes, line: str, *, witness: str, name: str,
    key: Ed25519PublicKey,
) -> Cosigned:  # fmt: skip
    """Keep witness ``witness``'s cosignature ``line`` (key ``name``, ``key``) on this
    node's checkpoint of ``size`` entries and ``root``, recorded as ``checkpoint.cosigned``:
    :class:`UnknownCheckpoint` when the node signed no such checkpoint,
    :class:`BadCosignature` when the line does not verify over its note."""
    with ws.engine.connect() as conn:
        note = _signed_note(conn, ws, size, root)
    line = line.strip("\n")
    if len(line) > MAX_LINE or "\n" in line:
        raise BadCosignature(f"a cosignature is one signature line of at most {MAX_LINE} "
                             "characters")  # fmt: skip
    at = open_cosignature(note, line, name, key)
    kid = key_id(name, key, COSIGNATURE_V1).hex()
    values = {"size": size, "key_id": kid, "name": name, "witness": witness, "cosigned_at": at,
              "line": line, "received_at": datetime.now(UTC)}  # fmt: skip
    with transaction(ws) as tx:
        if repo.add_cosignature(tx.conn, **values):
            tx.record(CheckpointCosigned(size=size, root=base64.b64encode(root).decode(),
                                         witness=witness, key_name=name, key_id=kid,
                                         cosigned_at=at.isoformat()))  # fmt: skip
            return Cosigned(size, witness, name, kid, at, line)
    with ws.engine.connect() as conn:
        held = next(r for r in repo.cosignatures(conn, [size]) if r.key_id == kid)
    return _cosigned(held, added=False)


def cosignatures_of(conn: Connection, sizes: list[int]) -> dict[int, list[Cosigned]]:
    """The cosignatures kept for each checkpoint of ``sizes``."""
    found: dict[int, list[Cosigned]] = {}
    for row in repo.cosignatures(conn, sizes):
        found.setdefault(int(row.size), []).append(_cosigned(row))
    return found


def with_lines(note: str, cosigned: list[Cosigned]) -> str:
    """``note`` with each cosignature line added after its signatures (a line already on
    it is not added twice)."""
    held = set(note.splitlines())
    extra = [c.line for c in cosigned if c.line not in held]
    return note + "".join(f"{line}\n" for line in extra)


def cosigned_note(ws: Workspace, size: int) -> str:
    """The note of the checkpoint of ``size`` with every cosignature kept for it."""
    with ws.engine.connect() as conn:
        row = repo.checkpoint_at(conn, size)
        if row is None:
            raise UnknownCheckpoint(f"this node signed no checkpoint of {size:,} entries")
        return with_lines(str(row.note), cosignatures_of(conn, [size]).get(size, []))
