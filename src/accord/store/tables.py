"""The SQL schema, one ``MetaData`` for every context.

Migrations under ``migrations/`` are written by hand and a test checks that they build
exactly this schema on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL.

    SQLite has no time zones and hands back naive values; they were stored as UTC, so
    they are marked as such on the way out, and naive values are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("path", Text, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("read_rows", BigInteger, nullable=False),
    Column("quarantined_rows", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_kind", String(40), nullable=False),
    Column("mapping", Text, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("dataset_id", "version", name="uq_snapshots_dataset_version"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False, index=True),
    Column("source_file", Text, nullable=False),
    Column("row_number", BigInteger, nullable=True),
    Column("column_name", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=True),
)

field_stats = Table(
    "field_stats",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), primary_key=True),
    Column("field", String(60), primary_key=True),
    Column("issue", String(60), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Per snapshot and field: ``issue`` ``'(present)'`` counts non-blank values read,
``'(standard)'`` values standardised, any other value counts that issue code."""

opt_outs = Table(
    "opt_outs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("scheme", String(60), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
    Index("ix_opt_outs_scheme_subject", "scheme", "subject"),
)
"""The opt-out registers, kept apart from any shared record and consulted at each
disclosure: per scheme, a keyed hash of the person's identifier to find them by, and the
identifier sealed (AES-GCM) for the disclosure to match rows against, never in clear."""

pseudonym_keys = Table(
    "pseudonym_keys",
    metadata,
    Column("agreement_id", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("retired_at", UTCDateTime(), nullable=True),
)
"""Each agreement's pseudonymisation key versions; the keys themselves derive from the
node's privacy secret and are never stored."""

quality_assessments = Table(
    "quality_assessments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False, index=True),
    Column("checklist", Text, nullable=False),
    Column("kitemark", String(20), nullable=False),
    Column("assessed_at", UTCDateTime(), nullable=False),
)
"""One run of a checklist over a snapshot (``checklist`` names the file, or the default)."""

quality_scores = Table(
    "quality_scores",
    metadata,
    Column("assessment_id", Integer, ForeignKey("quality_assessments.id"), primary_key=True),
    Column("dimension", String(20), primary_key=True),
    Column("score", Numeric(4, 1, asdecimal=False), nullable=True),
    Column("reason", Text, nullable=True),
)
"""Each of the six dimensions of an assessment: its score, or none and the reason why."""

quality_checks = Table(
    "quality_checks",
    metadata,
    Column("assessment_id", Integer, ForeignKey("quality_assessments.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("type", String(60), nullable=False),
    Column("dimension", String(20), nullable=False),
    Column("field", String(256), nullable=True),
    Column("total", BigInteger, nullable=False),
    Column("failed", BigInteger, nullable=False),
)
"""Each check of an assessment, in checklist order: ``failed`` of ``total`` failed it."""
ROWID = BigInteger().with_variant(Integer, "sqlite")
"""A 64-bit key that is SQLite's rowid itself (no second index)."""

audit_outbox = Table(
    "audit_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("type", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("people", LargeBinary, nullable=True),
)
"""Audit events staged in the transaction that caused them, waiting to be appended to the
log; a row exists if and only if its cause committed, so a crash loses no event. A row
is one event (``people`` null) or, for a bulk use, one event per person: ``body`` holds
the person's place as 64 zeros and ``people`` their keys, 32 bytes each."""

audit_bodies = Table(
    "audit_bodies",
    metadata,
    Column("id", ROWID, primary_key=True, autoincrement=False),
    Column("type", String(80), nullable=False),
    Column("head", Text, nullable=False),
    Column("tail", Text, nullable=True),
    Column("recorded_at", String(40), nullable=False),
    Column("visible_from", Date, nullable=True),
    Index("ix_audit_bodies_type_recorded_at", "type", "recorded_at"),
)
"""What the log's entries share: the event's type, its canonical JSON (split at the
person's key, ``head`` + key + ``tail``, when ``tail`` is set), the time written in the
entries, and the date from which the person may see them. One row per staged row, so a
bulk use of a million people stores its event once. Indexed by type and time, so the
events of a few types in a month (usage metering) are found without reading the rest."""

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("idx", ROWID, primary_key=True, autoincrement=False),
    Column("body", BigInteger, nullable=False),
    Column("person", LargeBinary, nullable=True),
    Column("person_tag", BigInteger, nullable=True),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("entry", Text, nullable=True),
    Index("ix_audit_entries_person_tag", "person_tag"),
)
"""The audit log's leaves. Each entry's text is canonical JSON naming its own index:
rebuilt from its body and ``person`` (the key's 32 bytes; its first 8 as a signed
integer, ``person_tag``, are the citizen view's index), or held whole in ``entry`` where
it could not be (an entry carried over from an older store as it was). ``leaf_hash``
is SHA-256(0x00 || text). Append-only (triggers refuse UPDATE and DELETE)."""

audit_nodes = Table(
    "audit_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)
"""Hashes of the log's complete subtrees of 2**level leaves, for proofs: levels 4 and up
(those below are recomputed from at most 15 leaf hashes)."""

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("note", Text, nullable=False),
)
"""Signed checkpoints (C2SP signed-note text), one per appended batch."""

audit_cosignatures = Table(
    "audit_cosignatures",
    metadata,
    Column(
        "size",
        BigInteger,
        ForeignKey("audit_checkpoints.size"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("key_id", String(8), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("witness", String(12), nullable=False),
    Column("cosigned_at", UTCDateTime(), nullable=False),
    Column("line", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)
"""Witnesses' cosignatures (C2SP tlog-cosignature lines) on this node's checkpoints, one
per checkpoint and witness key, each verified with the witness's trust-list key before it
was kept; ``witness`` is its node id."""

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)
"""One row: the log's size. Appenders lock it first, so batches append one at a time."""

governance_revision = Table(
    "governance_revision",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("token", BigInteger, nullable=False),
)
"""A row per table in :data:`GOVERNED`: a random token the store's triggers draw again with
every change to it (no writer can forget it), so a process can keep what it read of
those tables while the tokens stay (``store.governance_revision``)."""

GOVERNED = (
    "trust_lists",
    "agreements",
    "agreement_events",
    "opt_outs",
    "pseudonym_keys",
    "datasets",
    "snapshots",
    "quality_assessments",
)
"""The tables whose rows decide a disclosure (the trust list, the agreements and their
lifecycle, the opt-outs, the pseudonym keys, the datasets' snapshots and kitemarks)."""

agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agreement_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("expiry_date", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("agreement_id", "version", name="uq_agreements_agreement_version"),
)
"""One row per agreement version; ``document`` is its JSON with signatures, ``digest`` the
SHA-256 of its RFC 8785 canonical content (docs/agreements.md)."""

agreement_events = Table(
    "agreement_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("agreement_row", Integer, ForeignKey("agreements.id"), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(20), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("detail", Text, nullable=True),
)
"""Every lifecycle step of an agreement version, in order: the status history."""

peers = Table(
    "peers",
    metadata,
    Column("org", String(100), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)
"""Partner organisations' Ed25519 public keys (base64 of the 32 raw bytes), trusted for
their signatures on agreements: who added each and when (docs/agreements.md)."""


catalog_metadata = Table(
    "catalog_metadata",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""A dataset's catalogue description (the catalog context's ``DatasetMetadata``, as JSON)."""

lineage_events = Table(
    "lineage_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("event_type", String(10), nullable=False),
    Column("event_time", UTCDateTime(), nullable=False),
    Column("job_namespace", String(200), nullable=False),
    Column("job_name", String(200), nullable=False),
    Column("document", JSON, nullable=False),
)
"""OpenLineage-style run events of derivations and shares, each whole in ``document``."""

lineage_datasets = Table(
    "lineage_datasets",
    metadata,
    Column("event_id", Integer, ForeignKey("lineage_events.id"), primary_key=True),
    Column("role", String(6), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("namespace", String(200), nullable=False),
    Column("name", String(500), nullable=False),
    Column("version", String(200), nullable=True),
    Index("ix_lineage_datasets_namespace_name", "namespace", "name"),
)
"""The inputs and outputs (``role``) of each event, to walk lineage in SQL."""


exchange_nonces = Table(
    "exchange_nonces",
    metadata,
    Column("key_id", String(12), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)
"""The nonces of signed requests seen inside the replay window, per calling node, shared
by every worker of the node; a row past ``expires_at`` is pruned (docs/exchange.md)."""

trust_lists = Table(
    "trust_lists",
    metadata,
    Column("serial", BigInteger, primary_key=True, autoincrement=False),
    Column("federation", String(253), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("source", String(2000), nullable=False),
    Column("adopted_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime(), nullable=False),
)
"""Every federation trust list this node verified and adopted, whole as signed; the
highest serial is the one in force, usable until ``confirmed_at`` (its last successful
fetch) plus the grace period (docs/exchange.md)."""

agreement_messages = Table(
    "agreement_messages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("direction", String(3), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("agreement_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("peer_org", String(100), nullable=False),
    Column("peer_node", String(12), nullable=False),
    Column("document", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("detail", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_agreement_messages_agreement", "agreement_id", "version"),
    Index("ix_agreement_messages_state", "direction", "state"),
)
"""What this node sent its partners' nodes about agreements and what it received from
them (``direction`` ``out``/``in``): proposals (the inbox), signatures, lifecycle acts
and declines, each ``document`` as signed; an outgoing one stays ``pending`` until its
peer has it (docs/exchange.md)."""


witnessed_checkpoints = Table(
    "witnessed_checkpoints",
    metadata,
    Column("peer", String(12), primary_key=True),
    Column("origin", String(300), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)
"""As a witness: the newest checkpoint of each peer's log this node verified and
cosigned (its signed note), which the peer's next checkpoint must extend."""


exchange_requests = Table(
    "exchange_requests",
    metadata,
    Column("caller", String(12), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(8), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=False, index=True),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("media_type", String(100), nullable=True),
    Column("file", String(300), nullable=True),
    Column("digest", String(100), nullable=True),
    Column("bytes", BigInteger, nullable=True),
    Column("records", BigInteger, nullable=True),
    Column("body", Text, nullable=True),
)
"""Idempotency keys of shares and lookups, per calling node, shared by every worker: a
key is claimed (``pending``) before anything is disclosed, and holds the answer once it
is ``done`` (a lookup's JSON in ``body``; a share's extract as a file under the
workspace), until the retention prunes it (docs/exchange.md)."""


accounts = Table(
    "accounts",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("must_change", Boolean(create_constraint=False), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
)
"""Staff accounts of the portal: an Argon2id hash of the password (never the password),
the roles (sorted, comma-separated), whether the password must be changed at the next
sign-in, and when the account was disabled (docs/portal.md)."""

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("account", String(100), nullable=True, index=True),
    Column("person", String(64), nullable=True),
    Column("sealed", LargeBinary, nullable=True),
    Column("provider", String(40), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
)
"""Signed-in sessions, shared by every worker: SHA-256 of the session's token (the
browser holds the token; a copy of the store cannot resume a session), a member of
staff's account or a citizen's person key with their NHS number sealed under a key
derived from the token, and the times the idle and absolute timeouts are counted from."""

session_journeys = Table(
    "session_journeys",
    metadata,
    Column(
        "token_hash",
        String(64),
        ForeignKey("sessions.token_hash", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(40), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""What a signed-in member of staff has answered so far in a portal journey (the legal
gateway finder's questions, an agreement being drafted), kept on the server by session:
sealed (AES-GCM) under a key derived from the session's token, and deleted with the
session (docs/portal.md)."""

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("scope", String(8), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime(), nullable=True, index=True),
)
"""Failed sign-ins counted per account, per client address and per person (a keyed hash
of each, never the value), shared by every worker: the throttle's state."""
