"""``python -m accord.agreements.gateways.schema [FILE]``: publish the gateway rules schema.

Writes docs/gateways.schema.json by default; a test fails when the file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from accord.agreements.gateways.rules import gateway_schema


def render() -> str:
    return json.dumps(gateway_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/gateways.schema.json")
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
