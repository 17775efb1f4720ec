"""Usage metering for cost sharing: requests, records and bytes per agreement, per
party, per month, read from the node's own audit log.

:func:`usage` reads one calendar month (UTC, from its first microsecond to its last) of
three event types through ``audit.recorded_between`` (an index on type and time, so a
month is read without the rest of the log): ``disclosure.decided`` (every request this
node decided, permitted or refused), ``exchange.served`` (each share or lookup it
served: records and bytes sent) and ``exchange.received`` (each it received from a
peer). Rows are per agreement, party and direction (``provided``: this node answered
the party; ``received``: the party answered this node). A party is named by its
organisation id, as agreements name it: a node id in a served or received event is
turned into its organisation by the trust list in force (kept as the node id when the
list does not hold it). :class:`UsageReport` renders as CSV (:data:`CSV_COLUMNS`) or
JSON. Reading the log for counts uses no personal data, so nothing is recorded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from accord import audit
from accord.agreements import own_org
from accord.exchange import trust
from accord.exchange.errors import ExchangeError, UsageError
from accord.exchange.events import Received, Served
from accord.store import Workspace

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
PROVIDED, RECEIVED = "provided", "received"
KINDS = ("share", "lookup")


def month_range(text: str) -> tuple[datetime, datetime]:
    """The UTC instants a month ``YYYY-MM`` starts and the next one starts."""
    found = MONTH.fullmatch(text.strip())
    year, number = (int(found[1]), int(found[2])) if found else (0, 0)
    if not found or not 1 <= number <= 12 or year < 1:
        raise UsageError(f"{text[:20]!r} is not a month: give YYYY-MM, e.g. 2026-12")
    start = datetime(year, number, 1, tzinfo=UTC)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, after


@dataclass
class UsageRow:
    """What one party used under one agreement in the month, one way."""

    agreement: str
    party: str
    direction: str
    requests: int = 0
    permitted: int = 0
    refused: int = 0
    shares: int = 0
    lookups: int = 0
    records: int = 0
    bytes: int = 0


COUNTS = ("requests", "permitted", "refused", "shares", "lookups", "records", "bytes")
CSV_COLUMNS = ("month", *(f.name for f in fields(UsageRow)))
"""The CSV header (docs/exchange.md, usage metering)."""


@dataclass(frozen=True)
class UsageReport:
    """One month's usage on this node (``node_id``, organisation ``org``)."""

    month: str
    node_id: str
    org: str
    since: datetime
    until: datetime
    rows: tuple[UsageRow, ...]

    def totals(self) -> dict[str, dict[str, int]]:
        """Each count summed over the rows of each direction."""
        return {
            way: {c: sum(getattr(r, c) for r in self.rows if r.direction == way) for c in COUNTS}
            for way in (PROVIDED, RECEIVED)
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "node_id": self.node_id,
            "org": self.org,
            "from": self.since.isoformat(),
            "until": self.until.isoformat(),
            "rows": [asdict(r) for r in self.rows],
            "totals": self.totals(),
        }

    def csv(self) -> str:
        """One line per row under :data:`CSV_COLUMNS`; the header alone for an empty month."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows([self.month, *(getattr(r, f.name) for f in fields(UsageRow))]
                         for r in self.rows)  # fmt: skip
        return buffer.getvalue()


def _orgs(ws: Workspace) -> dict[str, str]:
    """Node id to organisation id, from the trust list in force (every member, revoked
    too: a month's usage outlives a revocation); empty when there is none."""
    try:
        found = trust.cached(ws)
    except ExchangeError:
        return {}
    return {} if found is None else {m.node_id: m.org for m in found.trust_list.members}


def usage(ws: Workspace, month: str) -> UsageReport:
    """The usage on this node in ``month`` (``YYYY-MM``, UTC)."""
    since, until = month_range(month)
    kinds = (audit.DisclosureDecided.name, Served.name, Received.name)
    rows = _tally(audit.recorded_between(ws, kinds, since, until), _orgs(ws))
    return UsageReport(
        month=month.strip(),
        node_id=ws.settings.node_id or "",
        org=str(own_org(ws)),
        since=since,
        until=until,
        rows=tuple(rows[k] for k in sorted(rows)),
    )


def _tally(
    logged: Iterable[audit.Logged], orgs: dict[str, str]
) -> dict[tuple[str, str, str], UsageRow]:
    rows: dict[tuple[str, str, str], UsageRow] = {}

    def row(agreement: str, party: str, direction: str) -> UsageRow:
        key = (agreement, party, direction)
        if key not in rows:
            rows[key] = UsageRow(agreement, party, direction)
        return rows[key]

    for entry in logged:
        event = entry.event.fields()
        if entry.event.name == audit.DisclosureDecided.name:
            found = row(str(event["agreement"]), str(event["requester"]), PROVIDED)
            found.requests += 1
            if event["permitted"]:
                found.permitted += 1
            else:
                found.refused += 1
            continue
        served = entry.event.name == Served.name
        peer = str(event["recipient"] if served else event["provider"])
        found = row(str(event["agreement"]), orgs.get(peer, peer), PROVIDED if served else RECEIVED)
        if not served:
            found.requests += 1
            found.permitted += 1
        kind = event.get("kind")
        found.shares += kind == "share"
        found.lookups += kind == "lookup"
        found.records += int(event["records"])
        found.bytes += int(event["bytes"])
    return rows
