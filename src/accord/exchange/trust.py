"""A node's view of the federation: fetch, verify, adopt and use the signed trust list.

The list is fetched from ``trust_list_url`` (an http(s) URL or a file), verified
against the authority key the node pinned (``trust_list_key``), and adopted only if its
serial is higher than the one in force (a lower one is a rollback, the same one with
other content an equivocation: both refused and recorded). The adopted list is kept in
the store, so every worker of the node uses the same one; each successful fetch
confirms it. Through an outage of the authority the node keeps working on the list it
has until ``trust_list_grace`` seconds after its last confirmation (X-Road's global
configuration pattern); after that every peer is refused until a fetch succeeds.
Each adoption or confirmation also fills the agreements context's peer registry with the
members' keys (:func:`fill_peers`), so a partner's signature on an agreement verifies
with the key the federation gives its node, and with no other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from accord import audit
from accord.agreements import FEDERATED, canonical_json, key_id, sync_peers, verify_json
from accord.exchange import repository as repo
from accord.exchange.errors import (
    NodeIdentityMissing,
    PeerRevoked,
    TrustListExpired,
    TrustListRefused,
    TrustListUnavailable,
    UnknownPeer,
)
from accord.exchange.events import TrustListAdopted, TrustListRefusal
from accord.exchange.models import Cached, Member, TrustList, public_key_of
from accord.store import Workspace, excerpt

MAX_LIST_BYTES = 16 << 20
"""The largest trust list read (10,000 members take about 4 MiB)."""
FETCH_TIMEOUT = 10.0


def authority_key(ws: Workspace) -> Ed25519PublicKey:
    """The federation authority's key this node pinned (``trust_list_key``)."""
    text = ws.settings.trust_list_key
    if text is None:
        raise TrustListUnavailable(
            f"{ws.root}: no trust_list_key is set: pin the federation authority's public "
            "key in accord.toml (trust_list_key = \"...\", from 'accord federation init'; "
            "docs/exchange.md)"
        )
    return public_key_of(text)


def read_source(source: str) -> bytes:
    """The bytes at ``source`` (an http(s) URL or a file path), at most
    :data:`MAX_LIST_BYTES`; :class:`TrustListUnavailable` naming it when unreachable."""
    if source.startswith(("http://", "https://")):
        return _download(source)
    path = Path(source).expanduser()
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise TrustListUnavailable(
            f"{source}: cannot read the trust list ({exc.strerror or exc})"
        ) from None
    return _bounded(data, source)


def _download(url: str) -> bytes:
    try:
        with httpx.stream("GET", url, timeout=FETCH_TIMEOUT, follow_redirects=False) as reply:
            if reply.status_code != 200:
                raise TrustListUnavailable(f"{url}: the server answered {reply.status_code}")
            data = b""
            for chunk in reply.iter_bytes():
                data += chunk
                if len(data) > MAX_LIST_BYTES:
                    break
    except httpx.HTTPError as exc:
        raise TrustListUnavailable(f"{url}: cannot fetch the trust list ({exc})") from None
    return _bounded(data, url)


def _bounded(data: bytes, source: str) -> bytes:
    if len(data) > MAX_LIST_BYTES:
        raise TrustListRefused(
            f"{source}: larger than {MAX_LIST_BYTES >> 20} MiB; not a trust list"
        )
    return data


@dataclass(frozen=True)
class Parsed:
    trust_list: TrustList
    digest: str
    text: str


def parse(data: bytes, source: str, key: Ed25519PublicKey) -> Parsed:
    """A signed trust list verified with the authority's ``key``; else
    :class:`TrustListRefused` saying what is wrong with it."""
    try:
        text = data.decode("utf-8")
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TrustListRefused(f"{source}: not a trust list (not JSON: {exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("signature"), str):
        raise TrustListRefused(f"{source}: not a signed trust list (no signature)")
    signed = {k: v for k, v in document.items() if k != "signature"}
    if not _verifies(signed, document["signature"], key):
        raise TrustListRefused(
            f"{source}: the trust list's signature does not verify with the pinned "
            f"authority key {key_id(key)}: it was altered, or signed by another key"
        )
    try:
        trust_list = TrustList.model_validate(signed)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TrustListRefused(
            f"{source}: not a valid trust list: {where}: {first['msg']} "
            f"(got {excerpt(first.get('input'))})"
        ) from None
    digest = hashlib.sha256(canonical_json(signed)).hexdigest()
    return Parsed(trust_list, digest, text)


def _verifies(signed: dict[str, Any], signature: str, key: Ed25519PublicKey) -> bool:
    try:
        return verify_json(signed, signature, key)
    except (ValueError, TypeError, OverflowError):  # not canonicalisable: not what was signed
        return False


@dataclass(frozen=True)
class Fetched:
    """What a fetch did: ``adopted`` a newer list or ``confirmed`` the one in force."""

    outcome: str
    cached: Cached


@audit.audited(TrustListAdopted, TrustListRefusal)
def fetch(ws: Workspace, source: str | None = None, *, now: datetime | None = None) -> Fetched:
    """Fetch the trust list from ``source`` (default: ``trust_list_url``), verify it and
    adopt it if newer (recorded), or confirm the one in force. A refused list is
    recorded and raised (:class:`TrustListRefused`); an unreachable source only raised
    (:class:`TrustListUnavailable`): the node keeps the list it has."""
    with ws.engine.connect() as conn:  # the store answers before anything is fetched
        repo.head(conn)
    where = source or ws.settings.trust_list_url
    if where is None:
        raise TrustListUnavailable(
            f"{ws.root}: no trust_list_url is set: give the list's URL or file in accord.toml "
            '(trust_list_url = "...") or pass --from (docs/exchange.md)'
        )
    when = now or datetime.now(UTC)
    key = authority_key(ws)
    try:
        parsed = parse(read_source(where), where, key)
        _refuse_future(parsed.trust_list, when, ws.settings.clock_skew, where)
        outcome = _adopt(ws, parsed, where, when)
    except TrustListRefused as exc:
        audit.record(
            ws, TrustListRefusal(serial=_serial_of(exc), reason=str(exc)[:1000], source=where[:500])
        )
        raise
    found = cached(ws)
    assert found is not None
    return Fetched(outcome, found)


class _Refusal(TrustListRefused):
    def __init__(self, message: str, serial: int) -> None:
        super().__init__(message)
        self.serial = serial


def _serial_of(exc: TrustListRefused) -> int:
    return exc.serial if isinstance(exc, _Refusal) else 0


def _refuse_future(trust_list: TrustList, now: datetime, skew: int, where: str) -> None:
    if trust_list.issued_at > now + timedelta(seconds=skew):
        raise _Refusal(
            f"{where}: serial {trust_list.serial} is issued at "
            f"{trust_list.issued_at.isoformat()}, in the future by this node's "
            "clock",
            trust_list.serial,
        )


def _adopt(ws: Workspace, parsed: Parsed, where: str, now: datetime) -> str:
    new = parsed.trust_list
    with audit.transaction(ws) as tx:
        held = repo.newest(tx.conn)
        if held is not None and new.serial < held.serial:
            raise _Refusal(
                f"{where}: serial {new.serial} is older than serial {held.serial} "
                "in force here: a rollback, refused",
                new.serial,
            )
        if held is not None and new.serial == held.serial:
            if parsed.digest != held.digest:
                raise _Refusal(
                    f"{where}: serial {new.serial} differs from the serial "
                    f"{held.serial} in force here: the authority signed two lists "
                    "with one serial, refused",
                    new.serial,
                )
            repo.confirm(tx.conn, new.serial, now)
            fill_peers(tx, new)
            return "confirmed"
        repo.insert(
            tx.conn,
            repo.ListRow(
                serial=new.serial,
                federation=new.federation,
                issued_at=new.issued_at,
                digest=parsed.digest,
                document=parsed.text,
                source=where[:2000],
                adopted_at=now,
                confirmed_at=now,
            ),
        )
        added, revoked = _changes(_load(held) if held else None, new)
        tx.record(
            TrustListAdopted(
                federation=new.federation,
                serial=new.serial,
                issued_at=new.issued_at.isoformat(),
                digest=parsed.digest,
                members=len(new.members),
                active=sum(m.active for m in new.members),
                added=added,
                revoked=revoked,
                source=where[:500],
            )
        )
        fill_peers(tx, new)
    return "adopted"


def fill_peers(tx: audit.AuditTransaction, trust_list: TrustList) -> None:
    """The agreements peer registry made to hold every active member's key under its
    organisation id, and none for a revoked member (in the transaction that adopts or
    confirms the list, so the registry never disagrees with the list in force). The
    trust list is the one source of truth for every organisation it names: a key added
    by hand for one is replaced at the next fetch (docs/exchange.md)."""
    sync_peers(
        tx,
        {m.org: m.key for m in trust_list.members if m.active},
        {m.org for m in trust_list.members if not m.active},
        source=f"{FEDERATED} {trust_list.federation} serial {trust_list.serial}",
    )


def _changes(old: TrustList | None, new: TrustList) -> tuple[tuple[str, ...], tuple[str, ...]]:
    before = {m.node_id: m for m in old.members} if old else {}
    added = tuple(m.node_id for m in new.members if m.active and m.node_id not in before)
    revoked = tuple(
        m.node_id
        for m in new.members
        if not m.active and (m.node_id not in before or before[m.node_id].active)
    )
    return added, revoked


def _load(row: repo.ListRow) -> TrustList:
    signed = json.loads(row.document)
    signed.pop("signature", None)
    return TrustList.model_validate(signed)


def cached(ws: Workspace) -> Cached | None:
    """The trust list in force here (None: none adopted yet), with until when it may be
    used. Its signature is checked again: the store is not trusted to hold what was
    verified."""
    with ws.engine.connect() as conn:
        row = repo.newest(conn)
    if row is None:
        return None
    parsed = parse(row.document.encode("utf-8"), "the cached trust list", authority_key(ws))
    grace = timedelta(seconds=ws.settings.trust_list_grace)
    return Cached(
        parsed.trust_list,
        row.digest,
        row.source,
        row.adopted_at,
        row.confirmed_at,
        row.confirmed_at + grace,
    )


def usable(ws: Workspace, *, now: datetime | None = None) -> Cached:
    """The trust list in force, if it may still be used; else why not."""
    found = cached(ws)
    if found is None:
        raise TrustListUnavailable(
            f"{ws.root}: no trust list has been adopted: run 'accord federation fetch' "
            "(docs/exchange.md)"
        )
    check_fresh(found, now or datetime.now(UTC))
    return found


def check_fresh(found: Cached, now: datetime) -> None:
    """:class:`TrustListExpired` when ``found`` is past its grace period."""
    if now > found.usable_until:
        raise TrustListExpired(
            f"the trust list (serial {found.trust_list.serial}) was last confirmed "
            f"{found.confirmed_at.isoformat(timespec='seconds')} and the grace period ended "
            f"{found.usable_until.isoformat(timespec='seconds')}: no peer is trusted until "
            "'accord federation fetch' succeeds"
        )


def member(trust_list: TrustList, node_id: str) -> Member:
    """The active member ``node_id``; :class:`UnknownPeer` or :class:`PeerRevoked`."""
    found = trust_list.member(node_id)
    if found is None:
        raise UnknownPeer(
            f"{node_id[:40]!r} is not a member of the federation "
            f"{trust_list.federation} (trust list serial {trust_list.serial})"
        )
    if not found.active:
        raise PeerRevoked(
            f"{node_id} ({found.name}) was revoked from the federation "
            f"{trust_list.federation}: {found.revoked_reason or 'no reason given'}"
        )
    return found


def node_id_of(ws: Workspace) -> str:
    """This node's id; :class:`NodeIdentityMissing` saying how to set one."""
    if ws.settings.node_id is None:
        raise NodeIdentityMissing(
            f"{ws.root}: this node has no node id: set node_id in accord.toml to the "
            "organisation's code (an ODS code such as A81001 or RX1, a GSS code such as "
            "E06000023), or make the node with 'accord init --node-id' (docs/exchange.md)"
        )
    return ws.settings.node_id


def own_member(ws: Workspace, trust_list: TrustList, key: Ed25519PublicKey) -> Member:
    """This node's entry in ``trust_list``, if the list holds it, active, with this
    node's key; else :class:`NodeIdentityMissing` saying which."""
    node_id = node_id_of(ws)
    found = trust_list.member(node_id)
    if found is None or not found.active:
        state = "is not in" if found is None else "is revoked in"
        raise NodeIdentityMissing(
            f"this node ({node_id}) {state} the federation's trust list "
            f"(serial {trust_list.serial}): ask the authority to add it"
        )
    if key_id(found.key) != key_id(key):
        raise NodeIdentityMissing(
            f"the trust list holds key {key_id(found.key)} for {node_id}, not this node's key "
            f"{key_id(key)} (keys/node.pub): ask the authority to add this node's key"
        )
    return found
