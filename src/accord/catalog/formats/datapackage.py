"""``datapackage``: a Frictionless Data Package (v2) describing the dataset's snapshots.

One tabular resource per snapshot file, with its SHA-256, size and a Table Schema whose
fields take their descriptions from the dataset's field definitions. Paths are relative
to the workspace root: the package describes the node's files and copies none of them
(they hold personal data).
"""

from __future__ import annotations

import re
from typing import Any

from accord.catalog.formats.registry import ExportFormat, register_format
from accord.catalog.models import Entry, Version

PACKAGE_SCHEMA = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_SCHEMA = "https://datapackage.org/profiles/2.0/dataresource.json"
TABLE_SCHEMA = "https://datapackage.org/profiles/2.0/tableschema.json"


def package_name(name: str) -> str:
    """A name the Data Package standard accepts: lower case letters, digits, ``-._``."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "dataset"


@register_format
class DataPackage(ExportFormat):
    """``datapackage.json``: Data Package v2, a Table Schema per snapshot file."""

    name = "datapackage"
    standard = "Frictionless Data Package v2 with Table Schema"
    filename = "datapackage.json"
    needs_columns = True

    def render(self, entry: Entry) -> str:
        package: dict[str, Any] = {
            "$schema": PACKAGE_SCHEMA,
            "name": package_name(entry.name),
            "id": entry.iri,
        }
        described = entry.metadata
        if described is not None:
            package["title"] = described.title
            package["description"] = described.description
            package["licenses"] = [_licence(described.licence)]
            package["keywords"] = list(described.keywords) or [package["name"]]
            package["contributors"] = [{"title": described.owner.organisation,
                                        "roles": ["creator"]}]  # fmt: skip
        if entry.versions:
            package["version"] = str(entry.versions[-1].version)
            package["created"] = entry.versions[-1].created_at.isoformat()
        package["resources"] = [_resource(entry, v) for v in entry.versions]
        return self.json(package)


def _licence(licence: str) -> dict[str, str]:
    if "://" in licence:
        return {"path": licence, "title": licence}
    return {"name": licence.lower().replace("_", "-"), "title": licence}


def _resource(entry: Entry, v: Version) -> dict[str, Any]:
    described = entry.metadata
    definitions = described.fields if described else {}
    fields = []
    for column in v.columns:
        field: dict[str, Any] = {"name": column.name, "type": column.type}
        definition = definitions.get(column.name)
        if definition is not None:
            field["description"] = definition.description
            if definition.title:
                field["title"] = definition.title
        fields.append(field)
    schema: dict[str, Any] = {"$schema": TABLE_SCHEMA, "fields": fields}
    if v.unique_record_id:
        schema["primaryKey"] = ["record_id"]
    resource: dict[str, Any] = {
        "$schema": RESOURCE_SCHEMA, "name": f"{package_name(entry.name)}-v{v.version}",
        "type": "table", "path": v.path, "format": "parquet",
        "mediatype": "application/vnd.apache.parquet", "hash": f"sha256:{v.content_hash}",
        "bytes": v.bytes, "title": f"{described.title if described else entry.name}, "
                                   f"version {v.version} (as of {v.as_of})",
        "schema": schema,
    }  # fmt: skip
    return resource
