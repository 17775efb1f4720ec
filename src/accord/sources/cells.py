"""Typed cell values (Excel, SQL, JSON) as the text the standardisers read."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal


def cell_text(value: object) -> str | None:
    """Text for one cell: dates as ISO, whole floats without ``.0``, blanks as None.

    A whole float is how Excel and many drivers hand over an NHS number or a day serial,
    and ``9434765870.0`` must not become a different identifier.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, default=str, ensure_ascii=False)
