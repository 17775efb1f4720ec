"""Proofs served from the store, and exports a third party verifies with no database.

An export is one JSON document: the node's verifier key, the signed checkpoint the
proofs lead to, and each entry's exact text with its inclusion proof under that
checkpoint. :func:`verify_export` needs only the document and a verifier key the
checker trusts (the one in the document is used only when none is given);
:func:`read_export` reads one from a file, refusing what is not one.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, open_note, parse_verifier_key, verifier_key
from accord.audit.cosignatures import cosignatures_of, with_lines
from accord.audit.errors import AuditError, BadCheckpoint, BadExport, ProofError, UnreadableExport
from accord.audit.keys import origin, public_key
from accord.audit.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    needed,
    verify_inclusion,
)
from accord.store import UnreadableDocument, Workspace, read_json

EXPORT_FORMAT = "accord-audit-export/1"


def latest_checkpoint(ws: Workspace) -> str:
    """The newest signed checkpoint, as note text with every witness's cosignature kept
    for it (what an auditor saves)."""
    with ws.engine.connect() as conn:
        row = repo.latest_checkpoint(conn)
        if row is None:
            raise AuditError("the audit log is empty: nothing has been checkpointed yet")
        size = int(row.size)
        return with_lines(str(row.note), cosignatures_of(conn, [size]).get(size, []))


def node_verifier_key(ws: Workspace) -> str:
    return verifier_key(origin(ws), public_key(ws))


def inclusion(ws: Workspace, index: int, size: int) -> list[bytes]:
    """The proof that entry ``index`` is in the tree of ``size`` entries (one query)."""
    keys = needed(lambda subtree: inclusion_proof(index, size, subtree))
    with repo.one_statement(ws.engine) as conn:
        return inclusion_proof(index, size, repo.subtrees(conn, keys))


def consistency(ws: Workspace, first: int, second: int) -> list[bytes]:
    """The proof that the tree of ``second`` entries extends the tree of ``first`` (one
    query)."""
    keys = needed(lambda subtree: consistency_proof(first, second, subtree))
    with repo.one_statement(ws.engine) as conn:
        return consistency_proof(first, second, repo.subtrees(conn, keys))


def export(ws: Workspace, start: int, end: int) -> dict[str, Any]:
    """Entries ``start <= index < end`` with inclusion proofs under the latest checkpoint."""
    note = latest_checkpoint(ws)
    name, key = origin(ws), public_key(ws)
    point = open_note(note, name, key)
    if not 0 <= start < end <= point.size:
        raise AuditError(f"entries {start} to {end - 1} are not all in the log "
                         f"(it holds 0 to {point.size - 1})")  # fmt: skip
    items = []
    with ws.engine.connect() as conn:
        for row in repo.entries(conn, start, end):
            keys = needed(lambda subtree: inclusion_proof(row.idx, point.size, subtree))  # noqa: B023
            proof = inclusion_proof(row.idx, point.size, repo.subtrees(conn, keys))
            items.append({"index": row.idx, "entry": row.entry,
                          "proof": [base64.b64encode(p).decode() for p in proof]})  # fmt: skip
    return {"format": EXPORT_FORMAT, "verifier_key": verifier_key(name, key),
            "checkpoint": note, "entries": items}  # fmt: skip


MAX_EXPORT_BYTES = 1 << 30
"""The largest export :func:`read_export` reads (it is read whole)."""


def read_export(path: Path) -> dict[str, Any]:
    """The export in the JSON file at ``path``; :class:`UnreadableExport` naming the file
    when it is not one (binary, truncated, another format)."""
    try:
        document = read_json(path, "audit export", MAX_EXPORT_BYTES)
    except UnreadableDocument as exc:
        raise UnreadableExport(str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise UnreadableExport(f"{path}: not an Accord audit export ({EXPORT_FORMAT})")
    return document


def verify_export(document: dict[str, Any], trusted_key: str | None = None) -> Checkpoint:
    """Check every entry of an export against its signed checkpoint; the checkpoint.

    :class:`BadExport` when something checked is wrong (a signature, a proof, an entry);
    :class:`UnreadableExport` when the document lacks what a check needs.
    """
    if document.get("format") != EXPORT_FORMAT:
        raise UnreadableExport(f"not an Accord audit export ({EXPORT_FORMAT})")
    shown, note, entries = (document.get(k) for k in ("verifier_key", "checkpoint", "entries"))
    if not isinstance(note, str) or not isinstance(entries, list):
        raise UnreadableExport("the export has no checkpoint text or no list of entries")
    if trusted_key is None and not isinstance(shown, str):
        raise UnreadableExport("the export holds no verifier key: pass the one you trust")
    name, key = parse_verifier_key(trusted_key or str(shown))
    try:
        point = open_note(note, name, key)
    except BadCheckpoint as exc:
        raise BadExport(f"its checkpoint: {exc}") from exc
    for position, item in enumerate(entries):
        _verify_entry(position, item, point)
    return point


def _verify_entry(position: int, item: object, point: Checkpoint) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("index"), int):
        raise UnreadableExport(f"entries[{position}] has no index")
    index, text = item["index"], item.get("entry")
    try:
        if not isinstance(text, str):
            raise TypeError("no entry text")
        claimed = json.loads(text)["index"]
        proof = [base64.b64decode(p, validate=True) for p in item["proof"]]
        verify_inclusion(index, point.size, leaf_hash(text.encode()), proof, point.root)
    except (ValueError, KeyError, TypeError, binascii.Error, ProofError) as exc:
        raise BadExport(f"entry {index} does not verify: {exc}") from exc
    if claimed != index:
        raise BadExport(f"entry {index} says it is entry {claimed}")
