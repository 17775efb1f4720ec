"""``link``: two sources, in one process, through the whole protocol.

The providers standardise and encode their own records; the linking party matches the
encodings alone, in a directory of its own; the providers resolve the pairs back to
their record ids. The exchange will later carry the same calls between nodes.

A side is a source read through its mapping, or a dataset of the node's workspace,
read from its snapshot (``inputs``). Run in a node's workspace (``workspace=``), a run
records ``linkage.run`` in that node's log and its derivation in the catalogue's lineage
(``provenance``) in the transaction that moves its outputs into place; without one (two
files on a laptop) there is no log to record in, and the outputs are still written
whole or not at all.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from accord import audit, catalog
from accord.linkage import labels as clerical
from accord.linkage import provenance
from accord.linkage.encoding import encode, new_secret
from accord.linkage.engines import Engine, open_engine
from accord.linkage.errors import LinkageError
from accord.linkage.inputs import DatasetSource, Planned, Side, plan, read
from accord.linkage.models import BlockingRecall, Encoded, LinkOptions, Mode, References
from accord.linkage.report import write_index
from accord.linkage.resolve import (
    write_clusters,
    write_linkage_ids,
    write_pairs,
    write_review,
)
from accord.store import (
    PRIVATE_DIR,
    Settings,
    Workspace,
    check_output,
    duckdb_session,
    make_private,
)

LinkProgress = Callable[[str, int, int | None], None]
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class LinkReport:
    """What ``link`` did."""

    mode: Mode
    left: Side
    right: Side
    scored: int
    """Pairs scored (``Matched.scored``): the figure the report gives too."""
    pairs: int
    out: Path
    seconds: float
    report: Path | None = None
    threshold: float = 0.9
    labels: int = 0
    """Labelled pairs the model scored (they moved the threshold if there were enough)."""
    blocking_recall: BlockingRecall | None = None
    kept_apart: int = 0
    """Pairs over the threshold dropped: different valid NHS numbers (``constraints``)."""
    warnings: tuple[str, ...] = ()
    """What the caller should know but did not stop the link (labels naming no record)."""
    lineage_run: str | None = None
    """The run's id in the catalogue's lineage (a run for a workspace records one)."""

    def to_json(self) -> dict[str, object]:
        def side(s: Side) -> dict[str, object]:
            return {"source": s.source, "rows_read": s.read_rows, "records": s.rows,
                    "quarantined": s.quarantined_rows, "notes": list(s.notes)}  # fmt: skip

        caught = self.blocking_recall
        return {
            "mode": self.mode.value, "left": side(self.left), "right": side(self.right),
            "pairs_scored": self.scored, "pairs": self.pairs, "out": str(self.out),
            "pairs_kept_apart_by_nhs_number": self.kept_apart,
            "threshold": self.threshold, "labels_scored": self.labels,
            "blocking_recall": caught.to_json() if caught else None,
            "report": str(self.report / "index.html") if self.report else None,
            "warnings": list(self.warnings), "lineage_run": self.lineage_run,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


def read_secret(path: Path) -> bytes:
    """The providers' shared secret from a file (its bytes, surrounding whitespace aside)."""
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise LinkageError(f"{path}: cannot read the secret file ({exc.strerror})") from exc
    if len(secret) < MIN_SECRET_BYTES:
        raise LinkageError(
            f"{path}: a secret needs at least {MIN_SECRET_BYTES} bytes, this has {len(secret)}"
        )
    return secret


def _noop(_phase: str, _done: int, _total: int | None) -> None:
    return None


def _prefixed(progress: LinkProgress, party: str) -> LinkProgress:
    def report(phase: str, done: int, total: int | None) -> None:
        progress(f"{party} {phase}", done, total)

    return report


def _provide(
    work: Path, party: str, planned: Planned, workspace: Workspace | None, *, run: str,
    mode: Mode, secret: bytes | None, settings: Settings, as_of: date | None,
    progress: LinkProgress, prior_ids: Path | None = None,
) -> tuple[Side, Encoded, References]:  # fmt: skip
    """A provider's part: its records standardised (``inputs.read``) and encoded, in its
    own directory."""
    provider = work / party
    provider.mkdir()
    conn = duckdb_session(settings, provider / "spill")
    try:
        done = read(planned, workspace, conn=conn, scratch=provider, settings=settings,
                    as_of=as_of, progress=_prefixed(progress, party))  # fmt: skip
        progress(f"{party} encode", 0, None)
        encoded, refs = encode(conn, done.path, provider / "out", party=party, run=run,
                               mode=mode, secret=secret, prior_ids=prior_ids,
                               source=done.source)  # fmt: skip
    finally:
        conn.close()
    return done, encoded, refs


@contextmanager
def _linking_party(
    work: Path, settings: Settings, engine: str
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Engine, Path]]:
    """The linking party: its own directory, connection and engine, and only the encodings."""
    folder = work / "linker"
    folder.mkdir()
    conn = duckdb_session(settings, folder / "spill")
    spark = {"master": settings.spark_master, "driver_memory": settings.spark_driver_memory}
    try:
        with open_engine(engine, conn, folder, **spark) as backend:
            yield conn, backend, folder
    finally:
        conn.close()


def _prior(ids: Path | None, side: str) -> Path | None:
    path = ids / f"{side}.csv" if ids is not None else None
    return path if path is not None and path.is_file() else None


Source = str | DatasetSource
"""A side of a run: a source read through its mapping, or a dataset of the workspace
(``dataset:NAME`` as text; see ``inputs``)."""


@audit.audited(audit.LinkageRun)
def link(
    left: Source,
    right: Source,
    left_mapping: Path | None,
    right_mapping: Path | None,
    out: Path,
    *,
    workspace: Workspace | None = None,
    mode: Mode = Mode.PRIVATE,
    secret: bytes | None = None,
    options: LinkOptions | None = None,
    settings: Settings | None = None,
    as_of: date | None = None,
    ids: Path | None = None,
    engine: str = "duckdb",
    labels: Path | None = None,
    progress: LinkProgress = _noop,
) -> LinkReport:
    """Link the records of ``left`` and ``right``; write the pairs to ``out`` as CSV.

    A side is a source read through its mapping, or a dataset of ``workspace``
    (``dataset:NAME[@VERSION]``, no mapping: its snapshot is standardised already).
    With ``ids`` (a directory), each side's ``record_id,linkage_id`` is kept there as
    ``left.csv`` and ``right.csv``; a re-run with the same directory keeps people's ids.
    ``engine`` names where the linking party's model runs (``engines.ENGINES``).
    ``labels`` is a reviewed ``review.csv`` (``left_id,right_id,label``) from a run before.
    Every output is written in the run's scratch and delivered at the end (see
    :func:`_deliver`): a run that fails writes nothing. With ``workspace`` the run uses
    its settings and is recorded in its log and its lineage (``provenance``), in the
    transaction that delivers the outputs.
    """
    started, began = time.perf_counter(), datetime.now(UTC)
    settings = settings or (workspace.settings if workspace else Settings())
    report_dir = options.report if options else None
    # Fail before the work, not after it: an output the run could not write, a side
    # named wrongly, labels that cannot be read.
    _check_outputs(out, ids, report_dir)
    sides = (plan(workspace, "left", left, left_mapping),
             plan(workspace, "right", right, right_mapping))  # fmt: skip
    labelled = clerical.read(labels) if labels is not None else None
    if mode is Mode.PRIVATE and secret is None:
        secret = new_secret()  # both providers are this process: a secret for this run only
    run = uuid.uuid4().hex
    warnings: tuple[str, ...] = ()
    work = Path(tempfile.mkdtemp(prefix="accord-link-"))
    try:
        staged = work / "outputs"
        staged.mkdir()
        # The providers are two organisations: each does its part at the same time.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="accord-provider") as pool:
            parts = [
                pool.submit(_provide, work, party, planned, workspace, run=run, mode=mode,
                            secret=secret, settings=settings, as_of=as_of, progress=progress,
                            prior_ids=_prior(ids, party))
                for party, planned in zip(("left", "right"), sides, strict=True)
            ]  # fmt: skip
            (left_done, left_enc, left_refs), (right_done, right_enc, right_refs) = (
                part.result() for part in parts
            )
        progress("match", 0, None)
        asked = replace(options or LinkOptions(), linkage_ids=ids is not None,
                        report=staged / "report" if report_dir else None)  # fmt: skip
        if labelled is not None:
            by_ref = work / "labels.parquet"
            with duckdb.connect() as conn:
                found = clerical.to_refs(conn, labelled, left_refs, right_refs, by_ref)
            problem = (found.problem(labels, sides[0].source, sides[1].source)
                       if labels is not None else None)  # fmt: skip
            if problem is not None and not found.kept:
                raise clerical.BadLabels(problem)
            warnings += (problem,) if problem else ()
            asked = replace(asked, labels=by_ref)
        with _linking_party(work, settings, engine) as (conn, backend, linker_dir):
            from accord.linkage.matching import match  # with Splink: loaded for a run

            matched = match(conn, left_enc, right_enc, linker_dir / "pairs.parquet", asked,
                            backend)  # fmt: skip
        progress("resolve", 0, None)
        deliveries = {staged / "pairs.csv": out}
        with duckdb.connect() as conn:
            write_pairs(conn, matched, left_refs, right_refs, staged / "pairs.csv")
            if ids is not None:
                for side, refs in (("left", left_refs), ("right", right_refs)):
                    write_linkage_ids(conn, matched, refs, side, staged / f"{side}.csv")
                    deliveries[staged / f"{side}.csv"] = ids / f"{side}.csv"
            if report_dir is not None and asked.report is not None:
                write_review(conn, asked.report, left_refs, right_refs)
                write_index(asked.report, mode)
                deliveries |= {f: report_dir / f.name for f in sorted(asked.report.iterdir())}
        lineage_run = str(uuid.uuid4()) if workspace is not None else ""
        run_event = audit.LinkageRun(
            left=left_done.source, right=right_done.source, mode=mode.value,
            pairs=matched.pairs, records=left_done.rows + right_done.rows, run=lineage_run,
        )  # fmt: skip
        made = (out, *((ids / "left.csv", ids / "right.csv") if ids is not None else ()))
        derivation = provenance.Derivation(
            "linkage.link", lineage_run, _read(left_done, right_done), made, began,
            provenance.facts(run_event, engine=engine, threshold=matched.threshold,
                             report=_shown(report_dir)),
        )  # fmt: skip
        _deliver(workspace, deliveries, run_event, derivation)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return LinkReport(mode, left_done, right_done, matched.scored, matched.pairs, out,
                      time.perf_counter() - started, report_dir, matched.threshold,
                      matched.labels, matched.blocking_recall, matched.kept_apart,
                      warnings, lineage_run or None)  # fmt: skip


def _read(*sides: Side) -> tuple[catalog.DatasetRef, ...]:
    """What the sides read, each once (a dedupe's one side; a dataset linked to itself)."""
    found = {s.ref.key: s.ref for s in sides if s.ref is not None}
    return tuple(found.values())


def _shown(folder: Path | None) -> str | None:
    return folder.absolute().as_posix() if folder is not None else None


def _check_outputs(out: Path, *folders: Path | None) -> None:
    """Before any work: no output over a workspace's own files, every parent folder there."""
    check_output(out, force=True)
    for folder in folders:
        if folder is not None:
            check_output(folder, directory=True)


def _deliver(
    workspace: Workspace | None,
    files: dict[Path, Path],
    run: audit.LinkageRun,
    derivation: provenance.Derivation,
) -> None:
    """Move finished outputs from the run's scratch to where they were asked for, each
    whole and owner-only (they name people's records); in a workspace, as the last act of
    the transaction that records the run and its lineage, so the run is in the log and
    the lineage exactly when its outputs are in place. Folders are made only now, and
    taken away again if the delivery fails, so a run that fails leaves none behind."""
    made: list[Path] = []
    partials: dict[Path, Path] = {}
    try:
        for staged, target in files.items():
            if not target.parent.exists():
                target.parent.mkdir(mode=PRIVATE_DIR)
                made.append(target.parent)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
            shutil.copyfile(staged, partial)  # the scratch may be on another file system
            make_private(partial)
            partials[partial] = target
        if workspace is None:
            for partial, target in partials.items():
                partial.replace(target)
            made.clear()
            return
        outputs = provenance.made(workspace, derivation,
                                  {t: p for p, t in partials.items()})  # fmt: skip
        with audit.transaction(workspace) as tx:
            tx.record(run)
            provenance.record(workspace, derivation, outputs, tx.conn)
            for partial, target in partials.items():
                tx.publish(partial, target)
        made.clear()
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()


@dataclass(frozen=True)
class DedupeReport:
    """What ``dedupe`` did."""

    mode: Mode
    source: Side
    clusters: int
    out: Path
    seconds: float
    scored: int = 0
    """Pairs scored, as in ``LinkReport``."""
    kept_apart: int = 0
    """Joins refused: they would have put two different valid NHS numbers in a cluster."""
    lineage_run: str | None = None
    """The run's id in the catalogue's lineage (a run for a workspace records one)."""

    def to_json(self) -> dict[str, object]:
        s = self.source
        return {
            "mode": self.mode.value, "source": s.source, "rows_read": s.read_rows,
            "records": s.rows, "quarantined": s.quarantined_rows, "clusters": self.clusters,
            "duplicates": s.rows - self.clusters, "out": str(self.out),
            "pairs_scored": self.scored, "joins_kept_apart_by_nhs_number": self.kept_apart,
            "notes": list(s.notes), "lineage_run": self.lineage_run,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


@audit.audited(audit.LinkageRun)
def dedupe(
    source: Source,
    mapping: Path | None,
    out: Path,
    *,
    workspace: Workspace | None = None,
    mode: Mode = Mode.PLAINTEXT,
    secret: bytes | None = None,
    options: LinkOptions | None = None,
    settings: Settings | None = None,
    as_of: date | None = None,
    engine: str = "duckdb",
    progress: LinkProgress = _noop,
) -> DedupeReport:
    """Group the records of ``source`` into people; write ``record_id,cluster_id`` as CSV.

    ``source`` is read through ``mapping``, or is a dataset of ``workspace`` (as in
    :func:`link`). With ``workspace`` the run uses its settings and is recorded in its
    log and its lineage.
    """
    started, began = time.perf_counter(), datetime.now(UTC)
    settings = settings or (workspace.settings if workspace else Settings())
    _check_outputs(out)
    planned = plan(workspace, "source", source, mapping)
    if mode is Mode.PRIVATE and secret is None:
        secret = new_secret()
    work = Path(tempfile.mkdtemp(prefix="accord-dedupe-"))
    try:
        done, encoded, refs = _provide(
            work, "source", planned, workspace, run=uuid.uuid4().hex, mode=mode, secret=secret,
            settings=settings, as_of=as_of, progress=progress,
        )  # fmt: skip
        progress("match", 0, None)
        with _linking_party(work, settings, engine) as (conn, backend, linker_dir):
            from accord.linkage.matching import cluster  # with Splink: loaded for a run

            clustered = cluster(conn, encoded, linker_dir / "clusters.parquet", options,
                                backend)  # fmt: skip
        with duckdb.connect() as conn:
            write_clusters(conn, clustered, refs, work / "clusters.csv")
        lineage_run = str(uuid.uuid4()) if workspace is not None else ""
        run_event = audit.LinkageRun(
            left=done.source, right=done.source, mode=mode.value, task="dedupe",
            pairs=done.rows - clustered.clusters, records=done.rows, clusters=clustered.clusters,
            run=lineage_run,
        )  # fmt: skip
        threshold = (options or LinkOptions()).threshold
        derivation = provenance.Derivation(
            "linkage.dedupe", lineage_run, _read(done), (out,), began,
            provenance.facts(run_event, engine=engine, threshold=threshold),
        )  # fmt: skip
        _deliver(workspace, {work / "clusters.csv": out}, run_event, derivation)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DedupeReport(mode, done, clustered.clusters, out, time.perf_counter() - started,
                        clustered.scored, clustered.kept_apart, lineage_run or None)  # fmt: skip
