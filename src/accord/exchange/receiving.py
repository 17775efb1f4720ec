"""A share or lookup on the recipient: asked, verified, kept with its provenance.

:func:`receive` sends a :class:`~accord.exchange.models.ShareRequest` to a peer and
streams the answer into a scratch file, hashed as it arrives; only when the peer's
signature and the body's digest verify is the file converted to Parquet (a batch at a
time) and kept as a new snapshot of this node (``sources.adopt``) named after the
provider and its dataset (``hospital.admissions``), with the provider's node id, the
agreement, the request and the time as its source, the lineage (``catalog``: the
provider's dataset in, this node's snapshot out) and ``exchange.received`` in the log.
A refused, failed, cut-short or altered answer leaves nothing behind. :func:`look_up`
asks for one person and records the answer's receipt. :func:`shares_log` lists the shares
this node served and received, from its log.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from accord import audit
from accord.catalog import DatasetRef, Job, node_namespace, record_derivation, snapshot_ref
from accord.exchange import trust
from accord.exchange.errors import BadPeerResponse
from accord.exchange.events import Received as ReceivedEvent
from accord.exchange.models import LookupAnswer, LookupRequest, ShareRequest
from accord.exchange.sharing import MEDIA_TYPES
from accord.sources import SnapshotInfo, adopt
from accord.store import Workspace, check_output

if TYPE_CHECKING:
    from accord.exchange.client import Client

SHARES = "/api/v1/shares"
LOOKUPS = "/api/v1/lookups"


@dataclass(frozen=True)
class Delivered:
    """What a share brought: the snapshot kept, and what the provider said."""

    provider: str
    agreement: str
    dataset: str
    snapshot: SnapshotInfo
    records: int
    bytes: int
    format: str
    request: str
    out: Path | None


def receive(
    client: Client,
    peer: str,
    request: ShareRequest,
    *,
    fmt: str = "arrow",
    idempotency_key: str | None = None,
    out: Path | None = None,
    force: bool = False,
) -> Delivered:
    """Ask ``peer`` for ``request`` and keep the verified answer (module docstring)."""
    ws = client.ws
    target = check_output(out, force=force) if out is not None else None
    member = trust.member(client.trust_list, peer)
    key = idempotency_key or uuid.uuid4().hex
    headers = {"Accept": MEDIA_TYPES[fmt].split(";")[0], "Idempotency-Key": key,
               "Content-Type": "application/json"}  # fmt: skip
    body = request.model_dump_json(exclude_none=True).encode()
    with ws.scratch() as scratch:
        raw = scratch / f"answer.{fmt}"
        _, size = client.download(peer, SHARES, body, raw, headers)
        parquet = scratch / "received.parquet"
        records = _to_parquet(raw, parquet, fmt, member.node_id)
        name = f"{member.org}.{request.dataset}"
        source = (f"{member.node_id} ({member.name}) {SHARES} agreement "
                  f"{request.context.agreement} request {key}")  # fmt: skip
        if target is not None:
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
            shutil.copyfile(raw, partial)
            partial.chmod(0o600)
        snapshot = adopt(ws, parquet, name, source=source, source_kind="exchange")
        if target is not None:
            partial.replace(target)
    _lineage(client, member.org, member.node_id, request, snapshot, key)
    audit.record(ws, ReceivedEvent(
        kind="share", agreement=request.context.agreement, recipient=client.node_id,
        provider=member.node_id, dataset=request.dataset, records=records, bytes=size,
        format=fmt, request=key,
    ))  # fmt: skip
    return Delivered(member.node_id, request.context.agreement, request.dataset, snapshot,
                    records, size, fmt, key, target)  # fmt: skip


def _to_parquet(raw: Path, parquet: Path, fmt: str, peer: str) -> int:
    """The answer as Parquet, a batch at a time; its rows. A body that is not what its
    media type says is refused naming the peer (nothing is kept)."""
    rows = 0
    try:
        if fmt == "arrow":
            reader: Any = ipc.open_stream(pa.OSFile(str(raw), "rb"))
        else:
            # Every column as text: a CSV carries no types, and a value must arrive as sent.
            header = pacsv.open_csv(raw).schema.names
            reader = pacsv.open_csv(
                raw,
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string())
                ),
            )
        with pq.ParquetWriter(parquet, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadPeerResponse(f"{peer}'s answer is not {fmt} ({exc}); nothing was kept") from None
    return rows


def _lineage(
    client: Client,
    org: str,
    node_id: str,
    request: ShareRequest,
    snapshot: SnapshotInfo,
    key: str,
) -> None:
    ws = client.ws
    record_derivation(
        ws.engine,
        Job(node_namespace(ws), "exchange.receive"),
        [DatasetRef(f"accord://{org}", request.dataset)],
        [snapshot_ref(ws, snapshot.dataset, snapshot.version)],
        facets={"accordShare": {
            "provider": node_id, "providerOrg": org, "agreement": request.context.agreement,
            "purpose": request.context.purpose, "role": request.context.role,
            "case": request.context.case, "request": key,
            "receivedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        }},
    )  # fmt: skip


def look_up(
    client: Client, peer: str, request: LookupRequest, *, idempotency_key: str | None = None
) -> LookupAnswer:
    """One person's records from ``peer``, verified; the receipt recorded."""
    member = trust.member(client.trust_list, peer)
    key = idempotency_key or uuid.uuid4().hex
    body = request.model_dump_json(exclude_none=True).encode()
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    response = client.request(peer, "POST", LOOKUPS, body, headers)
    try:
        answer = LookupAnswer.model_validate_json(response.content)
    except ValueError as exc:
        raise BadPeerResponse(f"{peer}'s answer is not a lookup answer: {exc}") from None
    audit.record(client.ws, ReceivedEvent(
        kind="lookup", agreement=request.context.agreement, recipient=client.node_id,
        provider=member.node_id, dataset=request.dataset, records=len(answer.records),
        bytes=len(response.content), format="json", request=key,
    ))  # fmt: skip
    return answer


def shares_log(ws: Workspace) -> list[dict[str, Any]]:
    """Every share and lookup this node served or received, oldest first, from its log."""
    found: list[dict[str, Any]] = []
    for entry in audit.entries(ws):
        if entry.event.name in ("exchange.served", "exchange.received"):
            fields = entry.event.fields()
            direction = "served" if entry.event.name == "exchange.served" else "received"
            found.append({"at": entry.at.isoformat(timespec="seconds"),
                          "direction": direction, **fields})  # fmt: skip
    return found
