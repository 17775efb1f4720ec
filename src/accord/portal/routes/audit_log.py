"""The audit log explorer, for stewards and auditors: the node's log entries, filtered by
date, event type, agreement and recipient (the filtering is ``audit.search``'s, in the
audit context), newest first, a page at a time; each entry's page with its exact text
and the inclusion proof that it is in the log the node signed; the newest signed
checkpoint, its signatures (each witness's cosignature checked again with the witness's
key in the trust list in force: ``exchange.cosigners``), the newest cosigned one when
the newest is not yet, and the witnesses that may check it.

The filters are a GET form (the page's address keeps them, so a page can be shared or
bookmarked); dates are days in UK time, from the start of the first to the end of the
last. Pages are keyed by entry index (``before``, ``after``), never by offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from accord import audit, exchange
from accord.accounts import Role, StaffSession
from accord.portal.areas import Area, register_area
from accord.portal.deps import PortalDep, portal_router, render, require
from accord.portal.present import event_fields, event_meaning, event_summary
from accord.portal.text import UK, read_date
from accord.store import Workspace

router = portal_router()
AREA = register_area(Area(
    title="Audit log", href="/staff/audit-log",
    description="Every entry of the node's tamper-evident log, by date, type, agreement "
    "and recipient, each with the proof that it is in the log the node signed.",
    roles=frozenset({Role.STEWARD, Role.AUDITOR}), order=60,
))  # fmt: skip
Explorer = Annotated[StaffSession, Depends(require(Role.STEWARD, Role.AUDITOR))]
Position = Annotated[int | None, Query(ge=0)]
FILTERS = ("from-day", "from-month", "from-year", "to-day", "to-month", "to-year", "type",
           "agreement", "recipient")  # fmt: skip
MAX_TEXT = 200


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UK)


def read_filter(query: Mapping[str, str]) -> tuple[audit.EntryFilter | None, dict[str, str]]:
    """The filter the form asks for, or the errors by field (the GOV.UK messages)."""
    errors: dict[str, str] = {}
    since, problem = read_date(query, "from", "the date from")
    if problem:
        errors["from-day"] = problem
    until, problem = read_date(query, "to", "the date to")
    if problem:
        errors["to-day"] = problem
    if since and until and until < since:
        errors["to-day"] = "The date to must be the same as or after the date from"
    kind = query.get("type", "").strip()
    if kind and kind not in audit.EVENT_TYPES:
        errors["type"] = "Choose an event type from the list"
    values = {f: query.get(f, "").strip() for f in ("agreement", "recipient")}
    for field, value in values.items():
        if len(value) > MAX_TEXT:
            errors[field] = f"The {field} must be {MAX_TEXT} characters or fewer"
        elif not value.isprintable():
            errors[field] = f"The {field} must be one line of text"
    if errors:
        return None, errors
    return audit.EntryFilter(
        since=_day_start(since) if since else None,
        until=_day_start(until + timedelta(days=1)) if until else None,
        types=frozenset({kind} if kind else ()), **values,
    ), {}  # fmt: skip


def witnesses(ws: Workspace) -> tuple[list[exchange.Member], str]:
    """The other members of the federation that may fetch and check this node's log (the
    ``witness`` role in the trust list), and what to say when there is no list."""
    try:
        found = exchange.cached(ws)
    except exchange.ExchangeError:
        return [], "The node's trust list could not be read, so its witnesses are not known."
    if found is None:
        return [], (
            "This node has no federation trust list yet, so no other node can witness its log."
        )
    own = ws.settings.node_id
    return [m for m in found.trust_list.members if exchange.MemberRole.WITNESS in m.roles
            and m.status is exchange.MemberStatus.ACTIVE and m.node_id != own], ""  # fmt: skip


@dataclass(frozen=True)
class Witnessed:
    """A checkpoint and its cosignatures, each checked with the trust list in force."""

    checkpoint: audit.Checkpointed
    cosigners: tuple[exchange.Cosigner, ...]


def witnessed(ws: Workspace, checkpoint: audit.Checkpointed) -> Witnessed:
    return Witnessed(checkpoint, exchange.cosigners(ws, checkpoint))


def newest(ws: Workspace) -> tuple[Witnessed | None, Witnessed | None]:
    """The newest checkpoint, and the newest cosigned one when that is another: recording
    a cosignature appends an entry, so the newest is often not cosigned yet."""
    found = audit.checkpoints(ws, limit=1).checkpoints
    if not found:
        return None, None
    latest = witnessed(ws, found[0])
    if latest.cosigners:
        return latest, None
    cosigned = audit.newest_cosigned(ws)
    return latest, witnessed(ws, cosigned) if cosigned is not None else None


@router.get(AREA.href)
def explorer(
    request: Request, portal: PortalDep, staff: Explorer, before: Position = None,
    after: Position = None,
) -> HTMLResponse:  # fmt: skip
    query = {k: v for k, v in request.query_params.items() if k in FILTERS}
    where, errors = read_filter(query)
    page = None
    if where is not None:
        page = audit.search(portal.ws, where, before=before, after=after)
    kept = urlencode({k: v for k, v in query.items() if v})
    latest, cosigned = newest(portal.ws)
    found, why_none = witnesses(portal.ws)
    return render(
        request, "audit_log/list.html", status_code=400 if errors else 200, errors=errors,
        session=staff, page=page, values=query, kept=kept, types=sorted(audit.EVENT_TYPES),
        summary=event_summary, latest=latest, cosigned=cosigned, witnesses=found,
        no_witnesses=why_none, filtered=any(query.values()), auditor=staff.holds(Role.AUDITOR),
    )  # fmt: skip


@router.get(AREA.href + "/entries/{index}")
def entry(request: Request, index: int, portal: PortalDep, staff: Explorer) -> HTMLResponse:
    if index < 0:
        raise HTTPException(404)
    try:
        found = audit.proven_entry(portal.ws, index)
    except (audit.ProofError, audit.BadCheckpoint, audit.LogInconsistent) as exc:  # altered
        return render(request, "audit_log/unproven.html", status_code=500, session=staff,
                      index=index, why=str(exc))  # fmt: skip
    except audit.AuditError:
        raise HTTPException(404) from None
    return render(request, "audit_log/entry.html", session=staff, found=found,
                  meaning=event_meaning(found.logged.event.name),
                  fields=event_fields(found.logged.event))  # fmt: skip
