"""Descriptions: validated by key, checked against the data's columns, stored on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord import audit
from accord.catalog import (
    DatasetMetadata,
    MetadataError,
    describe,
    entry,
    load_metadata,
    parse_metadata,
)
from accord.quality import assess
from accord.sources import UnknownDataset
from accord.store import Workspace
from tests.catalog.support import DESCRIPTION, description
from tests.quality.support import AS_OF, CLEAN, DIRTY, ingest_rows


def test_a_description_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gp.yaml"
    path.write_text(DESCRIPTION, encoding="utf-8")
    found = load_metadata(path)
    assert found.title == "Registered patients"
    assert found.fields["record_id"].description == "The practice's registration number."
    assert found.fields["nhs_number"].title == "NHS number"
    assert found.update_frequency == "monthly"
    assert found.special_category is True
    assert found.publisher_name == "Leeds Road Surgery"
    assert (found.licence, found.access_rights, found.security_classification) == (
        "DATA_SHARE_AGREEMENT", "INTERNAL", "OFFICIAL")  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"owner": {"organisation": "X", "contact": {"name": "T"}}},
         "gp.yaml: owner.contact.email: required"),
        ({"owner": {"organisation": "X", "contact": {"name": "T", "email": "nobody"}}},
         "gp.yaml: owner.contact.email: String should match pattern"),
        ({"update_frequency": "fortnightly"}, "gp.yaml: update_frequency: Input should be"),
        ({"sensitivity": "high"}, "gp.yaml: sensitivity: unknown key (see docs/catalog.md)"),
        ({"temporal": {"start": "2026-01-01", "end": "2025-01-01"}},
         "gp.yaml: temporal: end is before start"),
        ({"fields": {"nhs_number": {"title": "NHS"}}},
         "gp.yaml: fields.nhs_number.description: required"),
        ({"summary": "x" * 251}, "gp.yaml: summary: String should have at most 250 characters"),
    ],
)  # fmt: skip
def test_mistakes_are_refused_naming_the_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(MetadataError) as caught:
        parse_metadata({**description(), **change}, "gp.yaml")
    assert message in str(caught.value)


def test_missing_keys_are_each_named() -> None:
    with pytest.raises(MetadataError) as caught:
        parse_metadata({"title": "T"}, "d.yaml")
    lines = str(caught.value).splitlines()
    for key in (
        "description",
        "owner",
        "collection_method",
        "update_frequency",
        "legal_basis",
        "special_category",
    ):
        assert f"d.yaml: {key}: required" in lines


def test_bad_yaml_and_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"bad.yaml: not valid YAML at line 2"):
        load_metadata(bad)
    with pytest.raises(MetadataError, match="cannot read description"):
        load_metadata(tmp_path / "missing.yaml")
    with pytest.raises(MetadataError, match="must be a YAML mapping"):
        parse_metadata(["title"], "list.yaml")


def test_described_datasets_read_back_with_versions_and_quality(workspace: Workspace) -> None:
    ingest_rows(workspace, DIRTY, "gp")
    ingest_rows(workspace, CLEAN, "gp")
    assessed = assess(workspace, "gp", today=AS_OF)
    metadata = parse_metadata(description(), "gp.yaml")
    describe(workspace, "gp", metadata)
    found = entry(workspace, "gp")
    assert found.metadata == metadata
    counts = [(v.version, v.rows, v.quarantined_rows) for v in found.versions]
    assert counts == [(1, 6, 0), (2, 3, 0)]
    assert [v.kitemark for v in found.versions] == [None, assessed.kitemark]
    assert found.versions[1].scores == assessed.scored
    assert found.versions[0].scores == {}
    assert all(v.bytes > 0 for v in found.versions)
    # Describing again replaces the description; the log keeps each one's digest.
    describe(workspace, "gp", metadata.model_copy(update={"title": "Patients"}))
    assert entry(workspace, "gp").metadata == metadata.model_copy(update={"title": "Patients"})
    described = [e.event for e in audit.entries(workspace) if e.event.name == "dataset.described"]
    expected = ("gp", 2, metadata.legal_basis, metadata.special_category)
    assert [(e.dataset, e.version, e.legal_basis, e.special_category)  # type: ignore[attr-defined]
            for e in described] == [expected, expected]  # fmt: skip
    assert len({e.digest for e in described}) == 2  # type: ignore[attr-defined]


def test_describe_refuses_columns_the_data_lacks(sqlite_workspace: Workspace) -> None:
    ingest_rows(sqlite_workspace, CLEAN, "gp")
    data = description()
    data["fields"] = {"nhs_number": "ok", "nhs": "not a column"}
    with pytest.raises(MetadataError, match=r"gp.yaml: fields.nhs: gp v1 has no column 'nhs'"):
        describe(sqlite_workspace, "gp", parse_metadata(data, "gp.yaml"), "gp.yaml")
    assert [e.event.name for e in audit.entries(sqlite_workspace)] == ["dataset.ingested"]


def test_describe_refuses_an_unknown_dataset(sqlite_workspace: Workspace) -> None:
    with pytest.raises(UnknownDataset):
        describe(sqlite_workspace, "nothing", DatasetMetadata.model_validate(description()))
