"""Every export format validated against the schema of its standard; the registry."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from accord.catalog import (
    Entry,
    ExportFormat,
    NotDescribed,
    UnknownFormat,
    describe,
    export,
    formats,
    get_format,
    parse_metadata,
    register_format,
)
from accord.quality import assess
from accord.store import Workspace
from tests.catalog.support import description, two_step, validate
from tests.quality.support import AS_OF, CLEAN, ingest_rows


def _described(workspace: Workspace) -> None:
    """``gp`` with two versions (the newest assessed) and a description; ``hospital`` too."""
    two_step(workspace)
    ingest_rows(workspace, CLEAN[:2], "gp")
    assess(workspace, "gp", today=AS_OF)
    describe(workspace, "gp", parse_metadata(description(), "gp.yaml"))


def _json(workspace: Workspace, name: str, fmt: str) -> Any:
    return json.loads(export(workspace, name, fmt))


def test_dcat_follows_the_uk_model_on_both_stores(workspace: Workspace) -> None:
    _described(workspace)
    document = _json(workspace, "gp", "dcat")
    validate(document, "dcat-uk.schema.json")
    _prefixes_declared(document, set(document["@context"]))
    assert document["@id"] == "urn:accord:test-node:dataset:gp"
    assert document["dct:creator"][0] == {"@id": "https://odsportal.example/B86001",
        "@type": "foaf:Organization", "foaf:name": "Leeds Road Surgery"}  # fmt: skip
    assert document["dct:accrualPeriodicity"] == {"@id": "freq:monthly"}
    assert document["dcat:version"] == "2"
    assert document["accord:specialCategory"] is True
    assert document["dct:temporal"]["dcat:startDate"]["@value"] == "2020-01-01"
    one, two = document["dcat:distribution"]
    assert "dqv:hasQualityAnnotation" not in one
    assert two["dqv:hasQualityAnnotation"]["@type"] == "dqv:QualityCertificate"
    assert {m["dqv:isMeasurementOf"]["@id"] for m in two["dqv:hasQualityMeasurement"]} >= {
        "accord:completeness", "accord:validity"}  # fmt: skip
    assert (one["accord:rows"], two["accord:rows"]) == (3, 2)


def _prefixes_declared(node: object, declared: set[str]) -> None:
    """Every compact IRI (``dct:title``, ``freq:monthly``) uses a prefix the @context declares."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                _compact(key, declared)
                _prefixes_declared(value, declared)
    elif isinstance(node, list):
        for item in node:
            _prefixes_declared(item, declared)
    elif isinstance(node, str):
        _compact(node, declared, strict=False)


def _compact(term: str, declared: set[str], strict: bool = True) -> None:
    match = re.fullmatch(r"([a-z]+):[A-Za-z_][\w.-]*", term)
    if match and match.group(1) not in {"urn", "mailto", "http", "https"}:
        assert match.group(1) in declared, term
    elif strict:
        assert term.startswith("@"), f"{term}: neither a keyword nor a compact IRI"


def test_datapackage_has_a_table_schema_per_snapshot(sqlite_workspace: Workspace) -> None:
    _described(sqlite_workspace)
    package = _json(sqlite_workspace, "gp", "datapackage")
    validate(package, "datapackage.schema.json")
    assert package["name"] == "gp"
    assert package["title"] == "Registered patients"
    assert [r["name"] for r in package["resources"]] == ["gp-v1", "gp-v2"]
    for resource in package["resources"]:
        path = sqlite_workspace.root / resource["path"]
        data = path.read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
        schema = resource["schema"]
        fields = {f["name"]: f for f in schema["fields"]}
        assert set(schema["primaryKey"]) <= set(fields)
        assert fields["record_id"]["description"] == "The practice's registration number."
        assert fields["nhs_number"]["title"] == "NHS number"
        assert fields["date_of_birth"]["type"] == "date"
        assert fields["source_row"]["type"] == "integer"
        assert "description" not in fields["postcode"]


def test_datapackage_has_no_primary_key_when_record_ids_repeat(
    sqlite_workspace: Workspace,
) -> None:
    repeated = [CLEAN[0], CLEAN[0].replace("Mr John", "Mr Jon")]
    ingest_rows(sqlite_workspace, repeated, "gp")
    package = _json(sqlite_workspace, "gp", "datapackage")
    validate(package, "datapackage.schema.json")
    assert "primaryKey" not in package["resources"][0]["schema"]
    assert "title" not in package  # not described: what the data says, nothing invented


def test_prov_of_a_two_step_derivation(workspace: Workspace) -> None:
    a, b, c, d = two_step(workspace)
    document = _json(workspace, d.name, "prov")
    validate(document, "prov.schema.json")
    _references_resolve(document)
    ids = {ref: _entity_id(document, ref.name, ref.version) for ref in (a, b, c, d)}
    derived = {(r["prov:generatedEntity"], r["prov:usedEntity"])
               for r in document["wasDerivedFrom"].values()}  # fmt: skip
    assert derived >= {(ids[d], ids[c]), (ids[c], ids[a]), (ids[c], ids[b])}
    labels = sorted(a["prov:label"] for a in document["activity"].values())
    assert labels == ["exchange.share", "ingest", "ingest", "linkage.link"]
    share = next(x for x in document["activity"].values() if x["prov:label"] == "exchange.share")
    assert json.loads(share["accord:agreement"])["id"] == "DSA-2026-007"
    agents = {x["prov:label"] for x in document["agent"].values()}
    assert agents == {"accord://test-node"}


def _entity_id(document: dict[str, Any], name: str, version: str | None) -> str:
    (found,) = [k for k, v in document["entity"].items()
                if v["accord:name"] == name and v.get("accord:version") == version]  # fmt: skip
    return found


def _references_resolve(document: dict[str, Any]) -> None:
    """Every qualified name uses a declared prefix; every relation names records that exist."""
    prefixes = set(document["prefix"]) | {"prov", "xsd"}
    records = {k: set(document.get(k, {})) for k in ("entity", "activity", "agent")}
    roles = {"prov:activity": "activity", "prov:entity": "entity", "prov:agent": "agent",
             "prov:generatedEntity": "entity", "prov:usedEntity": "entity"}  # fmt: skip
    for kind in ("entity", "activity", "agent"):
        for qname in document.get(kind, {}):
            assert qname.split(":", 1)[0] in prefixes, qname
    for relation in ("used", "wasGeneratedBy", "wasDerivedFrom", "wasAssociatedWith"):
        for attributes in document.get(relation, {}).values():
            for role, kind in roles.items():
                if role in attributes:
                    assert attributes[role] in records[kind], (relation, role, attributes[role])


def test_openlineage_events_of_a_derived_dataset(workspace: Workspace) -> None:
    _, _, c, d = two_step(workspace)
    events = _json(workspace, d.name, "openlineage")
    validate(events, "openlineage.schema.json")
    assert [(e["eventType"], e["job"]["name"]) for e in events] == [
        ("COMPLETE", "ingest"), ("COMPLETE", "ingest"), ("START", "linkage.link"),
        ("COMPLETE", "linkage.link"), ("COMPLETE", "exchange.share"),
    ]  # fmt: skip
    share = events[-1]
    assert share["inputs"][0]["facets"]["version"]["datasetVersion"] == c.version
    assert share["outputs"][0]["namespace"] == "accord://council"


def test_dcat_needs_a_description(sqlite_workspace: Workspace) -> None:
    ingest_rows(sqlite_workspace, CLEAN, "gp")
    with pytest.raises(NotDescribed, match="accord catalog describe gp --from FILE"):
        export(sqlite_workspace, "gp", "dcat")


@pytest.fixture
def extra_format() -> Iterator[type[ExportFormat]]:
    @register_format
    class Titles(ExportFormat):
        name = "titles"
        standard = "a test's own"
        filename = "titles.txt"

        def render(self, entry: Entry) -> str:
            return "\n".join(f"{entry.name} v{v.version}" for v in entry.versions)

    yield Titles
    from accord.catalog.formats import registry

    registry._formats.pop("titles")


def test_a_registered_format_exports_like_the_built_ins(
    sqlite_workspace: Workspace, extra_format: type[ExportFormat]
) -> None:
    ingest_rows(sqlite_workspace, CLEAN, "gp")
    assert list(formats()) == ["dcat", "datapackage", "prov", "openlineage", "titles"]
    assert export(sqlite_workspace, "gp", "titles") == "gp v1"
    with pytest.raises(ValueError, match="already registered"):

        @register_format
        class Other(ExportFormat):
            name = "titles"

            def render(self, entry: Entry) -> str:
                return ""

    assert isinstance(get_format("titles"), extra_format)


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(UnknownFormat, match="known: dcat, datapackage, prov, openlineage"):
        get_format("rdfxml")
