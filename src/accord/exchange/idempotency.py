"""Idempotency keys of shares and lookups: a retried request gets the first answer.

A request with an ``Idempotency-Key`` claims the key (per calling node) in the store
before anything is decided, in one statement every worker of the node sees, so two
copies of one request arriving at once cannot both disclose: the second is told the
first is running (``idempotency-key-in-use``), and once the first is done every retry
gets its answer, byte for byte, with nothing decided, disclosed or recorded again. The
same key with another request (its fingerprint: the body as parsed and the format
asked for) is refused (``idempotency-key-reused``). A request refused or failed gives
its claim up; a claim whose worker died is taken over after :data:`LEASE`. Answers are
kept for :data:`RETENTION`, then pruned with their files.

A retry is answered only while the agreement still permits it (the policy decided in
memory, not recorded): an agreement suspended or revoked since stops replays too, and
that refusal is decided and recorded as any other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accord.agreements import Request, kitemark_of, own_org, policy_index
from accord.exchange import repository as repo
from accord.exchange import terms
from accord.exchange.models import IDEMPOTENCY_KEY_PATTERN, Caller, RequestContext
from accord.exchange.problems import Refusal, printable
from accord.store import Workspace

LEASE = timedelta(minutes=10)
"""How long a claim holds without an answer before a retry may take it over (its worker
died mid-request)."""
RETENTION = timedelta(hours=24)
"""How long an answer is kept for retries (docs/exchange.md)."""
HEADER = "Idempotency-Key"

log = logging.getLogger("accord.exchange")


def check_key(value: str | None) -> str | None:
    """The header's key, if it keeps to :data:`IDEMPOTENCY_KEY_PATTERN`; else a refusal."""
    if value is None:
        return None
    if re.fullmatch(IDEMPOTENCY_KEY_PATTERN, value) is None:
        raise Refusal(
            "invalid-request",
            f"{HEADER} must be 16-128 letters, digits, '-' or '_' (got {printable(value, 40)!r})",
        )
    return value


def fingerprint(kind: str, body: dict[str, Any], fmt: str) -> str:
    """What makes two requests the same: the kind, the body as parsed, the format."""
    text = json.dumps([kind, body, fmt], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def claim(ws: Workspace, caller: Caller, key: str, kind: str, print_: str) -> repo.Answered | None:
    """Claim ``key`` for this request: None when it is this request's to answer; the
    kept answer when a request with it is done; else a refusal."""
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        mine, found = repo.claim(conn, caller.node_id, key, kind, print_, now, LEASE)
    if mine:
        return None
    assert found is not None
    if found.fingerprint != print_:
        raise Refusal(
            "idempotency-key-reused",
            f"{HEADER} {key} was used by {caller.node_id} for another request; "
            "use a new key for a new request",
            requester=caller.org,
        )
    if found.state != "done":
        raise Refusal(
            "idempotency-key-in-use",
            f"a request with {HEADER} {key} is being answered; retry when it is done",
            requester=caller.org,
        )
    return found


def complete(ws: Workspace, caller: Caller, key: str, **answer: Any) -> None:
    with ws.engine.begin() as conn:
        repo.complete(conn, caller.node_id, key, done_at=datetime.now(UTC), **answer)


def release(ws: Workspace, caller: Caller, key: str) -> None:
    with ws.engine.begin() as conn:
        repo.release(conn, caller.node_id, key)


def still_permitted(
    ws: Workspace, caller: Caller, context: RequestContext, dataset: str, fields: tuple[str, ...]
) -> None:
    """Refuse a retry the agreement no longer permits (suspended, revoked, expired since):
    decided in memory first, then, if denied, decided again on the record so the refusal
    is in the log as any other."""
    request = Request(
        requester=caller.org, purpose=context.purpose, dataset=dataset, fields=fields,
        kitemark=kitemark_of(ws, dataset), on=date.today(), agreement_id=context.agreement,
        provider=own_org(ws),
    )  # fmt: skip
    if not policy_index(ws).decide(request).permit:
        under = terms.terms_of(ws, context.agreement, dataset, own_org(ws))
        terms.permitted(ws, caller, context, dataset, fields, rows=0, terms=under)


def prune(ws: Workspace, now: datetime | None = None) -> int:
    """Forget answers older than :data:`RETENTION`, and remove their files; how many."""
    before = (now or datetime.now(UTC)) - RETENTION
    with ws.engine.begin() as conn:
        files = repo.prune_answers(conn, before)
    for relative in files:
        (ws.root / relative).unlink(missing_ok=True)
    return len(files)
