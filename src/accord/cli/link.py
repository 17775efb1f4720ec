"""``accord link`` and ``accord dedupe``: the same people in two sources, or within one.

Both work on bare files, each read through its mapping, or on the node's datasets,
named ``dataset:NAME`` where a file would be (no mapping: a snapshot is standardised
already). Run for a node, they are recorded in its audit log and its lineage: the node
is the one ``--workspace`` (or ACCORD_WORKSPACE) names, else the current folder when it
is a workspace, else none (nothing is recorded: there is no log; and no dataset to read).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import (
    AsOfOption,
    ForceOption,
    JsonOption,
    as_of_date,
    emit_json,
    err,
    handle_errors,
    one_of,
    out,
    progress_bar,
    workspace_at,
)
from accord.linkage import ENGINES, DatasetSource, LinkOptions, LinkReport, Mode, read_secret
from accord.linkage import dedupe as dedupe_source
from accord.linkage import link as link_sources
from accord.store import WORKSPACE_FILE, Workspace, check_output

ReusedOption = Annotated[
    bool,
    typer.Option(
        "--nhs-numbers-reused",
        help="The sources give one valid NHS number to several people: let records whose "
        "valid NHS numbers differ be linked (by default they never are).",
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        callback=one_of(lambda: ENGINES),
        help="Where the model runs: duckdb (embedded) or spark (a local Spark session, or "
        "the cluster named by the spark_master setting).",
    ),
]

NodeOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ACCORD_WORKSPACE",
        file_okay=False,
        help="The node whose audit log records this run (default: the current folder, if "
        "it is a workspace; else the run is not recorded).",
    ),
]


@contextmanager
def _node(workspace: Path | None) -> Iterator[Workspace | None]:
    """The workspace a run is recorded in: the one named, else the current folder if it
    is one, else none."""
    if workspace is None and (Path.cwd() / WORKSPACE_FILE).is_file():
        workspace = Path.cwd()
    if workspace is None:
        yield None
        return
    with workspace_at(workspace) as ws:
        yield ws


@handle_errors
def link(
    left: Annotated[
        str,
        typer.Argument(
            help="The first source (any type ingest reads), or dataset:NAME[@VERSION], a "
            "dataset of the workspace (its newest snapshot, or that version; no mapping)."
        ),
    ],
    right: Annotated[str, typer.Argument(help="The second source, or dataset:NAME.")],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write left_id,right_id,match_probability.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="One mapping for both sources (files, not datasets)."),
    ] = None,
    left_mapping: Annotated[
        Path | None, typer.Option("--left-mapping", help="The first source's mapping.")
    ] = None,
    right_mapping: Annotated[
        Path | None, typer.Option("--right-mapping", help="The second source's mapping.")
    ] = None,
    mode: Annotated[
        Mode,
        typer.Option(
            help="private: the linking party sees only keyed encodings; "
            "plaintext: standardised values."
        ),
    ] = Mode.PRIVATE,
    secret_file: Annotated[
        Path | None,
        typer.Option(
            "--secret-file",
            help="The providers' shared secret (private mode; default: a fresh one for this run).",
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Match probability at which a pair is linked.")
    ] = 0.9,
    many_to_many: Annotated[
        bool, typer.Option("--many-to-many", help="Let a record link to several others.")
    ] = False,
    engine: EngineOption = "duckdb",
    nhs_numbers_reused: ReusedOption = False,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            dir_okay=False,
            help="A reviewed review.csv (left_id,right_id,label: 1 same person, 0 not) from "
            "an earlier report: labelled pairs are decided as labelled and the threshold "
            "moves to agree best with them.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report",
            file_okay=False,
            help="Write an HTML report here: the "
            "model's charts, its estimates, pairs near the threshold to review.",
        ),
    ] = None,
    ids: Annotated[
        Path | None,
        typer.Option(
            "--ids",
            file_okay=False,
            help="Keep each side's record_id,linkage_id "
            "here (left.csv, right.csv); a re-run with it keeps people's ids.",
        ),
    ] = None,
    force: ForceOption = False,
    workspace: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """Link LEFT and RIGHT: write the pairs of records that are the same person."""
    # Checked before a long run, not at its end.
    check_output(out_file, force=force)
    for folder in (report_dir, ids):
        if folder is not None:
            check_output(folder, directory=True)
    lmap, rmap = _mappings(left, right, mapping, left_mapping, right_mapping)
    if mode is Mode.PLAINTEXT and secret_file is not None:
        raise typer.BadParameter("--secret-file applies to --mode private only")
    secret = read_secret(secret_file) if secret_file else None
    options = LinkOptions(threshold=threshold, one_to_one=not many_to_many, report=report_dir,
                          nhs_numbers_reused=nhs_numbers_reused)  # fmt: skip
    with _node(workspace) as ws, progress_bar(quiet=json_output) as update:
        report = link_sources(left, right, lmap, rmap, out_file, workspace=ws, mode=mode,
                              secret=secret, options=options, as_of=as_of_date(as_of), ids=ids,
                              engine=engine, labels=labels, progress=update)  # fmt: skip
    if json_output:
        emit_json(report.to_json())
    else:
        render(report)


def _mappings(
    left: str, right: str, both: Path | None, left_mapping: Path | None,
    right_mapping: Path | None,
) -> tuple[Path | None, Path | None]:  # fmt: skip
    """Each side's mapping from the options: a dataset takes none, a file needs one."""
    found: list[Path | None] = []
    sides = (("LEFT", left, "--left-mapping", left_mapping),
             ("RIGHT", right, "--right-mapping", right_mapping))  # fmt: skip
    for name, given, option, own in sides:
        chosen = own or both
        if DatasetSource.parse(given) is None:
            if chosen is None:
                raise typer.BadParameter(f"give --mapping, or {option}: {name} ({given}) "
                                         "is a file, read through a mapping")  # fmt: skip
        elif chosen is not None:
            named = option if own is not None else "--mapping (one for both sides)"
            raise typer.BadParameter(f"{named}: {name} ({given}) is a dataset of the "
                                     "workspace, standardised when it was ingested: it "
                                     "takes no mapping")  # fmt: skip
        found.append(chosen)
    return found[0], found[1]


def render(report: LinkReport) -> None:
    for warning in report.warnings:
        err.print(f"warning: {warning}", highlight=False)
    for name, side in (("left", report.left), ("right", report.right)):
        out.print(f"{name}: {side.source}: {side.rows:,} records "
                  f"({side.quarantined_rows:,} quarantined)", markup=False)  # fmt: skip
        for note in side.notes:
            err.print(f"note: {note}", markup=False, highlight=False)
    out.print(f"{report.mode.value} mode: {report.scored:,} pairs scored, "
              f"{report.pairs:,} linked -> {report.out} ({report.seconds:.1f} s)",
              markup=False)  # fmt: skip
    if report.kept_apart:
        out.print(f"{report.kept_apart:,} pairs over the threshold kept apart: different "
                  "valid NHS numbers")  # fmt: skip
    if report.labels:
        out.print(f"labels: {report.labels:,} labelled pairs scored; threshold "
                  f"{report.threshold:g}")  # fmt: skip
    if report.blocking_recall is not None:
        out.print(f"blocking recall (estimated): {report.blocking_recall.estimate:.4f}")
    if report.report is not None:
        out.print(f"report: {report.report / 'index.html'}")


@handle_errors
def dedupe(
    source: Annotated[
        str,
        typer.Argument(
            help="The source (any type ingest reads), or dataset:NAME[@VERSION], a dataset "
            "of the workspace (no mapping)."
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write record_id,cluster_id.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", "-m", help="The source's mapping (a file's; a dataset takes none)."
        ),
    ] = None,
    mode: Annotated[
        Mode,
        typer.Option(
            help="plaintext: compare standardised values (one organisation's own "
            "data); private: keyed encodings only."
        ),
    ] = Mode.PLAINTEXT,
    secret_file: Annotated[
        Path | None, typer.Option("--secret-file", help="The secret for private mode.")
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Match probability that joins two records.")
    ] = 0.9,
    as_of: AsOfOption = None,
    engine: EngineOption = "duckdb",
    force: ForceOption = False,
    nhs_numbers_reused: ReusedOption = False,
    workspace: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """Group the records of SOURCE that are the same person; write one cluster id each."""
    check_output(out_file, force=force)
    is_dataset = DatasetSource.parse(source) is not None
    if is_dataset and mapping is not None:
        raise typer.BadParameter(f"--mapping: {source} is a dataset of the workspace, "
                                 "standardised when it was ingested: it takes none")  # fmt: skip
    if not is_dataset and mapping is None:
        raise typer.BadParameter(f"{source} is a file: give its --mapping")
    if mode is Mode.PLAINTEXT and secret_file is not None:
        raise typer.BadParameter("--secret-file applies to --mode private only")
    secret = read_secret(secret_file) if secret_file else None
    with _node(workspace) as ws, progress_bar(quiet=json_output) as update:
        report = dedupe_source(source, mapping, out_file, workspace=ws, mode=mode, secret=secret,
                               options=LinkOptions(threshold=threshold,
                                                   nhs_numbers_reused=nhs_numbers_reused),
                               as_of=as_of_date(as_of),
                               engine=engine, progress=update)  # fmt: skip
    if json_output:
        emit_json(report.to_json())
        return
    s = report.source
    for note in s.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    out.print(f"{s.source}: {s.rows:,} records ({s.quarantined_rows:,} quarantined)",
              markup=False)  # fmt: skip
    out.print(f"{report.mode.value} mode: {report.scored:,} pairs scored, {report.clusters:,} "
              f"people, {s.rows - report.clusters:,} duplicate records -> {report.out} "
              f"({report.seconds:.1f} s)", markup=False)  # fmt: skip
    if report.kept_apart:
        out.print(f"{report.kept_apart:,} joins refused: they would have put different valid "
                  "NHS numbers in one person")  # fmt: skip
