"""``python -m accord.quality.schema [FILE]``: publish the checklist JSON Schema.

Writes docs/checklist.schema.json by default; a test fails when the file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from accord.quality import checklist_schema


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/checklist.schema.json")
    path.write_text(json.dumps(checklist_schema(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
