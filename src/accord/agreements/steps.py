"""The lifecycle steps over a node's store: activate, suspend, revoke, expire.

Each step acts on the version named, else the current (latest) one; checks everything
first (the transition, the dates, every signature with the parties' known keys, the
datasets this node provides) and only then, in one transaction, changes the status,
appends the history and stages the step's audit event. A refused step changes nothing.
The allowed transitions are ``lifecycle``'s table.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from accord import audit
from accord.agreements import repository as repo
from accord.agreements.checks import refuse_misfits
from accord.agreements.errors import SignatureInvalid, TransitionRefused
from accord.agreements.lifecycle import TRANSITIONS, Action, next_status
from accord.agreements.models import Agreement, Status
from accord.agreements.peers import known_keys, own_org
from accord.agreements.repository import StoredAgreement
from accord.agreements.service import (
    Keys,
    get,
    label_of,
    pick,
    record_in,
    refuse_unverified,
    utc_now,
)
from accord.agreements.signing import digest, verify
from accord.store import Workspace

_LIVE = (Status.SIGNED, Status.ACTIVE, Status.SUSPENDED)


def activate(
    ws: Workspace,
    agreement: str | Agreement,
    version: int | None = None,
    *,
    on: date | None = None,
    by_role: str = "",
) -> StoredAgreement:
    """Bring a version into force once every party's signature verifies with the key
    this node knows for it, the agreement is in date and the datasets this node provides
    fit it. ``agreement`` is a stored id, or a document to record and activate at once
    (both, or neither). Resumes a suspended version; activating an amendment supersedes
    the versions before it.
    """
    keys = known_keys(ws)
    if isinstance(agreement, Agreement):
        refuse_unverified(agreement, keys, "activate")
        content = agreement
    else:
        stored = get(ws, agreement, version)
        next_status(stored.status, Action.ACTIVATE, label_of(stored.agreement))
        content = stored.agreement
    _precheck(ws, content, on or date.today())
    with audit.transaction(ws) as tx:
        if isinstance(agreement, Agreement):
            record_in(tx, agreement, by_role)
        target = _unchanged(tx.conn, content, keys)
        status = next_status(target.status, Action.ACTIVATE, label_of(content))
        superseded = _supersede(tx.conn, target)
        repo.update(tx.conn, target, target.agreement, status, "activate", utc_now())
        tx.record(*_activation_events(own_org(ws), target, superseded, by_role))
        return pick(tx.conn, content.id, content.version)


def _unchanged(conn: Connection, content: Agreement, keys: Keys) -> StoredAgreement:
    """The stored version checked before the transaction, every signature verified."""
    target = pick(conn, content.id, content.version)
    if target.digest != digest(content):
        raise TransitionRefused(f"{label_of(content)} changed while it was being checked; "
                                "try again")  # fmt: skip
    _refuse_unsigned(target.agreement, keys)
    return target


def _activation_events(
    by: str, target: StoredAgreement, superseded: list[StoredAgreement], by_role: str
) -> list[audit.Event]:
    a = target.agreement
    events: list[audit.Event] = [
        audit.AgreementSuperseded(agreement=s.agreement.id, version=s.agreement.version, by=by,
                                  by_role=by_role, reason=f"by v{a.version}")
        for s in superseded
    ]  # fmt: skip
    resumed = "resumed" if target.status is Status.SUSPENDED else ""
    events.append(audit.AgreementActivated(agreement=a.id, version=a.version, by=by,
                                           by_role=by_role, reason=resumed))  # fmt: skip
    return events


def _precheck(ws: Workspace, content: Agreement, on: date) -> None:
    """The checks of the content that read more than the store, before the transaction
    (which checks the status and every signature again on the row it changes)."""
    if on >= content.dates.expiry:
        raise TransitionRefused(
            f"cannot activate {label_of(content)}: it expired on {content.dates.expiry}; amend "
            f"it with new dates (accord agreement new FILE --amend {content.id}) and every "
            "party signs again"
        )
    refuse_misfits(ws, content, own_org(ws), "activate")


def _refuse_unsigned(content: Agreement, keys: Keys) -> None:
    checked = verify(content, keys)
    if not checked.ok:
        raise SignatureInvalid(f"cannot activate {label_of(content)}: "
                               + "; ".join(checked.problems()))  # fmt: skip


def _supersede(conn: Connection, target: StoredAgreement) -> list[StoredAgreement]:
    """Mark the live versions before ``target`` superseded; refuse when a later one is live."""
    held = repo.versions(conn, target.agreement.id)
    label, number = label_of(target.agreement), target.agreement.version
    for other in held:
        if other.agreement.version > number and other.status in (Status.ACTIVE,
                                                                 Status.SUSPENDED):  # fmt: skip
            raise TransitionRefused(f"cannot activate {label}: v{other.agreement.version} "
                                    f"is {other.status.value}")  # fmt: skip
    older = [o for o in held if o.agreement.version < number and o.status in _LIVE]
    for other in older:
        repo.update(conn, other, other.agreement, Status.SUPERSEDED, "supersede", utc_now(),
                    f"by v{number}")  # fmt: skip
    return older


_EVENTS = {
    Action.SUSPEND: audit.AgreementSuspended,
    Action.REVOKE: audit.AgreementRevoked,
    Action.EXPIRE: audit.AgreementExpired,
}


def _step(
    ws: Workspace,
    agreement_id: str,
    action: Action,
    reason: str | None,
    version: int | None,
    by_role: str,
    by: str | None = None,
) -> StoredAgreement:
    with audit.transaction(ws) as tx:
        target = pick(tx.conn, agreement_id, version)
        label = label_of(target.agreement)
        if target.status not in TRANSITIONS[action][0] and version is None:
            _point_at_the_live_version(tx.conn, target, action)
        status = next_status(target.status, action, label)
        repo.update(tx.conn, target, target.agreement, status, action.value, utc_now(), reason)
        event = _EVENTS[action](
            agreement=agreement_id,
            version=target.agreement.version,
            by=by or own_org(ws),
            by_role=by_role,
            reason=reason or "",
        )
        tx.record(event)
        return pick(tx.conn, agreement_id, target.agreement.version)


def _point_at_the_live_version(conn: Connection, target: StoredAgreement, action: Action) -> None:
    """When the latest version cannot take the step but an older one could, say so."""
    allowed = TRANSITIONS[action][0]
    older = [s for s in repo.versions(conn, target.agreement.id)
             if s.status in allowed and s.agreement.version < target.agreement.version]  # fmt: skip
    if older:
        v = older[-1].agreement.version
        raise TransitionRefused(
            f"cannot {action.value} {label_of(target.agreement)}: it is "
            f"{target.status.value}, the current version; v{v} is {older[-1].status.value}: "
            f"name it with --version {v}"
        )


def suspend(
    ws: Workspace, agreement_id: str, reason: str, version: int | None = None, *,
    by_role: str = "", by: str | None = None,
) -> StoredAgreement:  # fmt: skip
    """Stop sharing for now (a breach, a review): decisions deny until activated again.
    ``by``: the party that acted, when it is another party's act received over the
    exchange (default: this node's organisation)."""
    return _step(ws, agreement_id, Action.SUSPEND, reason, version, by_role, by)


def revoke(
    ws: Workspace, agreement_id: str, reason: str, version: int | None = None, *,
    by_role: str = "", by: str | None = None,
) -> StoredAgreement:  # fmt: skip
    """End the agreement for good (``by``: as :func:`suspend`)."""
    return _step(ws, agreement_id, Action.REVOKE, reason, version, by_role, by)


def expire(
    ws: Workspace, agreement_id: str, version: int | None = None, *, on: date | None = None,
    by_role: str = "",
) -> StoredAgreement:  # fmt: skip
    """Record that the agreement ended on its expiry date (refused before that date: to end
    an agreement early, revoke it)."""
    day = on or date.today()
    target = get(ws, agreement_id, version)
    if day < target.agreement.dates.expiry:
        raise TransitionRefused(
            f"cannot expire {label_of(target.agreement)}: it runs until "
            f"{target.agreement.dates.expiry}; to end it early, revoke it"
        )
    return _step(ws, agreement_id, Action.EXPIRE, f"expiry date {target.agreement.dates.expiry}",
                 target.agreement.version, by_role)  # fmt: skip


def expire_due(ws: Workspace, on: date, *, by_role: str = "") -> list[StoredAgreement]:
    """Record expiry of every active or suspended version past its expiry date."""
    with ws.engine.connect() as conn:
        due = [s for s in repo.every_version(conn)
               if s.status in (Status.ACTIVE, Status.SUSPENDED)
               and on >= s.agreement.dates.expiry]  # fmt: skip
    return [expire(ws, s.agreement.id, s.agreement.version, on=on, by_role=by_role) for s in due]
