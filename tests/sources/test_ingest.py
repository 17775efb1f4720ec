"""Ingest end to end on both stores: quarantine, statistics, atomicity, immutable snapshots."""

from __future__ import annotations

import csv
import json
import stat
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from accord import audit
from accord.scenarios import generate
from accord.sources import (
    IngestReport,
    MappingError,
    SourceUnreadable,
    export_snapshot,
    get_snapshot,
    ingest,
    latest_snapshots,
    quarantined,
    statistics,
)
from accord.sources.readers.jsonl import JsonLinesReader
from accord.store import Workspace, open_workspace, snapshots
from tests.sources.support import NAMES, leftovers, mapping, snapshot_rows, store_counts, write

AS_OF = date(2025, 1, 1)
INGEST = import_module("accord.sources.ingest")
"""The module: ``accord.sources.ingest`` is the function of that name."""
EMPTY = {"datasets": 0, "snapshots": 0, "quarantine": 0, "field_stats": 0}


def run(
    workspace: Workspace, folder: Path, data: bytes | str, text: str = NAMES,
    name: str = "people.csv", dataset: str = "people", **kwargs: Any,
) -> IngestReport:  # fmt: skip
    source = write(folder / name, data)
    return ingest(workspace, str(source), mapping(folder, text), dataset, as_of=AS_OF, **kwargs)


def test_an_ingest_records_its_snapshot(workspace: Workspace, tmp_path: Path) -> None:
    report = run(workspace, tmp_path, "id,first,last\n1,Ann,Smith\n2,Bob,Jones\n")

    snap = report.snapshot
    assert (snap.dataset, snap.version, snap.rows, snap.read_rows) == ("people", 1, 2, 2)
    assert (snap.quarantined_rows, snap.source_kind) == (0, "csv")
    assert (snap.source, snap.as_of) == (str(tmp_path / "people.csv"), AS_OF)
    assert snap.path == f"data/snapshots/{snap.content_hash}.parquet"
    assert get_snapshot(workspace.engine, "people") == snap
    assert latest_snapshots(workspace.engine) == [snap]
    assert snapshot_rows(workspace, snap, "source_row", "record_id", "given_name") == [
        (2, "1", "ann"), (3, "2", "bob"),
    ]  # fmt: skip
    assert leftovers(workspace) == [workspace.root / snap.path]
    # The audit log holds the ingest, and verifies.
    (entry,) = audit.export(workspace, 0, 1)["entries"]
    recorded = json.loads(entry["entry"])
    assert recorded["type"] == "dataset.ingested"
    assert recorded["event"]["content_hash"] == snap.content_hash
    assert audit.verify(workspace).size >= 1


def test_a_cp1252_extract_is_read_as_its_mapping_says(workspace: Workspace, tmp_path: Path) -> None:
    data = b"id;first;last\r\n1;Zo\xeb;\x93O'Brien\x94\r\n"
    text = "source: {encoding: cp1252, delimiter: ';'}\n" + NAMES

    report = run(workspace, tmp_path, data, text)

    assert snapshot_rows(workspace, report.snapshot, "given_name_raw", "family_name_raw") == [
        ("Zoë", "\u201cO'Brien\u201d"),
    ]  # fmt: skip


def test_quarantine_rows_are_the_rows_a_person_sees(workspace: Workspace, tmp_path: Path) -> None:
    data = (
        'id,first,last\r\n1,"Ann\r\nMarie",Smith\r\n2,Bob,Jones,extra\r\n\r\n'
        '3,Cy\r\n,Dee,Ek\r\n5,Eve,Fo\r\n6,"Open,quote\r\n'
    )

    report = run(workspace, tmp_path, data)

    entries = quarantined(workspace, report.snapshot, by_role="data steward", reason="test")
    source = str(tmp_path / "people.csv")
    assert [(q.source_file, q.row_number, q.column) for q in entries] == [
        (source, 3, None), (source, 5, "last"), (source, 6, "id"), (source, 8, "first"),
    ]  # fmt: skip
    reasons = [q.reason for q in entries]
    assert reasons[0].startswith("too many columns")
    assert reasons[1].startswith("missing columns")
    assert reasons[2] == "required field record_id is blank"
    assert "unterminated quote" in reasons[3]
    assert entries[0].raw == "2,Bob,Jones,extra"
    snap = report.snapshot
    assert snapshot_rows(workspace, snap, "source_row", "record_id") == [(2, "1"), (7, "5")]
    assert (snap.rows, snap.read_rows, snap.quarantined_rows) == (2, 6, 4)


@pytest.mark.parametrize(
    "blank", ["", "   ", "\t", "\u00a0"], ids=["empty", "spaces", "tab", "nbsp"]
)
def test_a_blank_required_field_is_quarantined(
    workspace: Workspace, tmp_path: Path, blank: str
) -> None:
    report = run(workspace, tmp_path, f"id,first,last\n1,Ann,Smith\n{blank},Bob,Jones\n")

    (entry,) = quarantined(workspace, report.snapshot, by_role="data steward", reason="test")
    assert (entry.row_number, entry.column) == (3, "id")
    assert entry.reason == "required field record_id is blank"
    assert entry.raw is not None
    assert json.loads(entry.raw) == {"id": blank or None, "first": "Bob", "last": "Jones"}
    assert snapshot_rows(workspace, report.snapshot, "record_id") == [("1",)]


def test_required_fields_that_are_blank_or_unusable_are_quarantined(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = NAMES + "  date_of_birth: {column: dob, format: '%d/%m/%Y'}\n"
    text += "required: [record_id, date_of_birth]\n"
    data = "id,first,last,dob\n1,Ann,Smith,03/02/1980\n2,Bob,Jones,\n3,Cy,Ze,31/02/1980\n"

    report = run(workspace, tmp_path, data, text)

    entries = quarantined(workspace, report.snapshot, by_role="data steward", reason="test")
    assert [(q.row_number, q.column, q.reason) for q in entries] == [
        (3, "dob", "required field date_of_birth is blank"),
        (4, "dob", "required field date_of_birth could not be standardised (unparseable)"),
    ]
    assert entries[1].raw == "31/02/1980"
    assert snapshot_rows(workspace, report.snapshot, "record_id", "date_of_birth") == [
        ("1", date(1980, 2, 3)),
    ]  # fmt: skip
    assert report.snapshot.quarantined_rows == 2


STATS_MAPPING = """\
fields:
  record_id: id
  full_name: name
  date_of_birth: {column: dob, format: "%d/%m/%Y"}
  sex: {column: sex, codes: {"1": male, "2": female}}
  nhs_number: nhs
  postcode: pc
"""
STATS_DATA = """\
id,name,dob,sex,nhs,pc
1,"SMITH, Ann",03/02/1980,1,9434765919,SW1A 1AA
2,Bob Jones,31/02/1980,2,,
3,Cy Ze,,q,,
,Dee Ek,01/01/1990,2,,
5,,01/01/1970,9,,ec1a1bb
6,Too,Many,Columns,Here,x,y
"""


def test_field_statistics_count_exactly(workspace: Workspace, tmp_path: Path) -> None:
    report = run(workspace, tmp_path, STATS_DATA, STATS_MAPPING)

    fields = {f.field: (f.read, f.standardised, f.issues, f.quarantined) for f in report.fields}
    # Kept: ids 1, 2, 3 and 5. The blank id (row 5) and the ragged row 7 are quarantined.
    assert fields == {
        "record_id": (4, 4, {}, 1),
        "full_name": (3, 3, {}, 0),
        "given_name": (3, 3, {}, 0),
        "middle_names": (0, 0, {}, 0),
        "family_name": (3, 3, {}, 0),
        "date_of_birth": (3, 2, {"unparseable": 1}, 0),  # 31 February
        "sex": (4, 3, {"unknown_code": 1}, 0),  # "q"
        "nhs_number": (1, 1, {}, 0),
        "postcode": (2, 2, {}, 0),
        "(row)": (0, 0, {}, 1),
    }
    assert list(fields) == [
        "record_id", "full_name", "given_name", "middle_names", "family_name",
        "date_of_birth", "sex", "nhs_number", "postcode", "(row)",
    ]  # fmt: skip
    stored = statistics(workspace.engine, report.snapshot.id)
    assert ("sex", "unknown_code", 1) in stored
    assert ("date_of_birth", "(present)", 3) in stored
    assert ("record_id", "(quarantined)", 1) in stored
    assert report.to_json()["fields"]["sex"] == {  # type: ignore[index]
        "read": 4, "standardised": 3, "flagged": 1, "quarantined": 0,
        "failed": 1, "failure_rate": 0.25, "issues": {"unknown_code": 1},
    }  # fmt: skip
    # A value fails when it has no standard form or an issue that says it is wrong.
    failed = {f.field: (f.failed, f.values) for f in report.fields}
    assert failed["date_of_birth"] == (1, 3)
    assert failed["postcode"] == (0, 2)
    assert ("sex", "(failed)", 1) in stored


def test_a_header_only_file_gives_an_empty_snapshot(workspace: Workspace, tmp_path: Path) -> None:
    report = run(workspace, tmp_path, "id,first,last\r\n")

    assert (report.snapshot.rows, report.snapshot.read_rows) == (0, 0)
    assert (workspace.root / report.snapshot.path).is_file()
    assert snapshot_rows(workspace, report.snapshot, "record_id") == []


def test_an_empty_file_is_refused_and_leaves_nothing(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="the file is empty"):
        run(workspace, tmp_path, "")

    assert store_counts(workspace) == EMPTY
    assert leftovers(workspace) == []


def test_a_missing_sheet_is_refused_naming_the_mapping(
    workspace: Workspace, tmp_path: Path
) -> None:
    generate("gp-hospital-council", people=5, out=tmp_path, seed=1, as_of=AS_OF)
    path = mapping(tmp_path, (tmp_path / "hospital.mapping.yaml").read_text().replace(
        "sheet: Admissions", "sheet: Discharges"))  # fmt: skip

    with pytest.raises(MappingError) as caught:
        ingest(workspace, str(tmp_path / "hospital.xlsx"), path, "hospital")

    assert str(caught.value).startswith(f"{path}: source.sheet: no sheet 'Discharges'")
    assert store_counts(workspace) == EMPTY


def test_progress_is_reported_by_phase(workspace: Workspace, tmp_path: Path) -> None:
    phases: list[str] = []

    run(workspace, tmp_path, "id,first,last\n1,Ann,Smith\n",
        progress=lambda phase, _done, _total: phases.append(phase))  # fmt: skip

    assert list(dict.fromkeys(phases)) == ["read", "standardise", "publish"]


def test_jsonl_ingests_with_nested_attributes(workspace: Workspace, tmp_path: Path) -> None:
    data = '{"id": 1, "first": "Ann", "last": "Smith", "tags": ["a"]}\n[]\n'

    report = run(workspace, tmp_path, data, NAMES + "attributes: [tags]\n", name="p.jsonl")

    assert snapshot_rows(workspace, report.snapshot, "record_id", "tags") == [("1", '["a"]')]
    (entry,) = quarantined(workspace, report.snapshot, by_role="data steward", reason="test")
    assert (entry.row_number, entry.reason) == (2, "not a JSON object but list")


# Atomicity: a failure anywhere leaves no row, no snapshot file and no scratch.


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the store went away")


def test_a_store_failure_after_publishing_undoes_the_file(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(INGEST, "save_snapshot", _boom)

    with pytest.raises(RuntimeError, match="the store went away"):
        run(workspace, tmp_path, "id,first,last\n1,Ann,Smith\n2,Bob\n")

    assert store_counts(workspace) == EMPTY
    assert leftovers(workspace) == []


def test_an_interrupt_while_saving_undoes_the_file(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(INGEST, "save_snapshot", interrupted)

    with pytest.raises(KeyboardInterrupt):
        run(workspace, tmp_path, "id,first,last\n1,Ann,Smith\n")

    assert store_counts(workspace) == EMPTY
    assert leftovers(workspace) == []


@pytest.fixture
def small_chunks(workspace: Workspace) -> Iterator[Workspace]:
    """The same workspace, reopened to stream rows 100 at a time."""
    settings = workspace.root / "accord.toml"
    settings.write_text(settings.read_text() + "chunk_rows = 100\n")
    reopened = open_workspace(workspace.root)
    assert reopened.settings.chunk_rows == 100
    yield reopened
    reopened.engine.dispose()


def test_a_reader_failing_mid_load_leaves_nothing(
    small_chunks: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse = JsonLinesReader._parse

    def failing(self: JsonLinesReader, line: Any, number: int, rejected: list[Any]) -> Any:
        if number == 250:  # two chunks already written to DuckDB
            raise OSError("the network share went away")
        return parse(self, line, number, rejected)

    monkeypatch.setattr(JsonLinesReader, "_parse", failing)
    data = "".join(f'{{"id": {i}, "first": "A", "last": "B"}}\n' for i in range(300))

    with pytest.raises(OSError, match="network share"):
        run(small_chunks, tmp_path, data, name="people.jsonl")

    assert store_counts(small_chunks) == EMPTY
    assert leftovers(small_chunks) == []


def test_identical_data_gives_a_new_version_of_the_same_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    data = "id,first,last\n1,Ann,Smith\n2,Bob,Jones\n"
    first = run(workspace, tmp_path, data).snapshot
    second = run(workspace, tmp_path, data).snapshot

    assert (first.version, second.version) == (1, 2)
    assert second.content_hash == first.content_hash
    assert second.path == first.path
    assert [s.version for s in latest_snapshots(workspace.engine)] == [2]
    assert get_snapshot(workspace.engine, "people", 1) == first
    assert leftovers(workspace) == [workspace.root / first.path]


def test_a_failed_ingest_keeps_a_file_it_did_not_create(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "id,first,last\n1,Ann,Smith\n"
    kept = run(workspace, tmp_path, data).snapshot
    monkeypatch.setattr(INGEST, "save_snapshot", _boom)

    with pytest.raises(RuntimeError):
        run(workspace, tmp_path, data, dataset="copy")  # the same content, another dataset

    assert (workspace.root / kept.path).is_file()
    assert store_counts(workspace)["snapshots"] == 1
    assert snapshot_rows(workspace, kept, "record_id") == [("1",)]


def test_snapshot_files_are_read_only(workspace: Workspace, tmp_path: Path) -> None:
    snap = run(workspace, tmp_path, "id,first,last\n1,Ann,Smith\n").snapshot

    # Read-only, and its owner's alone: it holds personal data.
    assert stat.S_IMODE((workspace.root / snap.path).stat().st_mode) == 0o400


def test_attributes_are_stored_under_canonical_names_the_source_spelling_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    data = "id,first,last,RegisteredDate,Ward Name\n1,Ann,Smith,2024-01-02,Elm\n"
    text = NAMES + "attributes: [RegisteredDate, {ward: Ward Name}]\n"
    snap = run(workspace, tmp_path, data, text).snapshot

    assert snapshot_rows(workspace, snap, "registered_date", "ward") == [("2024-01-02", "Elm")]
    assert snap.attributes() == {"registered_date": "RegisteredDate", "ward": "Ward Name"}
    assert get_snapshot(workspace.engine, "people").attributes() == snap.attributes()


def test_a_snapshot_from_before_canonical_names_still_reads(
    workspace: Workspace, tmp_path: Path
) -> None:
    # What older versions stored: the attribute under the source's spelling, listed.
    snap = run(workspace, tmp_path, "id,first,last,Ward\n1,Ann,Smith,Elm\n",
               NAMES + "attributes: [Ward]\n").snapshot  # fmt: skip
    old = workspace.root / snap.path
    with duckdb.connect() as conn:
        conn.execute(f"COPY (SELECT * RENAME (ward AS \"Ward\") FROM read_parquet('{old}')) "
                     f"TO '{tmp_path / 'old.parquet'}' (FORMAT parquet)")  # fmt: skip
    stored = json.loads(snap.mapping) | {"attributes": ["Ward"]}
    old.chmod(0o600)
    (tmp_path / "old.parquet").replace(old)
    with workspace.engine.begin() as conn:
        conn.execute(sa.update(snapshots).values(mapping=json.dumps(stored)))
    found = get_snapshot(workspace.engine, "people")

    assert found.attributes() == {"Ward": "Ward"}
    out = tmp_path / "export.csv"
    assert export_snapshot(workspace, found, out, by_role="data steward",
                           reason="an old snapshot still reads") == 1  # fmt: skip
    assert out.read_text().splitlines()[0].endswith(",Ward")


def test_snapshot_files_hold_rows_in_source_order(workspace: Workspace, tmp_path: Path) -> None:
    # The content hash is only stable if the row order is, whatever DuckDB's threads do:
    # enough rows for several row groups, so both threads take part, and gaps to number
    # around. Nothing sorts them; the pipeline must keep them in order.
    total = 300_000
    lines = ["id,first,last"] + [f"{i},{'Bob' if i % 3 else 'Robert'},Smith" for i in range(total)]
    broken = {1000, 150_001, 299_999}
    for n in broken:
        lines[n] = f"{n},too,many,values"

    snap = run(workspace, tmp_path, "\n".join(lines) + "\n").snapshot
    again = run(workspace, tmp_path, "\n".join(lines) + "\n").snapshot

    path = str(workspace.root / snap.path)
    with duckdb.connect() as conn:
        stored = conn.execute("SELECT source_row FROM read_parquet(?)", [path]).fetchall()
    assert [r[0] for r in stored] == [n + 1 for n in range(1, total + 1) if n not in broken]
    assert again.content_hash == snap.content_hash


# The scenario's own extracts, each with the mapping written beside it.


def truth_counts(folder: Path) -> Counter[str]:
    with (folder / "truth.csv").open(encoding="utf-8", newline="") as fh:
        return Counter(row["organisation"] for row in csv.DictReader(fh))


def truth_ids(folder: Path, organisation: str) -> list[str]:
    with (folder / "truth.csv").open(encoding="utf-8", newline="") as fh:
        return sorted(
            r["record_id"] for r in csv.DictReader(fh) if r["organisation"] == organisation
        )


@pytest.mark.parametrize("council_as_url", [False, True], ids=["sqlite-path", "sqlite-url"])
def test_the_scenario_extracts_ingest_with_their_mappings(
    workspace: Workspace, tmp_path: Path, council_as_url: bool
) -> None:
    folder = tmp_path / "scenario"
    generate("gp-hospital-council", people=200, out=folder, seed=1, as_of=AS_OF)
    council = folder / "council.sqlite"
    sources = {
        "gp": str(folder / "gp.csv"),
        "hospital": str(folder / "hospital.xlsx"),
        "council": f"sqlite:///{council}" if council_as_url else str(council),
    }

    reports = {
        org: ingest(workspace, source, folder / f"{org}.mapping.yaml", org, as_of=AS_OF)
        for org, source in sources.items()
    }

    expected = truth_counts(folder)
    for org, report in reports.items():
        snap = report.snapshot
        assert (snap.rows, snap.read_rows, snap.quarantined_rows) == (
            expected[org],
            expected[org],
            0,
        )
        ids = sorted(r[0] for r in snapshot_rows(workspace, snap, "record_id"))
        assert ids == truth_ids(folder, org)
    assert {s.source_kind for s in latest_snapshots(workspace.engine)} == {"csv", "excel", "sql"}


def test_progress_is_reported_for_every_phase(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    rows = "".join(f"{i},Ann,Lee\n" for i in range(1, 2001))
    source = write(tmp_path / "people.csv", "id,first,last\n" + rows)
    seen: list[tuple[str, int, int | None]] = []
    ingest(sqlite_workspace, str(source), mapping(tmp_path, NAMES), "people",
           progress=lambda phase, done, total: seen.append((phase, done, total)))  # fmt: skip
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["read", "standardise", "publish"]
    standardise = [(done, total) for phase, done, total in seen if phase == "standardise"]
    assert standardise[0] == (0, 1000)
    assert standardise[-1] == (1000, 1000)
    assert [done for done, _ in standardise] == sorted(done for done, _ in standardise)


def test_blank_address_columns_are_skipped_when_joined(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    source = write(tmp_path / "a.csv", "id,line1,line2,town\n1,12 High St,\t,Leeds\n2,\u00a0, ,\n")
    text = "fields:\n  record_id: id\n  address: [line1, line2, town]\n"
    report = ingest(sqlite_workspace, str(source), mapping(tmp_path, text), "a")
    rows = snapshot_rows(sqlite_workspace, report.snapshot, "address_raw", "address")
    assert rows == [("12 High St, Leeds", "12 high st leeds"), (None, None)]


def test_an_ingest_never_imports_pandas(tmp_path: Path) -> None:
    # pyarrow imports pandas behind some conversions (to_numpy, array from a list): most
    # of a second of start-up that an ingest must not pay.
    source = tmp_path / "p.csv"
    source.write_bytes(b"id,first,last\n1,Bill,Smith\n2,Zo\xeb,Ng,extra\n3,\x93Ann\x94,Lee\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(NAMES, encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from accord.store import init_workspace; "
        "from accord.sources import ingest; "
        f"ws = init_workspace(Path({str(tmp_path / 'ws')!r}), 'n'); "
        f"ingest(ws, {str(source)!r}, Path({str(mapping)!r}), 'people'); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_identical_ingests_at_the_same_moment_each_get_a_version(
    workspace: Workspace, tmp_path: Path
) -> None:
    data = "id,first,last\n1,Ann,Smith\n2,Bob,Jones\n"
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
        write(folder / "people.csv", data)
        mapping(folder, NAMES)
    start = threading.Barrier(2)

    def one(folder: Path) -> IngestReport:
        start.wait()
        source, rules = folder / "people.csv", folder / "source.mapping.yaml"
        return ingest(workspace, str(source), rules, "people", as_of=AS_OF)

    reports = []
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports += list(pool.map(one, folders))
    versions = sorted(r.snapshot.version for r in reports)
    assert versions == [1, 2, 3, 4, 5, 6]
    assert len({r.snapshot.path for r in reports}) == 1
    assert (workspace.root / reports[0].snapshot.path).is_file()
    assert store_counts(workspace)["snapshots"] == 6
    assert audit.verify(workspace).size == 6  # one dataset.ingested for each
