"""Export: a snapshot as CSV or Parquet, canonical fields first, the file whole or absent."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from accord import audit
from accord.people import CANONICAL_FIELDS, OUTPUT_COLUMNS
from accord.sources import SnapshotInfo, SourceError, export_snapshot, ingest
from accord.store import UnsafeOutput, Workspace
from tests.sources.support import mapping, write

STAFF = {"by_role": "data steward", "reason": "ward audit for the safeguarding board"}


def exports(workspace: Workspace) -> list[audit.Event]:
    """The exports the node's log holds."""
    return [e.event for e in audit.entries(workspace) if e.event.name == "snapshot.exported"]


MAPPING = """\
fields:
  record_id: id
  full_name: name
  date_of_birth: {column: dob, format: "%d/%m/%Y"}
  postcode: pc
attributes: [ward, admitted]
"""
DATA = """\
id,name,dob,pc,ward,admitted
2,"JONES, Bob",31/12/1975,ec1a1bb,B1,2024-02-01
1,Ann Smith,03/02/1980,SW1A 1AA,A4,2024-01-05
3,"Ragged",row,with,too,many,values
"""


@pytest.fixture
def snapshot(workspace: Workspace, tmp_path: Path) -> SnapshotInfo:
    source = write(tmp_path / "ward.csv", DATA)
    report = ingest(workspace, str(source), mapping(tmp_path, MAPPING), "ward",
                    as_of=date(2025, 1, 1))  # fmt: skip
    return report.snapshot


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_csv_has_canonical_fields_in_order_then_attributes(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "ward.csv"
    out.parent.mkdir()

    count = export_snapshot(workspace, snapshot, out, **STAFF)

    header, rows = read_csv(out)
    assert count == 2
    assert header == [*CANONICAL_FIELDS, "ward", "admitted"]
    assert [(r["record_id"], r["given_name"], r["family_name"]) for r in rows] == [
        ("2", "bob", "jones"), ("1", "ann", "smith"),
    ]  # source order  # fmt: skip
    assert rows[1]["date_of_birth"] == "1980-02-03"
    assert (rows[0]["postcode"], rows[0]["ward"], rows[0]["admitted"]) == (
        "EC1A 1BB", "B1", "2024-02-01",
    )  # fmt: skip
    assert rows[0]["nhs_number"] == ""  # not mapped, still a column


def test_parquet_keeps_types_and_the_same_columns(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "ward.parquet"

    assert export_snapshot(workspace, snapshot, out, **STAFF) == 2

    with duckdb.connect() as conn:
        names = [
            r[0]
            for r in conn.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(out)]).fetchall()
        ]
        dobs = conn.execute("SELECT date_of_birth FROM read_parquet(?)", [str(out)]).fetchall()
    assert names == [*CANONICAL_FIELDS, "ward", "admitted"]
    assert dobs == [(date(1975, 12, 31),), (date(1980, 2, 3),)]


def test_all_columns_adds_raw_values_issues_and_source_row(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "everything.csv"

    export_snapshot(workspace, snapshot, out, all_columns=True, **STAFF)

    header, rows = read_csv(out)
    assert header == [*OUTPUT_COLUMNS, "source_row", "ward", "admitted"]
    assert [r["source_row"] for r in rows] == ["2", "3"]
    assert rows[0]["full_name_raw"] == "JONES, Bob"
    assert rows[1]["postcode_raw"] == "SW1A 1AA"


@pytest.mark.parametrize("name", ["ward.xlsx", "ward", "ward.csv.gz"])
def test_another_suffix_is_refused(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path, name: str
) -> None:
    with pytest.raises(SourceError, match=r"export writes \.csv or \.parquet"):
        export_snapshot(workspace, snapshot, tmp_path / name, **STAFF)

    assert list(tmp_path.glob("ward*")) == [tmp_path / "ward.csv"]  # only the source


def test_an_unreadable_snapshot_is_refused_and_the_old_export_kept(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "exports" / "ward.csv"
    out.parent.mkdir()
    out.write_text("an older export\n")
    (workspace.root / snapshot.path).chmod(0o644)
    (workspace.root / snapshot.path).write_bytes(b"not parquet any more")

    with pytest.raises(SourceError, match="cannot export snapshot 'ward' version 1"):
        export_snapshot(workspace, snapshot, out, **STAFF)

    assert out.read_text() == "an older export\n"
    assert [p.name for p in out.parent.iterdir()] == ["ward.csv"]
    assert exports(workspace) == []


def test_a_failure_after_writing_leaves_no_partial_file(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exports" / "ward.parquet"
    out.parent.mkdir()

    def full_disk(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full_disk)

    with pytest.raises(SourceError, match=r"ward.parquet: cannot write it \(No space left"):
        export_snapshot(workspace, snapshot, out, **STAFF)

    assert list(out.parent.iterdir()) == []
    assert exports(workspace) == []  # the file never appeared: no export is recorded


def test_an_export_replaces_an_older_one_whole(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "ward.parquet"
    out.write_bytes(b"stale")

    export_snapshot(workspace, snapshot, out, **STAFF)

    assert out.read_bytes()[:4] == b"PAR1"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_an_export_is_owner_only_and_never_a_workspace_s_own_file(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    out = tmp_path / "ward.csv.out.csv"
    export_snapshot(workspace, snapshot, out, **STAFF)
    assert out.stat().st_mode & 0o777 == 0o600
    settings = workspace.root / "accord.toml"
    kept = settings.read_bytes()
    with pytest.raises(UnsafeOutput, match="workspace's own files"):
        export_snapshot(workspace, snapshot, workspace.root / "data" / "x.csv", **STAFF)
    assert settings.read_bytes() == kept


def test_an_export_is_recorded_with_the_staff_role_and_reason(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path
) -> None:
    export_snapshot(workspace, snapshot, tmp_path / "out.csv", **STAFF)
    export_snapshot(workspace, snapshot, tmp_path / "all.parquet", all_columns=True, **STAFF)

    assert exports(workspace) == [
        audit.SnapshotExported(dataset="ward", version=1, rows=2, columns=columns, **STAFF)
        for columns in ("canonical", "all")
    ]


@pytest.mark.parametrize(("role", "reason"), [("", "why"), ("steward", " "), ("a\nb", "why")])
def test_an_export_without_a_role_and_reason_is_refused(
    workspace: Workspace, snapshot: SnapshotInfo, tmp_path: Path, role: str, reason: str
) -> None:
    with pytest.raises(audit.MissingReason):
        export_snapshot(workspace, snapshot, tmp_path / "out.csv", by_role=role, reason=reason)

    assert not (tmp_path / "out.csv").exists()
    assert exports(workspace) == []
