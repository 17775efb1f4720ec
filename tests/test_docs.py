"""Docs that cannot drift: each test fails when something in the code is missing from docs/."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from accord.agreements import Agreement, Code, ObligationKind, json_schema
from accord.audit import EVENT_TYPES
from accord.catalog import DatasetMetadata, formats, parse_metadata
from accord.cli.reference import splice
from accord.exchange import PROBLEMS, MemberRole
from accord.people import OUTPUT_COLUMNS
from accord.quality import LEVELS, Dimension, check_types
from accord.sources import readers
from accord.store import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_cli_reference_is_generated_from_the_commands() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert splice(text) == text, "run: python -m accord.cli.reference"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text
    assert f"`ACCORD_{name.upper()}`" in text


@pytest.mark.parametrize("reader", readers(), ids=lambda r: r.kind)
def test_every_reader_and_its_options_are_documented(reader: type) -> None:
    text = (DOCS / "sources.md").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith(f"| `{reader.kind}` |")), "")
    assert row, f"no row for reader {reader.kind} in docs/sources.md"
    for option in reader.options_allowed:  # type: ignore[attr-defined]
        assert f"`{option}`" in row


@pytest.mark.parametrize("column", list(OUTPUT_COLUMNS))
def test_every_snapshot_column_is_documented(column: str) -> None:
    text = (DOCS / "standardisation.md").read_text(encoding="utf-8")
    assert f"`{column}`" in text


def test_readme_shows_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text


@pytest.mark.parametrize("slug", list(check_types()))
def test_every_quality_check_is_documented(slug: str) -> None:
    text = (DOCS / "quality.md").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith(f"| `{slug}` |")), "")
    assert row, f"no row for check type {slug} in docs/quality.md"
    assert f"| {check_types()[slug].dimension} |" in row


def test_the_kitemark_criteria_in_the_docs_are_the_computed_ones() -> None:
    text = (DOCS / "quality.md").read_text(encoding="utf-8")
    for level in LEVELS:
        dimensions = ", ".join(d.value for d in Dimension if d in level.dimensions)
        assert f"| {level.kitemark.label} | {level.minimum:g} | {dimensions} |" in text


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_audit_event_type_is_documented_with_its_fields(name: str) -> None:
    text = (DOCS / "audit.md").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), "")
    assert row, f"no row for event type {name} in docs/audit.md"
    fields = ", ".join(f.name for f in dataclasses.fields(EVENT_TYPES[name]))
    assert row.endswith(f"| {fields} |"), f"docs/audit.md: {name}'s fields are {fields}"


def test_agreement_schema_is_published_and_current() -> None:
    text = (DOCS / "agreement.schema.json").read_text(encoding="utf-8")
    assert json.loads(text) == json_schema(), "run: python -m accord.agreements.schema"


@pytest.mark.parametrize("code", [c.value for c in Code])
def test_every_decision_reason_is_documented(code: str) -> None:
    text = (DOCS / "agreements.md").read_text(encoding="utf-8")
    assert f"| `{code}` |" in text


@pytest.mark.parametrize("kind", [k.value for k in ObligationKind])
def test_every_obligation_is_documented(kind: str) -> None:
    text = (DOCS / "agreements.md").read_text(encoding="utf-8")
    assert f"| `{kind}` |" in text


@pytest.mark.parametrize("name", sorted(Agreement.model_fields))
def test_every_agreement_field_is_documented(name: str) -> None:
    text = (DOCS / "agreements.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text


@pytest.mark.parametrize("name", list(formats()))
def test_every_export_format_is_documented(name: str) -> None:
    text = (DOCS / "catalog.md").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), "")
    assert row, f"no row for export format {name} in docs/catalog.md"
    assert f"| {formats()[name].standard.split(' (')[0]}" in row


@pytest.mark.parametrize("key", sorted(DatasetMetadata.model_fields))
def test_every_description_key_is_documented(key: str) -> None:
    text = (DOCS / "catalog.md").read_text(encoding="utf-8")
    assert any(line.startswith(f"| `{key}` |") for line in text.splitlines())


def test_the_description_example_in_the_docs_is_valid() -> None:
    text = (DOCS / "catalog.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    described = parse_metadata(yaml.safe_load(example), "docs/catalog.md")
    assert described.fields["record_id"].title == "Registration number"


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_refusal_of_the_api_is_documented(code: str) -> None:
    text = (DOCS / "exchange.md").read_text(encoding="utf-8")
    assert f"| `{code}` | {PROBLEMS[code].status} |" in text


@pytest.mark.parametrize("role", [r.value for r in MemberRole])
def test_every_member_role_is_documented(role: str) -> None:
    assert f"`{role}`" in (DOCS / "exchange.md").read_text(encoding="utf-8")
