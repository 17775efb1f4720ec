"""The citizen's view: what happened to one person's data, from the per-person index.

The index maps a node-local pseudonym to log entries; nothing in it or in the log names
anyone. A deferred entry (``hidden_until`` on a disclosure) is in the log, and under
its proofs, from the moment it happened; it joins the person's view on that date.

:func:`uses` is the person's own view (the portal shows it once an identity provider
has verified them): reading one's own record is not a use by anyone else, so it is not
recorded. :func:`subject_access` is staff looking a person up: it records
``person.viewed`` with their role and reason, once the response exists (and, when it is
written to a file, once the file is in place). :func:`own_subject_access` is the same
response given to the person themselves, once an identity provider verified them: giving
a copy away from the node is recorded (``person.downloaded``), so a person whose sign-in
was misused sees it. :func:`use_count` says how many uses :func:`uses` pages through.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from accord.audit import repository as repo
from accord.audit.events import (
    BY_PERSON,
    OptOutRegistered,
    OptOutWithdrawn,
    PersonDownloaded,
    PersonViewed,
    RecordsDisclosed,
    Reidentified,
    audited,
    staff_act,
)
from accord.audit.log import record, transaction
from accord.audit.models import SubjectAccess, Use
from accord.audit.types import PersonKey
from accord.store import Workspace, check_output, write_private

PAGE_SIZE = 20


def uses(
    ws: Workspace,
    person: PersonKey,
    *,
    page: int = 1,
    page_size: int | None = PAGE_SIZE,
    today: date | None = None,
    show_staff: bool = False,
) -> list[Use]:
    """A person's uses, newest first, a page at a time (``page_size=None``: all)."""
    today = today or datetime.now(UTC).date()
    offset = (page - 1) * (page_size or 0)
    with ws.engine.connect() as conn:
        rows = repo.person_entries(conn, person, today, page_size, offset)
    return [_use(int(r.idx), str(r.type), json.loads(r.entry), show_staff) for r in rows]


def use_count(ws: Workspace, person: PersonKey, *, today: date | None = None) -> int:
    """How many uses :func:`uses` shows ``person`` on ``today`` (deferred ones left out)."""
    today = today or datetime.now(UTC).date()
    with ws.engine.connect() as conn:
        return repo.count_person_entries(conn, person, today)


def _use(idx: int, kind: str, entry: dict[str, Any], show_staff: bool) -> Use:
    event: dict[str, Any] = entry["event"]
    at = datetime.fromisoformat(entry["recorded_at"].replace("Z", "+00:00"))
    use = _described(idx, kind, event, at, show_staff)
    return replace(use, kind=kind)


def _described(idx: int, kind: str, event: dict[str, Any], at: datetime, show_staff: bool) -> Use:
    if kind == RecordsDisclosed.name:
        hidden = event.get("hidden_until")
        return Use(
            entry=idx, at=at, what="Your records were shared",
            organisation=event["recipient"], role=event["recipient_role"],
            dataset=event["dataset"], purpose=event["purpose"],
            legal_basis=event["legal_basis"], gateway=event["gateway"],
            agreement=event["agreement"], source=event.get("source", ""),
            retention=event.get("retention", ""),
            staff=event.get("staff", "") if show_staff else "",
            deferred_until=date.fromisoformat(hidden) if hidden else None,
            fields=tuple(event.get("shared_fields") or ()),
        )  # fmt: skip
    if kind == PersonViewed.name:
        return Use(entry=idx, at=at, what="Your record was looked up",
                   role=event["by_role"], purpose=event["reason"])  # fmt: skip
    if kind == Reidentified.name:
        return Use(entry=idx, at=at, what="A pseudonym was traced back to you",
                   role=event["by_role"], purpose=event["reason"],
                   agreement=event["agreement"])  # fmt: skip
    if kind in (OptOutRegistered.name, OptOutWithdrawn.name):
        verb = "registered" if kind == OptOutRegistered.name else "withdrawn"
        return Use(entry=idx, at=at, what=f"Your opt-out ({event['scheme']}) was {verb}",
                   role=event.get("by_role", ""), purpose=event.get("reason", ""))  # fmt: skip
    if kind == PersonDownloaded.name:
        return Use(entry=idx, at=at, what="You downloaded a copy of this record",
                   role=BY_PERSON, purpose=f"signed in with {event['provider']}")  # fmt: skip
    return Use(entry=idx, at=at, what=kind)


@audited(PersonViewed)
def subject_access(
    ws: Workspace,
    person: PersonKey,
    *,
    by_role: str,
    reason: str,
    today: date | None = None,
    out: Path | None = None,
    force: bool = False,
) -> SubjectAccess:
    """Everything the person may see now, as an Article 15 response, looked up by staff
    (``by_role``, ``reason``: recorded as ``person.viewed``, which the person will see).

    With ``out`` the response is also written there as JSON (an existing file only with
    ``force``); the lookup is recorded as the file is moved into place, so a response
    that could not be written is not recorded as given.
    """
    role, why = staff_act(by_role, reason)
    target = check_output(out, force=force) if out is not None else None
    response = _response(ws, person, today)
    viewed = PersonViewed(person=person, by_role=role, reason=why)
    if target is None:
        record(ws, viewed)
        return response
    partial = target.with_name(f".{target.name}.{uuid4().hex}.partial")
    try:
        text = json.dumps(response.as_dict(), indent=1, ensure_ascii=False)
        write_private(partial, text.encode())  # it is personal data: its owner reads it
        with transaction(ws) as tx:
            tx.record(viewed)
            tx.publish(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return response


@audited(PersonDownloaded)
def own_subject_access(
    ws: Workspace, person: PersonKey, *, provider: str, today: date | None = None
) -> SubjectAccess:
    """The person's own subject access response, for them to download once ``provider``
    (the identity provider's name) verified them; recorded as ``person.downloaded``
    once the response exists. It holds the log as it was before this download."""
    response = _response(ws, person, today)
    record(ws, PersonDownloaded(person=person, provider=provider))
    return response


def _response(ws: Workspace, person: PersonKey, today: date | None) -> SubjectAccess:
    every = tuple(uses(ws, person, page_size=None, today=today))

    def distinct(values: list[str]) -> tuple[str, ...]:
        return tuple(sorted({v for v in values if v}))

    return SubjectAccess(
        produced_at=datetime.now(UTC),
        uses=every,
        recipients=distinct([f"{u.organisation} ({u.role})" if u.role else u.organisation
                             for u in every if u.organisation]),
        purposes=distinct([u.purpose for u in every if u.organisation]),
        sources=distinct([u.source for u in every]),
        retention=distinct([u.retention for u in every]),
        legal_bases=distinct([f"{u.legal_basis}; {u.gateway}" for u in every if u.legal_basis]),
    )  # fmt: skip
