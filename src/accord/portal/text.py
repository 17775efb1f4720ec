"""How pages write things for people, in the GOV.UK style, and read what people type.

Writing (Jinja filters, :data:`FILTERS`): times in UK time, "4 December 2026 at 3:05pm"
(``when``); dates, "4 December 2026" (``day``); counts with thousands separators
(``number``); sizes, "1.2 MB" (``size``); hashes as lower-case hex (``hexed``).

Reading: :func:`read_date` and :func:`read_month` take the fields of a GOV.UK date input
(``<prefix>-day``, ``<prefix>-month``, ``<prefix>-year``) from a query or a form and give
the value or the message to show beside the field, as the Design System words them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
FIRST_YEAR = 2000
"""The earliest year a date on a staff page may name (the log began long after)."""


def when(at: datetime) -> str:
    """``at`` in UK time, the GOV.UK way: "4 December 2026 at 3:05pm", "at 3pm" on the
    hour, "at midday" and "at midnight" (never 12pm, 12:00pm or 00:00)."""
    local = at.astimezone(UK)
    if not local.minute and local.hour in (0, 12):
        return f"{day(local)} at {'midnight' if local.hour == 0 else 'midday'}"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{day(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def day(value: date) -> str:
    """ "4 December 2026" (a datetime in UK time)."""
    if isinstance(value, datetime):
        value = value.astimezone(UK)
    return f"{value.day} {value:%B %Y}"


def number(value: int) -> str:
    return f"{value:,}"


def size(count: int) -> str:
    """A number of bytes the way people read it: "950 bytes", "12 KB", "1.2 MB"."""
    if count < 1000:
        return f"{count:,} byte{'' if count == 1 else 's'}"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= scale:
            shown = count / scale
            return f"{shown:.1f} {unit}" if shown < 10 else f"{shown:,.0f} {unit}"
    raise AssertionError("unreachable")


def hexed(value: bytes) -> str:
    return value.hex()


FILTERS: dict[str, Callable[..., Any]] = {
    "when": when, "day": day, "number": number, "size": size, "hexed": hexed,
}  # fmt: skip


def read_date(
    fields: Mapping[str, str], prefix: str, label: str, *, earliest: int = FIRST_YEAR,
    past: bool = False, example: str = "27 3 2026",
) -> tuple[date | None, str]:  # fmt: skip
    """The date in the date input ``prefix`` (None when left blank), and the message for
    a date that is incomplete, not real, before the year ``earliest`` or, with ``past``,
    not in the past (empty when there is none), in the Design System's words. ``label``
    names the date in the message ("the date from"); ``example`` is a real one."""
    parts = [fields.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None, ""
    named = f"{label[:1].upper()}{label[1:]}"
    missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True)
               if not part]  # fmt: skip
    if missing:
        return None, f"{named} must include a {' and '.join(missing)}"
    try:
        day_, month, year = (int(p) for p in parts)
        found = date(year, month, day_)
    except (ValueError, OverflowError):
        return None, f"{named} must be a real date, like {example}"
    if found.year < earliest:
        return None, f"{named} must be in {earliest} or later"
    if past and found >= date.today():
        return None, f"{named} must be in the past"
    return found, ""


def read_month(fields: Mapping[str, str], prefix: str) -> tuple[tuple[int, int] | None, str]:
    """The (year, month) in the month-and-year input ``prefix``; None when left blank;
    and the message for one that is incomplete or not real."""
    parts = [fields.get(f"{prefix}-{p}", "").strip() for p in ("month", "year")]
    if not any(parts):
        return None, ""
    if not all(parts):
        return None, f"The month must include a {'month' if not parts[0] else 'year'}"
    try:
        month, year = int(parts[0]), int(parts[1])
    except ValueError:
        return None, "The month must be a real month, like 11 2026"
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= 9999:
        return None, "The month must be a real month, like 11 2026"
    return (year, month), ""
