"""Agreement versions and their status history, and the peer key registry, in the SQL store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.agreements.lifecycle import effective_status
from accord.agreements.models import Agreement, Status
from accord.agreements.signing import digest
from accord.store import agreement_events, agreements, peers


@dataclass(frozen=True)
class StoredAgreement:
    """An agreement version as this node holds it, with its recorded status."""

    agreement: Agreement
    status: Status
    digest: str
    created_at: datetime
    updated_at: datetime
    row: int

    def status_on(self, on: date) -> Status:
        """The status on ``on`` (active past its expiry date counts as expired)."""
        return effective_status(self.status, self.agreement.dates, on)


@dataclass(frozen=True)
class Event:
    """One lifecycle step of one version."""

    version: int
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    detail: str | None


def _stored(row: sa.Row[tuple[object, ...]]) -> StoredAgreement:
    m = row._mapping
    return StoredAgreement(
        agreement=Agreement.model_validate_json(str(m["document"])),
        status=Status(m["status"]), digest=str(m["digest"]),
        created_at=m["created_at"], updated_at=m["updated_at"], row=int(m["id"]),
    )  # fmt: skip


def find(conn: Connection, agreement_id: str, version: int) -> StoredAgreement | None:
    row = conn.execute(
        sa.select(agreements).where(
            agreements.c.agreement_id == agreement_id, agreements.c.version == version
        )
    ).first()
    return _stored(row) if row is not None else None


def versions(conn: Connection, agreement_id: str) -> list[StoredAgreement]:
    """Every version of one agreement, oldest first."""
    rows = conn.execute(
        sa.select(agreements)
        .where(agreements.c.agreement_id == agreement_id)
        .order_by(agreements.c.version)
    )
    return [_stored(r) for r in rows]


def every_version(conn: Connection) -> list[StoredAgreement]:
    """Every version of every agreement, by id then version."""
    rows = conn.execute(
        sa.select(agreements).order_by(agreements.c.agreement_id, agreements.c.version)
    )
    return [_stored(r) for r in rows]


def in_party_order(agreement: Agreement) -> Agreement:
    """``agreement`` with its signatures in the order of its parties, so that every party's
    node holds the same document whatever order the signatures reached it in."""
    rank = {p.org: i for i, p in enumerate(agreement.parties)}
    ordered = sorted(agreement.signatures, key=lambda s: (rank.get(s.org, len(rank)), s.org))
    if ordered == agreement.signatures:
        return agreement
    return agreement.model_copy(update={"signatures": ordered})


def _values(agreement: Agreement, status: Status, now: datetime) -> dict[str, object]:
    agreement = in_party_order(agreement)
    return {
        "agreement_id": agreement.id, "version": agreement.version, "title": agreement.title,
        "status": status.value, "digest": digest(agreement),
        "document": agreement.model_dump_json(exclude_defaults=True),
        "start_date": agreement.dates.start, "expiry_date": agreement.dates.expiry,
        "updated_at": now,
    }  # fmt: skip


def insert(
    conn: Connection, agreement: Agreement, status: Status, action: str, now: datetime
) -> None:
    row = conn.execute(
        agreements.insert().returning(agreements.c.id),
        {**_values(agreement, status, now), "created_at": now},
    ).scalar_one()
    _event(conn, row, now, action, None, status, None)


def update(
    conn: Connection,
    stored: StoredAgreement,
    agreement: Agreement,
    status: Status,
    action: str,
    now: datetime,
    detail: str | None = None,
) -> None:
    conn.execute(
        agreements.update()
        .where(agreements.c.id == stored.row)
        .values(_values(agreement, status, now))
    )
    _event(conn, stored.row, now, action, stored.status, status, detail)


def _event(
    conn: Connection,
    row: int,
    at: datetime,
    action: str,
    from_status: Status | None,
    to_status: Status,
    detail: str | None,
) -> None:
    conn.execute(
        agreement_events.insert(),
        {"agreement_row": row, "at": at, "action": action,
         "from_status": from_status.value if from_status else None,
         "to_status": to_status.value, "detail": detail},
    )  # fmt: skip


def events(conn: Connection, agreement_id: str) -> list[Event]:
    """The status history of every version of one agreement, in order."""
    query = (
        sa.select(agreements.c.version, agreement_events)
        .join(agreements, agreements.c.id == agreement_events.c.agreement_row)
        .where(agreements.c.agreement_id == agreement_id)
        .order_by(agreement_events.c.id)
    )
    return [
        Event(r.version, r.at, r.action, r.from_status, r.to_status, r.detail)
        for r in conn.execute(query)
    ]


@dataclass(frozen=True)
class PeerRow:
    """A partner's key as the registry holds it (``public_key``: base64 of the raw bytes)."""

    org: str
    public_key: str
    key_id: str
    added_by: str
    added_at: datetime


def peer_rows(conn: Connection) -> list[PeerRow]:
    rows = conn.execute(sa.select(peers).order_by(peers.c.org))
    return [PeerRow(r.org, r.public_key, r.key_id, r.added_by, r.added_at) for r in rows]


def find_peer(conn: Connection, org: str) -> PeerRow | None:
    r = conn.execute(sa.select(peers).where(peers.c.org == org)).first()
    return None if r is None else PeerRow(r.org, r.public_key, r.key_id, r.added_by, r.added_at)


def put_peer(conn: Connection, row: PeerRow, replace: bool) -> None:
    if replace:
        conn.execute(peers.delete().where(peers.c.org == row.org))
    conn.execute(peers.insert(), row.__dict__)


def delete_peer(conn: Connection, org: str) -> None:
    conn.execute(peers.delete().where(peers.c.org == org))
