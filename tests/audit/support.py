"""Helpers for the audit tests: events to record, and an operator's direct SQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa

from accord import audit
from accord.audit import Event, PersonKey, RecordsDisclosed, person_key
from accord.store import Workspace, audit_outbox

NHS = "9434765919"


def disclosed(person: PersonKey, n: int = 0, hidden_until: date | None = None) -> RecordsDisclosed:
    return RecordsDisclosed(
        person=person,
        agreement="gp-hospital-risk",
        recipient="Riverside Hospital Trust",
        recipient_role="admissions analyst",
        dataset="registered-patients",
        purpose=f"finding patients at risk of an emergency admission ({n})",
        legal_basis="UK GDPR Art 6(1)(e); Art 9(2)(h)",
        gateway="NHS Act 2006 s251",
        source="Riverside GP practice",
        retention="2 years",
        staff="Dr A. Example",
        hidden_until=hidden_until,
        hidden_reason="safeguarding" if hidden_until else "",
    )


def nhs_number(i: int) -> str:
    """A valid NHS number made from ``i`` (its first nine digits, then the check digit),
    or "" where no check digit fits."""
    base = f"{i:09d}"
    check = 11 - sum(int(d) * (10 - k) for k, d in enumerate(base)) % 11
    return "" if check == 10 else base + str(check % 11)


def nhs_numbers(n: int) -> list[str]:
    """``n`` different valid NHS numbers (no placeholder such as 0000000000)."""
    made = (nhs_number(i) for i in range(1, n + n // 10 + 3))
    return [x for x in made if x and len(set(x)) > 1][:n]


def people(ws: Workspace, n: int) -> list[PersonKey]:
    return [person_key(ws, number) for number in nhs_numbers(n)]


def drop_triggers(ws: Workspace) -> None:
    """What an operator with the database password can do first."""
    with ws.engine.begin() as conn:
        rows = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            if ws.engine.dialect.name == "sqlite"
            else sa.text(
                "SELECT tgname || ' ON ' || tgrelid::regclass FROM pg_trigger "
                "WHERE NOT tgisinternal"
            )
        ).scalars()
        for name in list(rows):
            conn.execute(sa.text(f"DROP TRIGGER {name}"))


def texts(ws: Workspace) -> list[str]:
    """Every entry's text as the log hashes it, in order (rebuilt from the store's rows)."""
    from accord.audit import repository  # the storage layer, as an auditor's script would

    with ws.engine.connect() as conn:
        return [row.entry for row in repository.entries(conn)]


def sql(ws: Workspace, statement: str, **params: object) -> None:
    with ws.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def record_at(ws: Workspace, event: Event, at: datetime) -> None:
    """Record ``event`` as if at ``at``: staged by hand with that time, then appended as
    every event is (the log has no clock of its own to set)."""
    body = json.dumps(event.fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with ws.engine.begin() as conn:
        conn.execute(audit_outbox.insert().values(type=event.name, body=body, recorded_at=at))
    audit.flush(ws)
