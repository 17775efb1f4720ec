"""Fields that mostly fail: refused before anything is published, unless accepted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accord.sources import FieldsMostlyFailed, IngestReport, MappingError, ingest
from accord.store import Workspace, audit_entries, open_workspace
from tests.sources.support import leftovers, mapping, store_counts, write

AS_OF = date(2025, 1, 1)
EMPTY = {"datasets": 0, "snapshots": 0, "quarantine": 0, "field_stats": 0}
WRONG_FORMAT = """\
fields:
  record_id: id
  given_name: first
  date_of_birth: {column: DOB, format: "%d/%m/%Y"}
"""


def every_date_iso(rows: int = 40) -> str:
    """The issue's case: a mapping says day/month/year, the extract has ISO dates."""
    return "id,first,DOB\n" + "".join(
        f"{i},Name{i},{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}\n" for i in range(rows)
    )


def run(workspace: Workspace, folder: Path, data: str, text: str, **kwargs: Any) -> IngestReport:
    source = write(folder / "gp.csv", data)
    return ingest(workspace, str(source), mapping(folder, text, "gp.mapping.yaml"), "gp",
                  as_of=AS_OF, **kwargs)  # fmt: skip


def logged(workspace: Workspace) -> int:
    with workspace.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar_one())


def test_a_wrong_date_format_on_every_date_stores_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(FieldsMostlyFailed) as refused:
        run(workspace, tmp_path, every_date_iso(), WRONG_FORMAT)

    first, last = str(refused.value).splitlines()
    assert first == (
        f"{tmp_path / 'gp.mapping.yaml'}: fields.date_of_birth (column 'DOB'): 40 of 40 values "
        "(100%) fail as dates in format '%d/%m/%Y' (unparseable 40); "
        "e.g. '1950-01-01', '1951-02-02', '1952-03-03'"
    )
    assert last.endswith("ingest anyway with --accept-issues date_of_birth")
    # Nothing published: no snapshot file or row, no quarantine, no statistics, no log entry.
    assert store_counts(workspace) == EMPTY
    assert leftovers(workspace) == []
    assert logged(workspace) == 0


def test_accepting_the_field_stores_it_with_its_failure_rate(
    workspace: Workspace, tmp_path: Path
) -> None:
    report = run(workspace, tmp_path, every_date_iso(), WRONG_FORMAT,
                 accept_issues=["date_of_birth"])  # fmt: skip

    rates = {f.field: (f.failed, f.values, f.failure_rate) for f in report.fields}
    assert rates["date_of_birth"] == (40, 40, 1.0)
    assert rates["given_name"] == (0, 40, 0.0)
    assert report.to_json()["fields"]["date_of_birth"]["failure_rate"] == 1.0  # type: ignore[index]
    assert report.snapshot.rows == 40


POSTCODES = "fields:\n  record_id: id\n  postcode: pc\n"
TWO_OF_THREE_BAD = "id,pc\n1,LS6 2AB\n2,not a postcode\n3,12345\n4,\n"


def test_the_limit_is_a_setting_and_an_option_for_one_run(
    workspace: Workspace, tmp_path: Path
) -> None:
    # Two of the three postcodes given (the blank one does not count) are not postcodes.
    with pytest.raises(FieldsMostlyFailed, match=r"fields\.postcode \(column 'pc'\): 2 of 3"):
        run(workspace, tmp_path, TWO_OF_THREE_BAD, POSTCODES)

    assert run(workspace, tmp_path, TWO_OF_THREE_BAD, POSTCODES, max_failure_rate=0.7).fields
    settings = workspace.root / "accord.toml"
    settings.write_text(settings.read_text() + "ingest_max_failure_rate = 0.7\n")
    relaxed = open_workspace(workspace.root)
    try:
        assert run(relaxed, tmp_path, TWO_OF_THREE_BAD, POSTCODES).snapshot.version == 2
        with pytest.raises(FieldsMostlyFailed):
            run(relaxed, tmp_path, TWO_OF_THREE_BAD, POSTCODES, max_failure_rate=0.5)
    finally:
        relaxed.close()


def test_half_failing_is_not_more_than_half(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    report = run(sqlite_workspace, tmp_path, "id,pc\n1,LS6 2AB\n2,nowhere\n", POSTCODES)

    (postcode,) = [f for f in report.fields if f.field == "postcode"]
    assert postcode.failure_rate == 0.5


def test_a_required_field_quarantined_for_failing_counts(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    text = WRONG_FORMAT + "required: [record_id, date_of_birth]\n"

    with pytest.raises(FieldsMostlyFailed, match=r"40 of 40 values \(100%\)") as refused:
        run(sqlite_workspace, tmp_path, every_date_iso(), text)

    assert "e.g. '1950-01-01', '1951-02-02', '1952-03-03'" in str(refused.value)
    assert store_counts(sqlite_workspace) == EMPTY


def test_warnings_are_not_failures(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    # Inferred day-first dates that could be month-first are flagged, not wrong.
    text = "fields:\n  record_id: id\n  date_of_birth: dob\n"
    data = "id,dob\n1,01/02/1980\n2,03/04/1981\n3,05/06/1982\n"

    report = run(sqlite_workspace, tmp_path, data, text)

    (dob,) = [f for f in report.fields if f.field == "date_of_birth"]
    assert (dob.flagged, dob.failed) == (3, 0)


def test_an_accepted_field_must_be_mapped(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="issues accepted for dob, which the mapping"):
        run(sqlite_workspace, tmp_path, every_date_iso(), WRONG_FORMAT, accept_issues=["dob"])

    assert store_counts(sqlite_workspace) == EMPTY


def test_each_failing_field_is_named(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    text = WRONG_FORMAT + "  nhs_number: nhs\n"
    data = "id,first,DOB,nhs\n1,Ann,1980-01-01,1234567890\n2,Bob,1981-01-01,12345\n"

    with pytest.raises(FieldsMostlyFailed) as refused:
        run(sqlite_workspace, tmp_path, data, text, accept_issues=["given_name"])

    lines = str(refused.value).splitlines()
    assert "fields.date_of_birth" in lines[0]
    assert "fields.nhs_number (column 'nhs'): 2 of 2 values (100%) fail as NHS numbers" in lines[1]
    assert "(check_digit 1, format 1); e.g. '1234567890', '12345'" in lines[1]
    assert lines[2].endswith("--accept-issues date_of_birth --accept-issues nhs_number")
