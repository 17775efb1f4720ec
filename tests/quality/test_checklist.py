"""Checklists: YAML refused with the key named; the published schema; custom checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from typing_extensions import override

import accord.quality.checks.registry as registry
from accord.quality import (
    CheckContext,
    ChecklistError,
    Dimension,
    RowCheck,
    assess,
    check_types,
    checklist_schema,
    load_checklist,
    register_check,
)
from accord.store import Workspace
from tests.quality.support import AS_OF, counts, run

ROOT = Path(__file__).resolve().parents[2]


def refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checks: [{type: completeness, feild: sex}]", "checks[0].feild: unknown key"),
        ("checks: [{type: completeness}]", "checks[0].field: Field required"),
        ("checks: [{type: validity, field: sex}, {type: nope}]",
         "checks[1].type: unknown check type"),
        ("checks: [{field: sex}]", "checks[0].type: missing"),
        ("checks: [{type: validity, field: title}]", "checks[0].field: Input should be"),
        ("checks: [{type: timeliness, update_frequency: hourly}]",
         "checks[0].update_frequency: Input should be"),
        ("checks: [{type: timeliness}]", "checks[0]: give update_frequency or max_age_days"),
        ("checks: [{type: timeliness, max_age_days: -1}]", "checks[0].max_age_days:"),
        ("checks: [{type: postcode_town, towns: {leeds: [otley]}}]",
         "checks[0].towns: 'leeds' is not a postcode area"),
        ("checks: [{type: duplicate_persons, keys: [[nhs_number]], clusters: c.csv}]",
         "checks[0]: give keys or clusters"),
        ("chekcs: []", "chekcs: unknown key"),
        ("include_defaults: maybe", "include_defaults: Input should be a valid boolean"),
        ("checks: {type: unique}", "checks: Input should be a valid list"),
    ],
)  # fmt: skip
def test_a_mistake_is_refused_with_the_key_named(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refused(tmp_path, text)


def test_not_yaml_or_not_a_mapping_is_refused(tmp_path: Path) -> None:
    assert "not valid YAML at line 1, column 10" in refused(tmp_path, "checks: [")
    assert "must be a YAML mapping" in refused(tmp_path, "- type: unique")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match=r"nowhere\.yaml: cannot read checklist"):
        load_checklist(tmp_path / "nowhere.yaml")


def test_checks_that_do_not_fit_the_snapshot_are_refused_before_any_runs(dirty: Workspace) -> None:
    text = (
        "checks:\n - {type: completeness, field: shoe_size}\n"
        " - {type: in_reference, field: postcode, reference: gone.csv, column: pcds}\n"
        " - {type: duplicate_persons, keys: [[nhs_number, star_sign]]}\n"
    )
    with pytest.raises(ChecklistError) as caught:
        run(dirty, text)
    assert str(caught.value).splitlines() == [
        "test.yaml: checks[0].field: no column 'shoe_size' in this snapshot",
        f"test.yaml: checks[1].reference: no file {dirty.root / 'gone.csv'}",
        "test.yaml: checks[2].keys: no column 'star_sign' in this snapshot",
    ]


def test_a_reference_column_or_file_that_does_not_fit_is_refused_by_key(
    dirty: Workspace,
) -> None:
    (dirty.root / "directory.csv").write_text("pcds,lat\nLS1 4AP,0\n", encoding="utf-8")
    (dirty.root / "binary.parquet").write_bytes(b"\x00\xff not parquet")
    text = (
        "checks:\n - {type: in_reference, field: postcode, reference: directory.csv, "
        "column: postcode}\n"
        " - {type: in_reference, field: postcode, reference: binary.parquet, column: pcds}\n"
    )
    with pytest.raises(ChecklistError) as caught:
        run(dirty, text)
    first, second = str(caught.value).splitlines()
    assert first == (f"test.yaml: checks[0].column: no column 'postcode' in "
                     f"{dirty.root / 'directory.csv'} (it has pcds, lat)")  # fmt: skip
    assert second.startswith(f"test.yaml: checks[1].reference: cannot read "
                             f"{dirty.root / 'binary.parquet'} (")  # fmt: skip
    assert "Binder" not in str(caught.value)


def test_include_defaults_runs_the_defaults_first(dirty: Workspace) -> None:
    found = run(dirty, "include_defaults: true\nchecks: [{type: timeliness, max_age_days: 9}]")
    assert counts(found)[-1] == ("timeliness", None, 1, 0)
    assert len(found.checks) == len(assess(dirty, "people", save=False, today=AS_OF).checks) + 1


def test_the_published_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "checklist.schema.json").read_text(encoding="utf-8"))
    assert published == checklist_schema(), "run: python -m accord.quality.schema"


def test_the_schema_requires_a_type_from_the_registry() -> None:
    schema = checklist_schema()
    consts = {d["properties"]["type"]["const"] for d in schema["$defs"].values()}
    assert consts == set(check_types())
    assert all(d["required"][0] == "type" for d in schema["$defs"].values())


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test vanish after it."""
    check_types()
    monkeypatch.setattr(registry, "_checks", dict(registry._checks))


class WardKnown(RowCheck):
    """A council's own rule: every record has one of its wards."""

    type: Literal["ward_known"] = "ward_known"
    dimension: ClassVar[Dimension] = Dimension.VALIDITY
    wards: tuple[str, ...]

    @override
    def reads(self) -> tuple[str, ...]:
        return ("ward",)

    @override
    def failing(self, ctx: CheckContext) -> str:
        listed = ", ".join(f"'{w}'" for w in self.wards)
        return f"ward IS NULL OR ward NOT IN ({listed})"


def test_a_custom_check_registers_validates_and_runs_like_a_built_in(
    own_registry: None, dirty: Workspace, tmp_path: Path
) -> None:
    register_check(WardKnown)
    assert "ward_known" in checklist_schema()["$defs"]["WardKnown"]["properties"]["type"]["const"]
    assert "checks[0].wards: Field required" in refused(tmp_path, "checks: [{type: ward_known}]")
    found = run(dirty, "checks: [{type: ward_known, wards: [north, south]}]")
    # Wards: north, north, (blank), west, east, south.
    assert counts(found) == [("ward_known", None, 6, 3)]


def test_a_slug_cannot_be_taken_twice(own_registry: None) -> None:
    class Impostor(RowCheck):
        type: Literal["completeness"] = "completeness"
        dimension: ClassVar[Dimension] = Dimension.COMPLETENESS

    with pytest.raises(ValueError, match="already registered"):
        register_check(Impostor)


def test_a_check_without_slug_or_dimension_is_refused(own_registry: None) -> None:
    class NoDimension(RowCheck):
        type: Literal["no_dimension"] = "no_dimension"

    with pytest.raises(TypeError, match="dimension"):
        register_check(NoDimension)
