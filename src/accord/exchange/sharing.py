"""A share on the provider: one extract under an agreement, written once, kept for a retry.

:func:`serve_share` runs a :class:`~accord.exchange.models.ShareRequest` through the
seam (``terms``: the agreement's terms, the recorded decision, privacy's facts), then
``privacy.disclose_in`` (opt-outs withheld, fields minimised, identifiers pseudonymised,
one ``records.disclosed`` per person, committed with the extract), converts the extract
to the format asked for (Arrow IPC stream or CSV, a batch at a time) in a file hashed as
it is written, records the share's lineage (``catalog.record_derivation``) and
``exchange.served``, and answers with the file (the route streams it; the response's
signature covers its digest).

With an idempotency key (``idempotency``), the key is claimed in the store before
anything is decided: a retry of the same request gets the same file, byte for byte,
and nothing is decided, disclosed or recorded again.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from accord import audit, privacy
from accord.agreements import own_org
from accord.catalog import DatasetRef, Job, record_derivation, snapshot_ref
from accord.exchange import idempotency, terms
from accord.exchange.events import Served
from accord.exchange.models import Caller, ShareRequest, Subjects
from accord.exchange.problems import Refusal
from accord.exchange.signing import digest_field
from accord.sources import UnknownDataset, get_snapshot
from accord.store import Workspace, duckdb_connect

MEDIA_TYPES = {"arrow": "application/vnd.apache.arrow.stream", "csv": "text/csv; charset=utf-8"}
"""The formats a share is answered in, chosen by ``Accept``."""
_ACCEPTED = {
    "application/vnd.apache.arrow.stream": "arrow",
    "application/*": "arrow",
    "*/*": "arrow",
    "text/csv": "csv",
    "text/*": "csv",
}
_CHUNK = 1 << 16
_NO_SUBJECT = "-"
"""A value no standardised NHS number is: the filter when no pseudonym named is ours."""


@dataclass(frozen=True)
class Extract:
    """A share's answer: a file and what the response says about it."""

    path: Path
    media_type: str
    digest: str
    """Its ``Content-Digest`` field."""
    bytes: int
    records: int
    keep: bool
    """Kept for a retry (an idempotency key's answer); else removed once sent."""


def negotiate(accept: str | None) -> str:
    """The format ``accept`` asks for first (``arrow`` when it says nothing), or a
    ``not-acceptable`` refusal naming what this node answers in."""
    if not accept:
        return "arrow"
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in _ACCEPTED:
            return _ACCEPTED[media]
    raise Refusal(
        "not-acceptable",
        "a share is answered as application/vnd.apache.arrow.stream or text/csv",
    )


def serve_share(
    ws: Workspace, caller: Caller, request: ShareRequest, fmt: str, key: str | None, node_id: str
) -> Extract:
    """The answer to ``caller``'s share request (see the module docstring)."""
    fingerprint = idempotency.fingerprint("share", request.model_dump(mode="json"), fmt)
    if key is None:
        return _make(ws, caller, request, fmt, None, node_id)
    kept = idempotency.claim(ws, caller, key, "share", fingerprint)
    if kept is not None:
        offered = terms.terms_of(ws, request.context.agreement, request.dataset, own_org(ws))
        fields = tuple(request.fields) if request.fields else terms.record_fields(offered.offered)
        idempotency.still_permitted(ws, caller, request.context, request.dataset, fields)
        assert kept.file is not None
        assert kept.digest is not None
        assert kept.media_type is not None
        return Extract(ws.root / kept.file, kept.media_type, kept.digest, kept.bytes or 0,
                       kept.records or 0, keep=True)  # fmt: skip
    try:
        extract = _make(ws, caller, request, fmt, key, node_id)
    except BaseException:
        idempotency.release(ws, caller, key)
        raise
    idempotency.complete(
        ws, caller, key, file=extract.path.relative_to(ws.root).as_posix(),
        media_type=extract.media_type, digest=extract.digest, bytes=extract.bytes,
        records=extract.records,
    )  # fmt: skip
    return extract


def _make(
    ws: Workspace, caller: Caller, request: ShareRequest, fmt: str, key: str | None, node_id: str
) -> Extract:
    context, dataset = request.context, request.dataset
    under = terms.terms_of(ws, context.agreement, dataset, own_org(ws))
    fields = tuple(request.fields) if request.fields else terms.record_fields(under.offered)
    terms.check_terms(under.offered, fields, request.filters, caller.org)
    try:
        snap = get_snapshot(ws.engine, dataset)
    except UnknownDataset:
        snap = None
    rows = len(request.subjects.values) if request.subjects else (snap.rows if snap else 0)
    permit = terms.permitted(ws, caller, context, dataset, fields, rows=rows, terms=under)
    if snap is None:  # a permit needs a kitemark, which needs a snapshot: not reached
        raise Refusal("not-found", f"this node holds no snapshot of {dataset}")
    chosen = [terms.row_filter(f) for f in request.filters]
    if request.subjects is not None:
        chosen.append(_subjects(ws, snap.path, request.subjects, context.agreement))
    minimisation = privacy.Minimisation(
        permit.minimisation.fields, permit.minimisation.identifiers,
        (*permit.minimisation.rows, *chosen),
    )  # fmt: skip
    request_id = key or uuid.uuid4().hex
    with ws.scratch() as scratch:
        parquet = scratch / "extract.parquet"
        try:
            shared = privacy.disclose_in(ws, dataset, parquet, permit.disclosure, minimisation,
                                         permit.share, version=snap.version)  # fmt: skip
        except privacy.BadExtract as exc:
            raise Refusal("invalid-request", str(exc), requester=caller.org) from None
        path = answer_path(ws, caller.node_id, request_id, fmt)
        digest, size = _convert(parquet, path, fmt)
    _lineage(ws, caller, request, snap.version, request_id, shared.disclosed.rows_out)
    audit.record(ws, Served(
        kind="share", agreement=context.agreement, recipient=caller.node_id, provider=node_id,
        dataset=dataset, records=shared.disclosed.rows_out, bytes=size, format=fmt,
        request=request_id,
    ))  # fmt: skip
    return Extract(path, MEDIA_TYPES[fmt], digest, size, shared.disclosed.rows_out, key is not None)


def _subjects(
    ws: Workspace, snapshot: str, subjects: Subjects, agreement_id: str
) -> privacy.RowFilter:
    """The rows of the people named: by linkage id as they are; by pseudonym, the NHS
    numbers this node's own records have under the agreement's live keys (only the
    controller can tell)."""
    if subjects.kind == "linkage_id":
        return privacy.RowFilter("linkage_id", privacy.RowOperator.IN, tuple(subjects.values))
    secret = privacy.read_secret(ws.root / "keys")
    versions = privacy.live_versions(ws.engine, agreement_id)
    with duckdb_connect(ws) as conn:
        source = (ws.root / snapshot).as_posix().replace("'", "''")
        conn.execute(f"CREATE TEMP VIEW _own AS SELECT * FROM read_parquet('{source}')")
        found = privacy.reidentify(conn, "_own", "nhs_number", list(subjects.values),
                                   agreement_id, secret, versions)  # fmt: skip
    numbers = tuple(sorted(set(found.values()))) or (_NO_SUBJECT,)
    return privacy.RowFilter("nhs_number", privacy.RowOperator.IN, numbers)


def answer_path(ws: Workspace, caller: str, request_id: str, fmt: str) -> Path:
    """Where an answer is written: the node's own folder of answers, owner-only, named
    by a hash of the caller and the request (never by what a caller typed)."""
    folder = ws.root / "data" / "served"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = hashlib.sha256(f"{caller}\n{request_id}".encode()).hexdigest()
    return folder / f"{name}.{fmt}"


def _convert(parquet: Path, out: Path, fmt: str) -> tuple[str, int]:
    """Write ``parquet`` as ``fmt`` to ``out`` a batch at a time; its Content-Digest
    field and size (hashed as it is written, then read back once to be sure)."""
    partial = out.with_name(f".{out.name}.{uuid.uuid4().hex}.partial")
    source = pq.ParquetFile(parquet)
    schema = source.schema_arrow
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, pa.PythonFile(raw, mode="w") as sink:
            writer: ipc.RecordBatchStreamWriter | pacsv.CSVWriter
            if fmt == "arrow":
                writer = ipc.new_stream(sink, schema)
            else:
                writer = pacsv.CSVWriter(sink, schema)
            with writer:
                for batch in source.iter_batches(batch_size=_CHUNK):
                    writer.write_batch(batch)
            sink.flush()
            os.fsync(raw.fileno())
        digest, size = _hash(partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return digest, size


def _hash(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return digest_field(sha.digest()), size


def _lineage(
    ws: Workspace, caller: Caller, request: ShareRequest, version: int, request_id: str, rows: int
) -> None:
    """The share as a run: this node's snapshot in, the caller's copy out."""
    source = snapshot_ref(ws, request.dataset, version)
    received = DatasetRef(f"accord://{caller.org}", f"{own_org(ws)}.{request.dataset}")
    record_derivation(
        ws.engine,
        Job(source.namespace, "exchange.share"),
        [source],
        [received],
        facets={"accordShare": {
            "agreement": request.context.agreement, "recipient": caller.node_id,
            "recipientOrg": caller.org, "purpose": request.context.purpose,
            "role": request.context.role, "case": request.context.case,
            "request": request_id, "rows": rows,
        }},
    )  # fmt: skip
