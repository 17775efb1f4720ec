"""The catalogue in the SQL store: descriptions, run events, and the snapshots sources stored.

Snapshots are read here, not written: the sources context owns them, and the catalogue
reads what it stored per snapshot (source, mapping, when) to give each one its ingest
run event, so sources need not know the catalogue exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from accord.catalog.models import DatasetMetadata, DatasetRef, RunEvent
from accord.catalog.openlineage import from_json, to_json
from accord.sources import UnknownDataset
from accord.store import catalog_metadata, datasets, lineage_datasets, lineage_events


def save_metadata(conn: sa.Connection, dataset: str, described: DatasetMetadata) -> None:
    """Store (or replace) a dataset's description, in the caller's transaction (the one
    that records it)."""
    document = described.model_dump(mode="json", exclude_none=True)
    found = conn.execute(sa.select(datasets.c.id).where(datasets.c.name == dataset)).scalar()
    if found is None:
        raise UnknownDataset(f"no dataset {dataset!r} in this workspace (see 'accord datasets')")
    conn.execute(catalog_metadata.delete().where(catalog_metadata.c.dataset_id == found))
    conn.execute(catalog_metadata.insert(), {"dataset_id": found, "document": document,
                                             "updated_at": datetime.now(UTC)})  # fmt: skip


def load_metadata(engine: Engine, dataset: str) -> DatasetMetadata | None:
    query = (
        sa.select(catalog_metadata.c.document)
        .join(datasets, datasets.c.id == catalog_metadata.c.dataset_id)
        .where(datasets.c.name == dataset)
    )
    with engine.connect() as conn:
        document = conn.execute(query).scalar()
    return None if document is None else DatasetMetadata.model_validate(document)


def described(engine: Engine) -> set[str]:
    """The names of the datasets that have a description."""
    query = sa.select(datasets.c.name).join(
        catalog_metadata, datasets.c.id == catalog_metadata.c.dataset_id
    )
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def save_event(engine: Engine, event: RunEvent, *, within: Connection | None = None) -> None:
    """Store a run event and index its inputs and outputs, in one transaction: the
    caller's when ``within`` is given (the work the event describes commits with it)."""
    if within is None:
        with engine.begin() as conn:
            save_event(engine, event, within=conn)
        return
    event_id = within.execute(
        lineage_events.insert().returning(lineage_events.c.id),
        {"run_id": event.run_id, "event_type": event.event_type.value,
         "event_time": event.event_time, "job_namespace": event.job.namespace,
         "job_name": event.job.name, "document": to_json(event)},
    ).scalar_one()  # fmt: skip
    rows = [
        {"event_id": event_id, "role": role, "position": n, "namespace": d.namespace,
         "name": d.name, "version": d.version}
        for role, refs in (("input", event.inputs), ("output", event.outputs))
        for n, d in enumerate(refs)
    ]  # fmt: skip
    if rows:
        within.execute(lineage_datasets.insert(), rows)


def runs_producing(conn: Connection, ref: DatasetRef) -> list[list[RunEvent]]:
    """The stored events of each run that lists ``ref`` as an output, by run, oldest first.

    An unversioned ``ref`` matches every version; the caller picks.
    """
    match = sa.and_(
        lineage_datasets.c.role == "output",
        lineage_datasets.c.namespace == ref.namespace,
        lineage_datasets.c.name == ref.name,
    )
    if ref.version is not None:
        match = sa.and_(match, lineage_datasets.c.version == ref.version)
    return _runs(conn, match)


def runs_consuming(conn: Connection, ref: DatasetRef) -> list[list[RunEvent]]:
    """The stored events of each run that lists ``ref`` as an input, by run, oldest first:
    an input naming ``ref``'s version, or no version (the newest, when it ran)."""
    d = lineage_datasets
    match = sa.and_(d.c.role == "input", d.c.namespace == ref.namespace, d.c.name == ref.name)
    if ref.version is not None:
        match = sa.and_(match, sa.or_(d.c.version == ref.version, d.c.version.is_(None)))
    return _runs(conn, match)


def _runs(conn: Connection, match: sa.ColumnElement[bool]) -> list[list[RunEvent]]:
    """Every stored event of each run one of whose datasets ``match`` picks, by run."""
    run_ids = (
        sa.select(lineage_events.c.run_id)
        .join(lineage_datasets, lineage_datasets.c.event_id == lineage_events.c.id)
        .where(match)
    )
    query = (
        sa.select(lineage_events.c.run_id, lineage_events.c.document)
        .where(lineage_events.c.run_id.in_(run_ids))
        .order_by(lineage_events.c.event_time, lineage_events.c.id)
    )
    runs: dict[str, list[RunEvent]] = {}
    for run_id, document in conn.execute(query):
        runs.setdefault(run_id, []).append(from_json(document))
    return list(runs.values())


def recorded_outputs(engine: Engine, name: str | None = None) -> list[DatasetRef]:
    """Distinct datasets that recorded runs made (all versions), by namespace and name."""
    query = (
        sa.select(lineage_datasets.c.namespace, lineage_datasets.c.name, lineage_datasets.c.version)
        .where(lineage_datasets.c.role == "output")
        .distinct()
        .order_by(lineage_datasets.c.namespace, lineage_datasets.c.name)
    )
    if name is not None:
        query = query.where(lineage_datasets.c.name == name)
    with engine.connect() as conn:
        return [DatasetRef(ns, n, v) for ns, n, v in conn.execute(query)]


def dataset_names(engine: Engine) -> Iterable[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(datasets.c.name).order_by(datasets.c.name)).scalars())
