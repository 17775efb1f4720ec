"""``dcat``: the dataset as DCAT JSON-LD, following the UK Cross-Government Metadata
Exchange Model (a DCAT 3 profile); snapshots are distributions, quality results are
DQV measurements. The mapping of every description key is in docs/catalog.md."""

from __future__ import annotations

from typing import Any

from accord.catalog.errors import NotDescribed
from accord.catalog.formats.registry import ExportFormat, register_format
from accord.catalog.models import DatasetMetadata, Entry, Version

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "freq": "http://purl.org/cld/freq/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "prov": "http://www.w3.org/ns/prov#",
    "ukgov": "https://w3id.org/co-cddo/uk-cross-government-metadata-exchange-model/",
    "accord": "https://accord.example/ns/catalog#",
}
PARQUET = "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet"


def _date(value: object) -> dict[str, str]:
    return {"@value": str(value), "@type": "xsd:date"}


def _licence(described: DatasetMetadata) -> Any:
    return {"@id": described.licence} if "://" in described.licence else described.licence


def _organisation(name: str, identifier: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "foaf:Organization", "foaf:name": name}
    return {"@id": identifier, **found} if identifier else found


@register_format
class Dcat(ExportFormat):
    """DCAT 3 JSON-LD, the UK Cross-Government Metadata Exchange Model's mandatory fields."""

    name = "dcat"
    standard = "DCAT 3 (JSON-LD), UK Cross-Government Metadata Exchange Model"
    media_type = "application/ld+json"
    filename = "dcat.jsonld"

    def render(self, entry: Entry) -> str:
        described = entry.metadata
        if described is None:
            raise NotDescribed(f"{entry.name} has no description; DCAT needs its title, owner "
                               f"and contact: run 'accord catalog describe {entry.name} --from "
                               "FILE' (docs/catalog.md)")  # fmt: skip
        document = {"@context": CONTEXT, **_dataset(entry, described)}
        document["dcat:distribution"] = [_distribution(entry, described, v)
                                         for v in entry.versions]  # fmt: skip
        return self.json(document)


def _dataset(entry: Entry, d: DatasetMetadata) -> dict[str, Any]:
    iri = entry.iri
    owner = d.owner
    contact: dict[str, Any] = {
        "@type": "vcard:Kind",
        "vcard:fn": owner.contact.name,
        "vcard:hasEmail": {"@id": f"mailto:{owner.contact.email}"},
    }
    if owner.contact.telephone:
        contact["vcard:hasTelephone"] = owner.contact.telephone
    found: dict[str, Any] = {
        "@id": iri, "@type": "dcat:Dataset", "dct:identifier": iri, "dct:title": d.title,
        "dct:description": d.description,
        "dct:creator": [_organisation(owner.organisation, owner.identifier)],
        "dct:publisher": _organisation(d.publisher_name,
                                       owner.identifier if d.publisher is None else None),
        "dcat:contactPoint": contact, "dct:accessRights": d.access_rights,
        "dct:license": _licence(d), "ukgov:securityClassification": d.security_classification,
        "dct:accrualPeriodicity": {"@id": f"freq:{d.update_frequency}"},
        "dct:provenance": {"@type": "dct:ProvenanceStatement", "rdfs:label": d.collection_method},
        "dct:rights": {"@type": "dct:RightsStatement", "rdfs:label": d.legal_basis},
        "accord:legalBasis": d.legal_basis, "accord:specialCategory": d.special_category,
    }  # fmt: skip
    if entry.versions:
        newest = entry.versions[-1]
        found["dcat:version"] = str(newest.version)
        found["dct:issued"] = _date(entry.versions[0].created_at.date())
        found["dct:modified"] = _date(newest.created_at.date())
    return {**found, **_optional(d)}


def _optional(d: DatasetMetadata) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if d.summary:
        found["rdfs:comment"] = d.summary
    if d.keywords:
        found["dcat:keyword"] = list(d.keywords)
    if d.temporal:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if d.temporal.start:
            period["dcat:startDate"] = _date(d.temporal.start)
        if d.temporal.end:
            period["dcat:endDate"] = _date(d.temporal.end)
        found["dct:temporal"] = period
    if d.spatial:
        place: dict[str, Any] = {"@type": "dct:Location", "rdfs:label": d.spatial.label}
        found["dct:spatial"] = {"@id": d.spatial.uri, **place} if d.spatial.uri else place
    if d.assumptions:
        found["accord:assumptions"] = list(d.assumptions)
    if d.limitations:
        found["accord:limitations"] = list(d.limitations)
    return found


def _distribution(entry: Entry, d: DatasetMetadata, v: Version) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@id": f"{entry.iri}:v{v.version}", "@type": "dcat:Distribution",
        "dct:identifier": f"sha256:{v.content_hash}",
        "dct:title": f"{d.title}, version {v.version}",
        "dct:description": f"Snapshot as of {v.as_of}: {v.rows} records kept of "
        f"{v.read_rows} read from a {v.source_kind} source ({v.quarantined_rows} quarantined).",
        "dcat:mediaType": {"@id": PARQUET}, "dct:issued": _date(v.created_at.date()),
        "dct:license": _licence(d), "dct:accessRights": d.access_rights,
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                          "spdx:checksumValue": v.content_hash},
        "accord:rows": v.rows, "accord:quarantinedRows": v.quarantined_rows,
    }  # fmt: skip
    if v.bytes > 0:
        found["dcat:byteSize"] = v.bytes
    if v.kitemark is not None:
        found["dqv:hasQualityAnnotation"] = {
            "@type": "dqv:QualityCertificate", "rdfs:label": v.kitemark.label,
            "accord:kitemark": v.kitemark.value,
        }  # fmt: skip
        if v.assessed_at is not None:
            found["dqv:hasQualityAnnotation"]["prov:generatedAtTime"] = {
                "@value": v.assessed_at.isoformat(), "@type": "xsd:dateTime"}  # fmt: skip
        found["dqv:hasQualityMeasurement"] = [
            {"@type": "dqv:QualityMeasurement", "dqv:isMeasurementOf": {"@id": f"accord:{dim}"},
             "dqv:value": score}
            for dim, score in v.scores.items()
        ]  # fmt: skip
    return found
