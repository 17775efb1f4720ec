"""Description files: the YAML a data steward writes about a dataset, validated by key.

```yaml
title: Registered patients
description: Everyone registered with the practice, one record per registration.
owner:
  organisation: Leeds Road Surgery
  contact: {name: Practice data team, email: data@leedsroad.example.nhs.uk}
fields:
  nhs_number: The patient's NHS number, as recorded at registration.
collection_method: Entered by reception staff at registration (EMIS Web).
update_frequency: monthly
legal_basis: UK GDPR Art 6(1)(e); Art 9(2)(h)
special_category: true
```

Every key is in docs/catalog.md; a mistake is refused with the file and the key named.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from accord.catalog.errors import MetadataError
from accord.catalog.models import DatasetMetadata
from accord.store import UnreadableDocument, read_yaml


def load_metadata(path: Path) -> DatasetMetadata:
    """Read and validate a description file; refuse it with the file and the key named."""
    try:
        data = read_yaml(path, "description")
    except UnreadableDocument as exc:
        raise MetadataError(str(exc)) from exc
    return parse_metadata(data, str(path))


def parse_metadata(data: object, where: str) -> DatasetMetadata:
    """Validate an already-parsed description; ``where`` names it in errors."""
    if not isinstance(data, dict):
        raise MetadataError(f"{where}: a description must be a YAML mapping (title:, …)")
    try:
        return DatasetMetadata.model_validate(data)
    except ValidationError as exc:
        raise MetadataError(_describe(exc, where)) from exc


def _describe(exc: ValidationError, where: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"])
        key = key.replace(".[", "[") or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (see docs/catalog.md)"
        elif err["type"] == "missing":
            message = "required"
        lines.append(f"{where}: {key}: {message}")
    return "\n".join(lines)
