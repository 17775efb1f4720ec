"""What the store tells of a snapshot without handing out a row, on both stores: its
quarantine as counts by reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accord import audit
from accord.sources import QuarantineReason, ingest, quarantine_reasons
from accord.store import Workspace
from tests.sources.support import NAMES, mapping, write


def test_quarantine_is_counted_by_reason_and_column_without_its_values(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = NAMES + "  date_of_birth: {column: dob, format: '%d/%m/%Y'}\n"
    text += "required: [record_id, date_of_birth]\n"
    data = (
        "id,first,last,dob\n1,Ann,Smith,03/02/1980\n2,Bob,Jones,\n3,Cy,Ze,31/02/1980\n"
        "4,Dee,Ek,\n5,Zedcanary,Fo,01/01/1970,extra\n6,Eve,Gu,31/13/1990\n,Fay,Ho,01/01/1971\n"
        + "".join(f"{n},Gil,Ive,0{n - 6}/01/1960\n" for n in range(7, 12))
    )
    source = write(tmp_path / "people.csv", data)
    snap = ingest(workspace, str(source), mapping(tmp_path, text), "people",
                  as_of=date(2025, 1, 1)).snapshot  # fmt: skip
    logged = len(list(audit.entries(workspace)))

    found = quarantine_reasons(workspace.engine, snap.id)

    unusable = "required field date_of_birth could not be standardised (unparseable)"
    assert found[:2] == [
        QuarantineReason(unusable, "dob", 2),  # most rows first, then by reason
        QuarantineReason("required field date_of_birth is blank", "dob", 2),
    ]
    assert sorted((r.reason.split(":")[0], r.column, r.rows) for r in found[2:]) == [
        ("required field record_id is blank", "id", 1),
        ("too many columns", None, 1),
    ]
    assert sum(r.rows for r in found) == snap.quarantined_rows == 6
    assert "zedcanary" not in repr(found).lower()
    assert len(list(audit.entries(workspace))) == logged  # counts use nobody's data
    assert quarantine_reasons(workspace.engine, snap.id + 1) == []
