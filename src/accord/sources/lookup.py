"""Whether a snapshot holds a person: the development identity check behind a subject
access request (``accord audit person``), answered yes or no, never with a record."""

from __future__ import annotations

from datetime import date

from accord.people import lit
from accord.sources.repository import get_snapshot
from accord.store import Workspace, check_name, duckdb_connect


def holds_person(workspace: Workspace, dataset: str, nhs_number: str, born: date) -> bool:
    """True when ``dataset``'s newest snapshot has a record with this NHS number (as
    stored: standardised digits) and date of birth."""
    check_name(dataset, "dataset name")
    path = workspace.root / get_snapshot(workspace.engine, dataset).path
    with duckdb_connect(workspace) as conn:
        found = conn.execute(
            f"SELECT count(*) FROM read_parquet({lit(str(path))}) "
            "WHERE nhs_number = ? AND date_of_birth = ?", [nhs_number, born],
        ).fetchone()  # fmt: skip
    return bool(found and found[0])
