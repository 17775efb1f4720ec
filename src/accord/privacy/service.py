"""Disclosure and re-identification on a node: the pure functions of ``disclosure`` run
over the node's own snapshots, with its registers and keys, and recorded in its log.

:func:`disclose_in` runs one disclosure query over a dataset's snapshot into a scratch
file that carries each row's subject beside the minimised fields, keys the people in it
inside DuckDB (the audit context's person key, computed in bulk), writes the output
without that column, and then, in one transaction, stages one ``records.disclosed``
per person (and one ``records.unkeyed`` counting rows without a valid NHS number) and
moves the finished output into place. :func:`reidentify_in` is the controller turning
pseudonyms back into its own records, each person recorded as ``person.reidentified``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import duckdb

from accord import audit
from accord.people import hmac_params, hmac_sql, ident, lit, nhs_number_sql
from accord.privacy import keys
from accord.privacy.disclosure import disclose, reidentify
from accord.privacy.errors import BadExtract
from accord.privacy.models import Disclosed, Disclosure, Minimisation, Treatment
from accord.privacy.repository import current_key_version, live_versions, load_registers
from accord.sources import SnapshotInfo, get_snapshot
from accord.store import Workspace, check_output, duckdb_connect

SUBJECT = "__accord_subject"
"""The scratch column that carries each disclosed row's subject to the keying step."""
FETCH = 50_000


@dataclass(frozen=True)
class Share:
    """How a disclosure is told in the log and to each person in it: who receives it,
    why in plain words, under which law; privacy does not read agreements, so the
    caller (the exchange) fills it from the agreement and the decision."""

    recipient: str
    recipient_role: str
    legal_basis: str
    """The lawful basis in words, e.g. ``UK GDPR Art 6(1)(e); Art 9(2)(h)``."""
    gateway: str
    purpose: str = ""
    """The purpose as the person reads it (default: the disclosure's purpose code)."""
    source: str = ""
    retention: str = ""
    staff: str = ""
    """The role of the member of staff who made the share, if one did (never a name)."""
    hidden_until: date | None = None
    hidden_reason: str = ""
    fields: tuple[str, ...] = ()
    """The fields that leave (:func:`disclose_in` fills it from the minimisation)."""


@dataclass(frozen=True)
class Shared:
    """What :func:`disclose_in` wrote and recorded."""

    disclosed: Disclosed
    out: Path
    people: int
    """``records.disclosed`` entries: the distinct people with a valid NHS number."""
    unkeyed: int
    """Rows disclosed without a valid NHS number (counted in one ``records.unkeyed``)."""


@audit.audited(audit.RecordsDisclosed, audit.RecordsUnkeyed)
def disclose_in(
    ws: Workspace,
    dataset: str,
    out: Path,
    disclosure: Disclosure,
    minimisation: Minimisation,
    share: Share,
    *,
    version: int | None = None,
    subject: str = "nhs_number",
    linkage_ids: Path | None = None,
    force: bool = False,
) -> Shared:
    """Disclose ``dataset``'s snapshot (the newest unless ``version``) to ``out``
    (Parquet) through the node's opt-out registers, minimised and pseudonymised with the
    agreement's current key; record one ``records.disclosed`` per person disclosed.

    The events are staged in the transaction whose last act moves the finished file to
    ``out``: a failed disclosure writes no file and records nothing. ``subject`` is the
    column holding each row's NHS number (for the registers and the person keys);
    ``linkage_ids`` is a ``record_id,linkage_id`` CSV (as ``accord link --ids`` keeps)
    for a minimisation that replaces identifiers by linkage ids.
    """
    target = check_output(out, force=force)
    snap = get_snapshot(ws.engine, dataset, version)
    pseudonymised = Treatment.PSEUDONYMISE in minimisation.identifiers.values()
    registers = load_registers(ws.engine, keys.read_secret(ws.root / "keys"))
    partial = target.with_name(f".{target.name}.{uuid4().hex}.partial")
    with ws.scratch() as scratch:
        conn = duckdb_connect(ws)
        try:
            _extract(conn, ws, snap, subject, linkage_ids)
            # The agreement's first key version is made only for a disclosure that can run.
            key_version = (current_key_version(ws.engine, disclosure.agreement_id)
                           if pseudonymised else None)  # fmt: skip
            carried = scratch / "disclosed.parquet"
            # The subject rides along as one more allowed field, so the rows keyed are
            # exactly the rows written, whatever the registers and conditions withheld.
            widened = dataclasses.replace(minimisation, fields=(*minimisation.fields, SUBJECT))
            done = disclose(conn, "_extract", carried, disclosure, widened, registers,
                            subject=subject, key_version=key_version)  # fmt: skip
            written = f"SELECT * EXCLUDE ({ident(SUBJECT)}) FROM read_parquet({lit(str(carried))})"
            conn.execute(f"COPY ({written}) TO {lit(str(partial))} (FORMAT parquet)")
            partial.chmod(0o600)  # personal data: for the node's owner until it is sent
            shared = _record(ws, conn, carried, partial, target, done, dataset, disclosure,
                             dataclasses.replace(share, fields=minimisation.fields))  # fmt: skip
        finally:
            conn.close()
            partial.unlink(missing_ok=True)
    return shared


def _extract(
    conn: duckdb.DuckDBPyConnection,
    ws: Workspace,
    snap: SnapshotInfo,
    subject: str,
    linkage_ids: Path | None,
) -> None:
    """The view ``_extract``: the snapshot, its subject copied to :data:`SUBJECT`, and
    each record's linkage id when a file of them is given."""
    source = f"read_parquet({lit(str(ws.root / snap.path))})"
    columns = [str(r[0]) for r in conn.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    if subject not in columns:
        raise BadExtract(f"{snap.dataset} v{snap.version} has no column {subject}: the "
                         "people disclosed could not be recorded")  # fmt: skip
    joined = f"{source} s"
    if linkage_ids is not None:
        ids = f"read_csv({lit(str(linkage_ids))}, header = true, all_varchar = true)"
        joined += f" LEFT JOIN (SELECT record_id, linkage_id FROM {ids}) i USING (record_id)"
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _extract AS SELECT *, {ident(subject)}::VARCHAR "
                 f"AS {ident(SUBJECT)} FROM {joined}")  # fmt: skip


def _record(
    ws: Workspace,
    conn: duckdb.DuckDBPyConnection,
    carried: Path,
    partial: Path,
    target: Path,
    done: Disclosed,
    dataset: str,
    disclosure: Disclosure,
    share: Share,
) -> Shared:
    """Stage the people disclosed and move the output into place, in one transaction."""
    relation = f"read_parquet({lit(str(carried))})"
    event = audit.RecordsDisclosed(
        person=audit.PersonKey("0" * 64), agreement=disclosure.agreement_id,
        recipient=share.recipient, recipient_role=share.recipient_role, dataset=dataset,
        purpose=share.purpose or disclosure.purpose, legal_basis=share.legal_basis,
        gateway=share.gateway, source=share.source, retention=share.retention,
        staff=share.staff, hidden_until=share.hidden_until, hidden_reason=share.hidden_reason,
        shared_fields=share.fields,
    )  # fmt: skip
    unkeyed = _count_unkeyed(conn, relation)
    with audit.transaction(ws) as tx:
        people = tx.record_each(event, _person_keys(conn, ws, relation))
        if unkeyed:
            tx.record(audit.RecordsUnkeyed(
                use=event.name, rows=unkeyed, dataset=dataset, agreement=disclosure.agreement_id,
                recipient=share.recipient, by_role=share.staff,
            ))  # fmt: skip
        tx.publish(partial, target)
    return Shared(done, target, people, unkeyed)


def _person_keys(
    conn: duckdb.DuckDBPyConnection, ws: Workspace, relation: str, column: str = SUBJECT
) -> Iterator[str]:
    """The distinct person keys of ``column``'s valid NHS numbers, computed by DuckDB and
    fetched a page at a time (what :func:`accord.audit.person_key` gives one by one)."""
    number = nhs_number_sql(ident(column))
    result = conn.execute(
        f"SELECT DISTINCT {hmac_sql('n', 'k')} FROM (SELECT {number} AS n FROM {relation}) "
        "WHERE n IS NOT NULL",
        hmac_params(audit.person_secret(ws), "k"),
    )
    while page := result.fetchmany(FETCH):
        yield from (str(row[0]) for row in page)


def _count_unkeyed(conn: duckdb.DuckDBPyConnection, relation: str, column: str = SUBJECT) -> int:
    found = conn.execute(
        f"SELECT count(*) FROM {relation} WHERE {nhs_number_sql(ident(column))} IS NULL"
    ).fetchone()
    return int(found[0]) if found else 0


@audit.audited(audit.Reidentified, audit.RecordsUnkeyed)
def reidentify_in(
    ws: Workspace,
    dataset: str,
    pseudonyms: list[str],
    agreement_id: str,
    *,
    by_role: str,
    reason: str,
    column: str = "nhs_number",
    version: int | None = None,
) -> dict[str, str]:
    """Pseudonyms an agreement's recipient holds, back to ``column`` of this node's own
    records in ``dataset`` (its newest snapshot unless ``version``): only the controller
    can. Each person found is recorded as ``person.reidentified`` with the staff role and
    the reason (keyed by the record's ``nhs_number``); found values whose records have no
    valid NHS number are counted in one ``records.unkeyed``."""
    role, why = audit.staff_act(by_role, reason)
    snap = get_snapshot(ws.engine, dataset, version)
    secret = keys.read_secret(ws.root / "keys")
    conn = duckdb_connect(ws)
    try:
        path = lit(str(ws.root / snap.path))
        conn.execute(f"CREATE OR REPLACE TEMP VIEW _own AS SELECT * FROM read_parquet({path})")
        found = reidentify(conn, "_own", column, pseudonyms, agreement_id, secret,
                           live_versions(ws.engine, agreement_id))  # fmt: skip
        if found:
            _record_reidentified(conn, ws, sorted(set(found.values())), column, snap, agreement_id,
                                 role, why)  # fmt: skip
    finally:
        conn.close()
    return found


def _record_reidentified(
    conn: duckdb.DuckDBPyConnection,
    ws: Workspace,
    values: list[str],
    column: str,
    snap: SnapshotInfo,
    agreement_id: str,
    role: str,
    why: str,
) -> None:
    columns = {str(r[0]) for r in conn.execute("DESCRIBE _own").fetchall()}
    number = ident("nhs_number") if "nhs_number" in columns else "NULL::VARCHAR"
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _found AS "
        f"SELECT DISTINCT o.{ident(column)}::VARCHAR AS value, {number}::VARCHAR AS nhs "
        f"FROM _own o WHERE o.{ident(column)}::VARCHAR IN (SELECT unnest($v::VARCHAR[]))",
        {"v": values},
    )
    try:
        missing = conn.execute(
            f"SELECT count(*) FROM (SELECT value FROM _found GROUP BY value "
            f"HAVING count({nhs_number_sql('nhs')}) = 0)"
        ).fetchone()
        event = audit.Reidentified(person=audit.PersonKey("0" * 64), agreement=agreement_id,
                                   by_role=role, reason=why)  # fmt: skip
        with audit.transaction(ws) as tx:
            tx.record_each(event, _person_keys(conn, ws, "_found", "nhs"))
            if missing and missing[0]:
                tx.record(audit.RecordsUnkeyed(
                    use=event.name, rows=int(missing[0]), dataset=snap.dataset,
                    agreement=agreement_id, by_role=role, reason=why,
                ))  # fmt: skip
    finally:
        conn.execute("DROP TABLE IF EXISTS _found")
