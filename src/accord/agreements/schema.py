"""The agreement model's JSON Schema, published as ``docs/agreement.schema.json``.

``python -m accord.agreements.schema`` rewrites the file; a test fails when it differs
from what the model gives, so the published schema cannot drift from the code.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from accord.agreements.models import Agreement

SCHEMA_ID = "urn:accord:schema:agreement:1"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of an agreement document."""
    schema = Agreement.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}  # fmt: skip


def render() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def example_text() -> str:
    """The worked example: a GP and a hospital finding patients at risk of admission."""
    return (resources.files("accord.agreements") / "examples" / "admission-risk.yaml").read_text(
        encoding="utf-8"
    )


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/agreement.schema.json")
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
