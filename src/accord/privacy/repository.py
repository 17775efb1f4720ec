"""The privacy context's tables in the SQL store: opt-out registers and key versions.

Registering and withdrawing an opt-out are acts of staff on a person's behalf
(:func:`register_opt_out`, :func:`withdraw_opt_out`) or, for a scheme whose text says
the person may choose it, of the person themselves once an identity provider verified
them (:func:`register_own_opt_out`, :func:`withdraw_own_opt_out`): each records its
event (with the staff role and the reason, or :data:`accord.audit.BY_PERSON`) in the
transaction that changes the register, so the register and the log cannot disagree.
:func:`opted_out` says which registers hold one person now.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Engine

from accord import audit
from accord.people import nhs_number_problem
from accord.privacy import keys, optouts
from accord.privacy.disclosure import Registers
from accord.privacy.errors import KeyNotFound, NotSelfService, PrivacyError
from accord.store import (
    Governed,
    Workspace,
    check_name,
    connection,
    excerpt,
    governance_revision,
    opt_outs,
    pseudonym_keys,
    store_key,
)


def _number(nhs_number: str) -> str:
    """The NHS number checked (ten digits, the check digit right, not a placeholder or a
    test number): a typo or a dummy is refused rather than registered for nobody."""
    problem = nhs_number_problem(nhs_number)
    if problem is not None:
        raise PrivacyError(f"{excerpt(nhs_number)} is not a valid NHS number: it {problem}")
    return "".join(c for c in nhs_number if c.isdigit())  # the ten digits, without separators


def subject_hash(secret: bytes, scheme: str, number: str) -> str:
    """How the register finds a person: a keyed hash of the NHS number."""
    key = keys.derive(secret, "opt-out", scheme)
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def _seal(secret: bytes, scheme: str, number: str) -> bytes:
    nonce = os.urandom(12)
    aead = AESGCM(keys.derive(secret, "opt-out-seal"))
    return nonce + aead.encrypt(nonce, number.encode(), scheme.encode())


def _unseal(secret: bytes, scheme: str, sealed: bytes) -> str:
    aead = AESGCM(keys.derive(secret, "opt-out-seal"))
    return aead.decrypt(sealed[:12], sealed[12:], scheme.encode()).decode()


def _known(scheme: str) -> None:
    check_name(scheme, "opt-out scheme")
    if scheme not in optouts.SCHEMES:
        raise PrivacyError(
            f"no opt-out scheme {scheme!r}: known ones are {', '.join(sorted(optouts.SCHEMES))}"
        )


@audit.audited(audit.OptOutRegistered)
def register_opt_out(
    ws: Workspace,
    scheme: str,
    nhs_number: str,
    *,
    by_role: str,
    reason: str,
    at: datetime | None = None,
) -> bool:
    """Record that the person opted out under ``scheme``, registered by staff
    (``by_role``) on their behalf for ``reason``; False (and nothing recorded) if they
    already had."""
    _known(scheme)
    role, why = audit.staff_act(by_role, reason)
    return _register(ws, scheme, _number(nhs_number), role, why, at)


@audit.audited(audit.OptOutWithdrawn)
def withdraw_opt_out(
    ws: Workspace,
    scheme: str,
    nhs_number: str,
    *,
    by_role: str,
    reason: str,
    at: datetime | None = None,
) -> bool:
    """Record that the person withdrew their opt-out (staff acting on their behalf);
    False (and nothing recorded) if there was none."""
    _known(scheme)
    role, why = audit.staff_act(by_role, reason)
    return _withdraw(ws, scheme, _number(nhs_number), role, why, at)


@audit.audited(audit.OptOutRegistered)
def register_own_opt_out(
    ws: Workspace, scheme: str, nhs_number: str, *, provider: str, at: datetime | None = None
) -> bool:
    """Record that the person opted out under ``scheme`` themselves, their NHS number
    verified by the identity provider named ``provider``; False (nothing recorded) if
    they already had. :class:`NotSelfService` for a scheme staff must record."""
    _own(scheme)
    return _register(ws, scheme, _number(nhs_number), audit.BY_PERSON, _choice(provider), at)


@audit.audited(audit.OptOutWithdrawn)
def withdraw_own_opt_out(
    ws: Workspace, scheme: str, nhs_number: str, *, provider: str, at: datetime | None = None
) -> bool:
    """Record that the person withdrew their own opt-out under ``scheme`` (verified by
    ``provider``); False (nothing recorded) if there was none."""
    _own(scheme)
    return _withdraw(ws, scheme, _number(nhs_number), audit.BY_PERSON, _choice(provider), at)


def opted_out(ws: Workspace, nhs_number: str) -> frozenset[str]:
    """The schemes whose registers hold the person now. A yes or no per scheme, for the
    person themselves or for staff whose lookup of the person is already recorded
    (``audit.subject_access``): it reads no register's contents."""
    number = _number(nhs_number)
    secret = keys.read_secret(ws.root / "keys")
    wanted = {subject_hash(secret, scheme, number): scheme for scheme in optouts.SCHEMES}
    query = sa.select(opt_outs.c.subject).where(
        opt_outs.c.subject.in_(list(wanted)), opt_outs.c.withdrawn_at.is_(None)
    )
    with ws.engine.connect() as conn:
        return frozenset(wanted[str(s)] for s in conn.execute(query).scalars())


def _own(scheme: str) -> None:
    _known(scheme)
    if not optouts.SCHEME_TEXTS[scheme].self_service:
        raise NotSelfService(
            f"the {scheme} opt-out is recorded by staff on the person's behalf, not by the "
            f"person: {optouts.SCHEME_TEXTS[scheme].how_to}"
        )


def _choice(provider: str) -> str:
    """The reason of a person's own act: theirs, and how they were verified."""
    return audit.staff_act(audit.BY_PERSON, f"their own choice, signed in with {provider}")[1]


def _register(
    ws: Workspace, scheme: str, number: str, role: str, why: str, at: datetime | None
) -> bool:
    person = audit.person_key(ws, number)
    secret = keys.read_secret(ws.root / "keys")
    subject = subject_hash(secret, scheme, number)
    with audit.transaction(ws) as tx:
        if _active(tx.conn, scheme, subject) is not None:
            return False
        tx.conn.execute(opt_outs.insert().values(
            scheme=scheme, subject=subject, sealed=_seal(secret, scheme, number),
            registered_at=at or datetime.now(UTC),
        ))  # fmt: skip
        tx.record(audit.OptOutRegistered(person=person, scheme=scheme, by_role=role, reason=why))
    return True


def _withdraw(
    ws: Workspace, scheme: str, number: str, role: str, why: str, at: datetime | None
) -> bool:
    person = audit.person_key(ws, number)
    subject = subject_hash(keys.read_secret(ws.root / "keys"), scheme, number)
    with audit.transaction(ws) as tx:
        row = _active(tx.conn, scheme, subject)
        if row is None:
            return False
        tx.conn.execute(opt_outs.update().where(opt_outs.c.id == row)
                        .values(withdrawn_at=at or datetime.now(UTC)))  # fmt: skip
        tx.record(audit.OptOutWithdrawn(person=person, scheme=scheme, by_role=role, reason=why))
    return True


def count_opt_outs(engine: Engine) -> dict[str, int]:
    """How many people each scheme's register holds now (never who: nothing is unsealed)."""
    counts = dict.fromkeys(optouts.SCHEMES, 0)
    query = (
        sa.select(opt_outs.c.scheme, sa.func.count())
        .where(opt_outs.c.withdrawn_at.is_(None))
        .group_by(opt_outs.c.scheme)
    )
    with engine.connect() as conn:
        counts.update({str(scheme): int(n) for scheme, n in conn.execute(query)})
    return counts


def _active(conn: sa.Connection, scheme: str, subject: str) -> int | None:
    return conn.execute(
        sa.select(opt_outs.c.id).where(
            opt_outs.c.scheme == scheme,
            opt_outs.c.subject == subject,
            opt_outs.c.withdrawn_at.is_(None),
        )
    ).scalar_one_or_none()


def load_registers(engine: Engine, secret: bytes) -> Registers:
    """Every scheme's active opt-outs, unsealed in memory for :func:`disclose`.

    Unsealed again only when the registers changed: each call reads the store's
    governance revision (``store.governance_revision``, once per request), and when it
    moved, the registers' own revision (the newest row's id, and how many were
    withdrawn; a row is only ever added, or withdrawn once), so an opt-out registered by
    any process holds at the next disclosure of every process. What is kept, per
    process and store, is the unsealed lists, in memory only, as they are during a
    disclosure.
    """
    governed = governance_revision(engine)  # first: what is read after is as new
    key = (store_key(engine), secret)
    held = _registers.get(key)
    if held is not None and held[0] == governed:
        return held[2]
    with connection(engine) as conn:
        revision = tuple(conn.execute(_REGISTERS_REVISION).one())
        if held is not None and held[1] == revision:  # another table moved: still these
            with _registers_lock:
                _registers[key] = (governed, revision, held[2])
            return held[2]
        subjects: dict[str, list[str]] = {scheme: [] for scheme in optouts.SCHEMES}
        rows = conn.execute(
            sa.select(opt_outs.c.scheme, opt_outs.c.sealed).where(opt_outs.c.withdrawn_at.is_(None))
        )
        for scheme, sealed in rows:
            subjects.setdefault(scheme, []).append(_unseal(secret, scheme, bytes(sealed)))
    registers = Registers(subjects, secret, "-".join(str(v) for v in revision))
    with _registers_lock:
        _registers[key] = (governed, revision, registers)
    return registers


_registers: dict[tuple[str, bytes], tuple[int, tuple[object, ...], Registers]] = {}
_registers_lock = threading.Lock()


_REGISTERS_REVISION = sa.select(sa.func.max(opt_outs.c.id), sa.func.count(opt_outs.c.withdrawn_at))
_LIVE_VERSIONS = (
    sa.select(pseudonym_keys.c.version)
    .where(pseudonym_keys.c.agreement_id == sa.bindparam("agreement_id"),
           pseudonym_keys.c.retired_at.is_(None))
    .order_by(pseudonym_keys.c.version)
)  # fmt: skip
"""Built once: both are read for every lookup a node answers, and a statement made for
each call costs SQLAlchemy more than running it."""


def live_versions(engine: Engine, agreement_id: str) -> list[int]:
    """The agreement's key versions not retired, oldest first."""
    check_name(agreement_id, "agreement id")
    with connection(engine) as conn:
        return list(conn.execute(_LIVE_VERSIONS, {"agreement_id": agreement_id}).scalars())


def current_key_version(engine: Engine, agreement_id: str) -> int:
    """The version pseudonyms are made with now; version 1 on an agreement's first use.
    Kept per process while the store's governance revision stays."""

    def read() -> int | None:
        versions = live_versions(engine, agreement_id)
        return versions[-1] if versions else None

    newest = _key_versions.get(engine, agreement_id, read)
    if newest is not None:
        return newest
    try:
        return rotate_key(engine, agreement_id)
    except sa.exc.IntegrityError:
        # Another process (a server's other worker) made the first key at the same
        # moment: that key is the one.
        versions = live_versions(engine, agreement_id)
        if not versions:
            raise
        return versions[-1]


_key_versions: Governed[str, int] = Governed()


def rotate_key(engine: Engine, agreement_id: str) -> int:
    """Start a new key version; earlier ones stay live for re-identification."""
    check_name(agreement_id, "agreement id")
    with engine.begin() as conn:
        latest = conn.execute(
            sa.select(sa.func.max(pseudonym_keys.c.version)).where(
                pseudonym_keys.c.agreement_id == agreement_id
            )
        ).scalar_one()
        version = int(latest or 0) + 1
        conn.execute(pseudonym_keys.insert().values(agreement_id=agreement_id, version=version,
                                                    created_at=datetime.now(UTC)))  # fmt: skip
    return version


def retire_key(engine: Engine, agreement_id: str, version: int) -> None:
    """Retire a version: its pseudonyms can no longer be re-identified here."""
    check_name(agreement_id, "agreement id")
    with engine.begin() as conn:
        done = conn.execute(
            pseudonym_keys.update()
            .where(pseudonym_keys.c.agreement_id == agreement_id,
                   pseudonym_keys.c.version == version, pseudonym_keys.c.retired_at.is_(None))
            .values(retired_at=datetime.now(UTC))
        ).rowcount  # fmt: skip
    if not done:
        raise KeyNotFound(f"agreement {agreement_id!r} has no live key version {version}")
