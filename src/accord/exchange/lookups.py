"""Single-person lookups for front-line use: one person's records, answered at once.

:func:`serve_lookup` checks that the agreement allows lookups of the dataset (its
``lookups`` term), decides through the same seam as a share (``terms``), standardises
the identifiers given exactly as ingest does (``people.Standardiser``), finds the
person's rows in the newest snapshot, passes them through ``privacy.disclose`` (opt-outs
withheld, minimised, pseudonymised with the agreement's current key), records one
``records.disclosed`` per person answered and ``exchange.served``, and answers JSON.

Speed: each worker keeps the newest snapshot of a dataset loaded in an in-memory DuckDB
database, keyed by the snapshot's content hash (:class:`_Loaded`), with privacy's
disclosure prepared once per agreement's terms, registers and key version; a lookup by
NHS number is answered from an index of the rows in scope made once by that query
(``privacy.Prepared.index``: a DuckDB query cost more than the rest of a lookup's
disclosure), one by name and birth runs the query for that person's rows; a new
snapshot is loaded on its first lookup. What
a lookup records (decided, disclosed, served) is one deferred audit transaction,
appended and committed before the answer is returned (docs/exchange.md, "Speed, and
what is durable when"). Nobody
matched and an opted-out person get the same answer (no records).
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import Future
from datetime import date

import duckdb

from accord import audit, privacy
from accord.agreements import Dataset, Treatment, own_org
from accord.exchange import idempotency, terms
from accord.exchange.events import Served
from accord.exchange.models import Caller, LookupAnswer, LookupRequest, Person
from accord.exchange.problems import Refusal
from accord.people import (
    StandardisationOptions,
    Standardiser,
    ident,
    lit,
    standard_nhs_number,
)
from accord.sources import UnknownDataset, get_snapshot
from accord.store import Workspace

SUBJECT = "__accord_subject"
_STANDARD = ("nhs_number", "family_name", "given_name", "date_of_birth", "postcode")


@dataclasses.dataclass
class _Loaded:
    """One snapshot held in memory: a DuckDB database with a cursor per thread, and the
    disclosures prepared over it (one per agreement's terms, registers' revision and key
    version: a lookup runs one query, for one person's rows)."""

    digest: str
    conn: duckdb.DuckDBPyConnection
    indexed: bool
    """Whether the snapshot's NHS numbers are text: then a lookup by NHS number is
    answered from an index of the rows in scope (:meth:`index`), not a query."""
    local: threading.local = dataclasses.field(default_factory=threading.local)
    prepared: dict[tuple[str, ...], privacy.Prepared] = dataclasses.field(default_factory=dict)
    indexes: dict[tuple[str, str], privacy.RowIndex] = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        found: duckdb.DuckDBPyConnection | None = getattr(self.local, "cursor", None)
        if found is None:
            found = self.conn.cursor()
            self.local.cursor = found
        return found

    def query(
        self, permit: terms.Permit, keys: _Keys, where: str, *, make: bool = True
    ) -> privacy.Prepared:
        minimisation = dataclasses.replace(
            permit.minimisation, fields=(*permit.minimisation.fields, SUBJECT)
        )
        key = (repr(permit.disclosure), repr(minimisation), keys.registers.revision,
               str(keys.version), where)  # fmt: skip
        with self.lock:
            found = self.prepared.get(key)
            if found is None:
                if not make:
                    raise Cold("the disclosure is not prepared yet")
                if len(self.prepared) >= _PREPARED:
                    self.prepared.clear()
                found = self.prepared[key] = privacy.prepare_disclosure(
                    self.cursor(), PEOPLE, permit.disclosure, minimisation, keys.registers,
                    where=where, key_version=keys.version,
                )  # fmt: skip
        return found

    def index(self, prepared: privacy.Prepared, *, make: bool = True) -> privacy.RowIndex | None:
        """The rows in scope of ``prepared`` by NHS number, made on first use and kept
        while the snapshot is: a few (one per set of fields and row conditions asked
        for), then None for any other (its lookups run the query: a caller varying the
        fields it asks for cannot make each lookup scan the snapshot again)."""
        sql, params = prepared.index_query("nhs_number")
        key = (sql, repr(sorted(params.items())))
        with self.lock:
            found = self.indexes.get(key)
            if found is None and len(self.indexes) < _INDEXES:
                if not make:
                    raise Cold("the index is not made yet")
                found = self.indexes[key] = prepared.index(self.cursor(), "nhs_number")
        return found


PEOPLE = "people"
"""The loaded snapshot's rows, each with its subject's NHS number as text (a table)."""
_PREPARED = 256
_INDEXES = 4
"""Indexes a loaded snapshot keeps (each about as large as the snapshot's fields)."""
_loaded: dict[tuple[str, str], _Loaded] = {}
_lock = threading.Lock()
_standardisers: dict[frozenset[str], Standardiser] = {}


def _snapshot(ws: Workspace, dataset: str, *, load: bool = True) -> _Loaded:
    """The dataset's newest snapshot as this worker holds it, loaded if need be (else,
    with ``load=False``, :class:`Cold`)."""
    snap = get_snapshot(ws.engine, dataset)
    where = (str(ws.root), dataset)
    with _lock:
        held = _loaded.get(where)
        if held is None or held.digest != snap.content_hash:
            if not load:
                raise Cold(f"{dataset}'s newest snapshot is not loaded yet")
            conn = duckdb.connect(":memory:")
            # The subject's text kept as a column, not computed by a view: binding the
            # view again for each lookup cost a third of the query.
            conn.execute(
                f"CREATE TABLE {PEOPLE} AS SELECT *, nhs_number::VARCHAR AS "
                f"{ident(SUBJECT)} FROM read_parquet({lit(str(ws.root / snap.path))})"
            )
            conn.execute(f"CREATE INDEX {PEOPLE}_nhs ON {PEOPLE} (nhs_number)")
            # Loaded with every core; then one thread a query: a lookup reads one
            # person's rows, and a worker's requests are its parallelism. DuckDB's own
            # workers, woken for each small query, cost more than the query (half the
            # lookups' throughput, measured by benchmarks/exchange.py).
            conn.execute("SET threads = 1")
            typed = conn.execute(
                "SELECT data_type FROM information_schema.columns "
                f"WHERE table_name = {lit(PEOPLE)} AND column_name = 'nhs_number'"
            ).fetchall()
            if held is not None:
                held.conn.close()
            held = _loaded[where] = _Loaded(snap.content_hash, conn, typed == [("VARCHAR",)])
    return held


def standardised(person: Person) -> dict[str, str | None]:
    """The identifiers a lookup finds the person by, as ingest would have stored them:
    an NHS number alone when one is given (``_where`` reads nothing else then, and
    ``people.standard_nhs_number`` makes it as the bulk query does, without a query)."""
    if person.nhs_number is not None:
        return {"nhs_number": standard_nhs_number(person.nhs_number)}
    given = {k: v for k, v in person.model_dump().items() if v is not None}
    present = frozenset(given)
    with _lock:
        standardiser = _standardisers.get(present)
        if standardiser is None:
            options = StandardisationOptions(as_of=date.today(), date_format="%Y-%m-%d")
            standardiser = _standardisers[present] = Standardiser(options, present)
    wanted = [name for name in _STANDARD if name in given]
    return {name: _text(v) for name, v in standardiser.values(given, wanted).items()}


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class Cold(Exception):
    """A lookup answered ``warm_only`` needs slow work first: a snapshot to load, a
    disclosure to prepare or an index to build (seconds for a large snapshot), which an
    event loop must not do; its caller answers it in a thread instead."""


@dataclasses.dataclass(frozen=True)
class Answered:
    """A lookup decided and answered in memory, its records on their way to the log:
    ``committed`` is done once they are committed (or fails: the claim refused, the log
    could not append), and only then may the answer be sent."""

    committed: Future[None]
    body: bytes | None = None
    denied: Refusal | None = None

    def result(self) -> bytes:
        """The answer's body, once committed (waiting for it here if need be; a lookup
        answered ``on_loop`` awaits ``committed`` first, its loop being the one to commit
        it); what the commit failed with, or the lookup's denial, raised."""
        self.committed.result()
        if self.denied is not None:
            raise self.denied
        assert self.body is not None
        return self.body


def answer_lookup(
    ws: Workspace,
    caller: Caller,
    request: LookupRequest,
    node_id: str,
    *,
    claim: audit.Claim,
    on_loop: bool = False,
) -> Answered:
    """A lookup with no idempotency key, answered without waiting for its records to
    commit (``audit.transaction(wait=False)``): the caller waits for
    :attr:`Answered.committed` before it sends anything (an event loop serves other
    requests meanwhile). Only from what the worker holds already: :class:`Cold`, having
    recorded and claimed nothing, if the snapshot, the disclosure or the index must be
    made first. ``on_loop``: the records are committed on the caller's event loop
    (``audit.transaction(on_loop=True)``: a node of one worker)."""
    return _answer(ws, caller, request, "lookup", node_id, claim, wait=False, warm=True,
                   on_loop=on_loop)  # fmt: skip


def serve_lookup(
    ws: Workspace,
    caller: Caller,
    request: LookupRequest,
    key: str | None,
    node_id: str,
    *,
    claim: audit.Claim | None = None,
) -> bytes:
    """The JSON answer to ``caller``'s lookup (see the module docstring); ``claim``
    (the request's nonce) is made in the commit of what the lookup records."""
    if key is None:
        return _answer(ws, caller, request, "lookup", node_id, claim).result()
    print_ = idempotency.fingerprint("lookup", request.model_dump(mode="json"), "json")
    kept = idempotency.claim(ws, caller, key, "lookup", print_)
    if kept is not None:
        offered = terms.terms_of(ws, request.context.agreement, request.dataset, own_org(ws))
        fields = tuple(request.fields) if request.fields else terms.record_fields(offered.offered)
        idempotency.still_permitted(ws, caller, request.context, request.dataset, fields)
        assert kept.body is not None
        return kept.body.encode("utf-8")
    try:
        body = _answer(ws, caller, request, key, node_id, claim).result()
    except BaseException:
        idempotency.release(ws, caller, key)
        raise
    idempotency.complete(ws, caller, key, body=body.decode("utf-8"), bytes=len(body),
                         media_type="application/json")  # fmt: skip
    return body


def _answer(
    ws: Workspace, caller: Caller, request: LookupRequest, request_id: str, node_id: str,
    claim: audit.Claim | None, *, wait: bool = True, warm: bool = False,
    on_loop: bool = False,
) -> Answered:  # fmt: skip
    context, dataset = request.context, request.dataset
    under = terms.terms_of(ws, context.agreement, dataset, own_org(ws))
    offered = under.offered
    if offered is not None and not offered.lookups:
        raise Refusal(
            "lookups-not-allowed",
            f"{context.agreement} lets {dataset} be shared but not looked up one person at "
            "a time (its dataset term lookups is not true)",
            requester=caller.org,
        )
    fields = tuple(request.fields) if request.fields else terms.record_fields(offered)
    terms.check_terms(offered, fields, [], caller.org)
    keys = _Keys.read(ws, context.agreement, offered)
    denied: Refusal | None = None
    body: bytes | None = None
    # One transaction for all the lookup records (its decision, each person disclosed,
    # the lookup served), committed before the answer leaves: one wait for the disk, not
    # three; written only as it ends (appended with other requests' on SQLite, staged
    # for the flush on PostgreSQL), so the store's write lock is not held while the
    # person's rows are read. A denial is recorded the same way, then answered.
    with audit.transaction(ws, deferred=True, claim=claim, wait=wait, on_loop=on_loop) as tx:
        try:
            permit = terms.permitted(ws, caller, context, dataset, fields, rows=1,
                                     terms=under, tx=tx)  # fmt: skip
        except Refusal as refusal:
            denied = refusal
        else:
            body = _permitted_answer(tx, caller, request, permit, keys, request_id, node_id,
                                     warm)  # fmt: skip
    return Answered(tx.committed, body, denied)


def _permitted_answer(
    tx: audit.AuditTransaction, caller: Caller, request: LookupRequest, permit: terms.Permit,
    keys: _Keys, request_id: str, node_id: str, warm: bool,
) -> bytes:  # fmt: skip
    """The answer to a permitted lookup, its uses recorded in ``tx``; ``warm``: only
    from what the worker holds (:class:`Cold` otherwise)."""
    ws, dataset = tx.ws, request.dataset
    try:
        loaded = _snapshot(ws, dataset, load=not warm)
    except UnknownDataset:
        raise Refusal("not-found", f"this node holds no snapshot of {dataset}") from None
    identifiers = standardised(request.person)
    records, people, unkeyed = _disclose(ws, loaded, identifiers, permit, keys, make=not warm)
    body = LookupAnswer(node_id=node_id, dataset=dataset, agreement=request.context.agreement,
                        fields=list(permit.minimisation.fields),
                        records=records).model_dump_json().encode()  # fmt: skip
    _record(tx, permit, dataset, people, unkeyed)
    tx.record(Served(
        kind="lookup", agreement=request.context.agreement, recipient=caller.node_id,
        provider=node_id, dataset=dataset, records=len(records), bytes=len(body),
        format="json", request=request_id,
    ))  # fmt: skip
    return body


def _where(identifiers: dict[str, str | None]) -> tuple[str, dict[str, object]]:
    """The rows of the person: by NHS number if one is given, else by name and birth."""
    if identifiers.get("nhs_number"):
        return "e.nhs_number = $nhs", {"nhs": identifiers["nhs_number"]}
    parts: list[str] = []
    params: dict[str, object] = {}
    for name in ("family_name", "given_name", "date_of_birth", "postcode"):
        value = identifiers.get(name)
        if value is not None:
            parts.append(f"CAST(e.{ident(name)} AS VARCHAR) = ${name}")
            params[name] = value
    return " AND ".join(parts) or "FALSE", params


@dataclasses.dataclass(frozen=True)
class _Keys:
    """What a disclosure reads from the store besides the snapshot: the opt-out registers
    (kept by privacy while they do not change) and the agreement's current pseudonym key
    version (made, a write, on the agreement's first use), read before the lookup's
    audit transaction begins."""

    registers: privacy.Registers
    version: int | None

    @classmethod
    def read(cls, ws: Workspace, agreement: str, offered: Dataset | None) -> _Keys:
        registers = privacy.load_registers(ws.engine, privacy.read_secret(ws.root / "keys"))
        pseudonymised = offered is not None and any(
            f.treatment is Treatment.PSEUDONYMISED for f in offered.fields
        )
        version = privacy.current_key_version(ws.engine, agreement) if pseudonymised else None
        return cls(registers, version)


def _disclose(
    ws: Workspace, loaded: _Loaded, identifiers: dict[str, str | None], permit: terms.Permit,
    keys: _Keys, *, make: bool = True,
) -> tuple[list[dict[str, object]], list[str], int]:  # fmt: skip
    """The person's rows through privacy; the records, the person keys, rows unkeyed
    (``make=False``: :class:`Cold` if a disclosure or index must be made first)."""
    number = identifiers.get("nhs_number")
    # The rows of e.nhs_number = number from memory, where the index can be had.
    whole = loaded.query(permit, keys, "TRUE", make=make) if number and loaded.indexed else None
    index = loaded.index(whole, make=make) if whole is not None else None
    if number and whole is not None and index is not None:
        names, found = whole.rows_of(index, number)
    else:
        where, params = _where(identifiers)
        prepared = loaded.query(permit, keys, where, make=make)
        names, found = prepared.rows(loaded.cursor(), params)
    rows = [dict(zip(names, row, strict=True)) for row in found]
    people: set[str] = set()
    unkeyed = 0
    for row in rows:
        subject = row.pop(SUBJECT)
        try:
            people.add(audit.person_key(ws, str(subject or "")))
        except audit.IdentityNotVerified:  # no valid NHS number: counted, not keyed
            unkeyed += 1
    return rows, sorted(people), unkeyed


def _record(
    tx: audit.AuditTransaction, permit: terms.Permit, dataset: str, people: list[str],
    unkeyed: int,
) -> None:  # fmt: skip
    share = permit.share
    event = audit.RecordsDisclosed(
        person=audit.PersonKey("0" * 64), agreement=permit.disclosure.agreement_id,
        recipient=share.recipient, recipient_role=share.recipient_role, dataset=dataset,
        purpose=share.purpose, legal_basis=share.legal_basis, gateway=share.gateway,
        source=share.source, retention=share.retention, staff=share.staff,
        shared_fields=permit.minimisation.fields,
    )  # fmt: skip
    tx.record_each(event, people)
    if unkeyed:
        tx.record(audit.RecordsUnkeyed(
            use=event.name, rows=unkeyed, dataset=dataset,
            agreement=permit.disclosure.agreement_id, recipient=share.recipient,
            by_role=share.staff,
        ))  # fmt: skip
