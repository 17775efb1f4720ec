"""The identity check behind a subject access request: yes or no, never a record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from accord.sources import UnknownDataset, holds_person, ingest
from accord.store import InvalidName, Workspace


@pytest.fixture
def people(workspace: Workspace, tmp_path: Path) -> Workspace:
    source = tmp_path / "people.csv"
    source.write_text("id,nhs,dob\n1,943 476 5919,1980-02-29\n2,,1975-06-01\n", encoding="utf-8")
    mapping = tmp_path / "people.yaml"
    mapping.write_text("fields: {record_id: id, nhs_number: nhs, date_of_birth: dob}\n")
    ingest(workspace, str(source), mapping, "people")
    return workspace


def test_a_person_is_found_by_the_standardised_number_and_birthday(people: Workspace) -> None:
    assert holds_person(people, "people", "9434765919", date(1980, 2, 29))
    assert not holds_person(people, "people", "9434765919", date(1980, 3, 1))
    assert not holds_person(people, "people", "4010232137", date(1975, 6, 1))


def test_unknown_and_hostile_datasets_are_refused(people: Workspace) -> None:
    with pytest.raises(UnknownDataset):
        holds_person(people, "nope", "9434765919", date(1980, 2, 29))
    with pytest.raises(InvalidName, match="dataset name"):
        holds_person(people, "../people", "9434765919", date(1980, 2, 29))
