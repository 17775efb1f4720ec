"""The gate every API request passes before a route runs: deny by default.

:meth:`Gate.admit` takes the request as it arrived (method, the URI it was sent to,
header fields, body) and answers with the :class:`~accord.exchange.models.Caller` or a
:class:`~accord.exchange.problems.Refusal`, in this order: the trust list in force
(usable, and holding this node), the signature (present, verifying, keeping to the
profile: ``signing``), the keyid a member of the federation and active, ``created``
inside the clock-skew window, the nonce never seen (the store's cache, shared by every
worker). :func:`record_refusal` writes each refusal in the audit log as
``disclosure.decided``, denied, with its reason.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection

from accord import audit
from accord.agreements import node_key
from accord.exchange import repository as repo
from accord.exchange import trust
from accord.exchange.errors import NodeIdentityMissing, TrustListError
from accord.exchange.models import Caller, Member, TrustList
from accord.exchange.problems import Refusal, printable
from accord.exchange.signing import Headers, RequestMessage, SignatureProblem, verify_request
from accord.store import Governed, Workspace, begin_unsynced, connection, is_name

_heads: Governed[str, repo.Head] = Governed()
"""The trust list's head per store (adopting or confirming a list changes the revision)."""

PRUNE_EVERY = 1_000
"""Admitted requests per worker between two prunings of expired nonces."""

log = logging.getLogger("accord.exchange")


class Gate:
    """One worker's gate: the node's key and the trust list it last loaded."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.node_id = trust.node_id_of(ws)
        self.key: Ed25519PrivateKey = node_key(ws)
        self.skew = timedelta(seconds=ws.settings.clock_skew)
        self._lock = threading.Lock()
        self._loaded: tuple[int, TrustList, Member] | None = None
        self._admitted = 0

    def trust_list(self, now: datetime) -> tuple[TrustList, Member]:
        """The trust list in force and this node's entry in it; a refusal if there is
        none, it is past its grace period, or it does not hold this node."""
        head = self._head()
        if head is None:
            raise Refusal(
                "trust-list-unavailable",
                "this node has not adopted a trust list yet, so it trusts no peer",
            )
        if now > head.confirmed_at + timedelta(seconds=self.ws.settings.trust_list_grace):
            raise Refusal(
                "trust-list-expired",
                "this node could not confirm its trust list "
                f"since {head.confirmed_at.isoformat(timespec='seconds')}, longer than"
                " its grace period: it trusts no peer until it can",
            )
        with self._lock:
            if self._loaded is None or self._loaded[0] != head.serial:
                self._loaded = self._load()
            _, trust_list, own = self._loaded
        return trust_list, own

    def _head(self) -> repo.Head | None:
        """The trust list's head, read again only when the store's governance revision
        moved (adopting or confirming a list moves it)."""

        def read() -> repo.Head | None:
            with connection(self.ws.engine) as conn:
                return repo.head(conn)

        return _heads.get(self.ws.engine, "", read)

    def _load(self) -> tuple[int, TrustList, Member]:
        try:
            found = trust.cached(self.ws)
            assert found is not None
            own = trust.own_member(self.ws, found.trust_list, self.key.public_key())
        except NodeIdentityMissing as exc:
            log.warning("refusing every request: %s", exc)  # the operator's words stay here
            raise Refusal("not-federated", "this node has no node id yet") from None
        except TrustListError as exc:
            # The reason names the workspace's files and settings: the operator reads it in
            # the server's log; a caller, who may be anyone, learns only that there is none.
            log.warning("refusing every request: %s", exc)
            raise Refusal("trust-list-unavailable", "its operator has been told why") from None
        return found.trust_list.serial, found.trust_list, own

    def target_uri(self, own: Member, raw_path: str, query: str) -> str:
        """The URI a request to this node was sent to: its base URL in the trust list,
        then the path and query as they arrived (so a request signed for another node,
        or another path, does not verify here)."""
        return own.base_url + raw_path + (f"?{query}" if query else "")

    def admit(
        self,
        method: str,
        raw_path: str,
        query: str,
        fields: list[tuple[str, str]],
        body: bytes,
        *,
        now: datetime | None = None,
        remember: bool = True,
        pruning: bool = True,
    ) -> Caller:
        """The caller, if the request passes every check; else a :class:`Refusal`.

        ``remember=False``: the nonce is neither kept nor read here; the caller keeps it
        by :meth:`claim` in the commit that records the request's work (a replay's claim
        is refused there, its records left out), or, where the work recorded nothing, by
        :meth:`remember` before the request is answered. (A read here first cost a fifth
        of the gate's time for every request, to spare a replay's work.)

        ``pruning=False``: the caller, which must not write here (an event loop), prunes
        the expired nonces itself when :meth:`due` says so."""
        when = now or datetime.now(UTC)
        trust_list, own = self.trust_list(when)
        message = RequestMessage(method, self.target_uri(own, raw_path, query), Headers(fields))

        def lookup(key_id: str) -> Ed25519PublicKey | None:
            found = trust_list.member(key_id)
            return found.key if found is not None else None

        try:
            verified = verify_request(message, body, lookup)
        except SignatureProblem as exc:
            raise Refusal(exc.code, printable(str(exc))) from None
        member = trust_list.member(verified.key_id)
        assert member is not None  # its key verified the signature
        if not member.active:
            raise Refusal(
                "revoked-node",
                f"{member.node_id} ({member.name}) was revoked from "
                f"the federation (trust list serial {trust_list.serial})",
                requester=member.org,
            )
        created = datetime.fromtimestamp(verified.created, UTC)
        self._check_window(created, when, member)
        caller = Caller(member, verified.nonce, verified.created)
        if remember:
            self.remember(caller)
        if pruning and self.due():
            prune(self.ws, when)
        return caller

    def remember(self, caller: Caller, *, recorded: bool = False) -> None:
        """Keep the caller's nonce; a :class:`Refusal` if it was already used (or its
        window has passed), ``recorded`` if the request's answer is already in the log.

        Kept at once for every worker, but not waited on to reach the disk: the request
        answers only after its own records commit, durably, and that commit carries the
        nonce with it. Lost in a crash before then, it lets a request be sent again that
        was never answered, nothing disclosed (docs/exchange.md, "Speed")."""
        with begin_unsynced(self.ws.engine) as conn:
            refused = self.claim(caller)(conn)
        if refused is not None:
            refused.recorded = recorded
            raise refused

    def keep(self, caller: Caller) -> None:
        """Keep the caller's nonce whatever became of the request (a request that failed:
        its claim, if made, rolled back with its commit); one already kept stays."""
        with begin_unsynced(self.ws.engine) as conn:
            repo.remember_nonce(conn, caller.member.node_id, caller.nonce, self._expires(caller))

    def claim(self, caller: Caller) -> NonceClaim:
        """The caller's nonce as an audit claim (``audit.Claim``): kept in the commit of
        the request's records, one pass of the store's writer for both."""
        return NonceClaim(caller, self._expires(caller))

    def _expires(self, caller: Caller) -> datetime:
        """When the caller's nonce may be forgotten: its request's window closes."""
        return datetime.fromtimestamp(caller.created, UTC) + self.skew

    def _check_window(self, created: datetime, now: datetime, member: Member) -> None:
        skew = int(self.skew.total_seconds())
        if created < now - self.skew:
            raise Refusal(
                "expired",
                f"the signature was created "
                f"{created.isoformat(timespec='seconds')}, more than {skew} s before "
                "this node's clock: send a new request",
                requester=member.org,
            )
        if created > now + self.skew:
            raise Refusal(
                "created-in-future",
                f"the signature was created "
                f"{created.isoformat(timespec='seconds')}, more than {skew} s after "
                "this node's clock: check the caller's clock",
                requester=member.org,
            )

    def due(self) -> bool:
        """Count an admitted request; whether the expired nonces are due to be pruned
        (every :data:`PRUNE_EVERY` requests)."""
        with self._lock:
            self._admitted += 1
            return self._admitted % PRUNE_EVERY == 0


@dataclass
class NonceClaim:
    """An admitted request's nonce, to keep in a commit (an ``audit.Claim``): refused
    with ``replayed`` if another request kept it first. ``made`` once it was tried."""

    caller: Caller
    expires: datetime
    made: bool = False

    def __call__(self, conn: Connection) -> Refusal | None:
        self.made = True
        member = self.caller.member
        if datetime.now(UTC) > self.expires:
            # Past its window by now (the work took that long): kept or not, its nonce
            # may have been pruned, so a copy could claim it again; refused instead.
            return Refusal(
                "expired",
                "the request's window closed before it could be answered: send a new one",
                requester=member.org,
            )
        if repo.remember_nonce(conn, member.node_id, self.caller.nonce, self.expires):
            return None
        return _replayed(self.caller)


def _replayed(caller: Caller) -> Refusal:
    return Refusal(
        "replayed",
        f"nonce {caller.nonce} of {caller.member.node_id} was already used: a request is "
        "answered once",
        requester=caller.member.org,
    )


def prune(ws: Workspace, now: datetime | None = None) -> int:
    """Forget the nonces past their window; how many."""
    with ws.engine.begin() as conn:
        return repo.prune_nonces(conn, now or datetime.now(UTC))


@audit.audited(audit.DisclosureDecided)
def record_refusal(ws: Workspace, refusal: Refusal, *, path: str = "") -> None:
    """Record a refused request as ``disclosure.decided``, denied, with its reason code
    and words (the requester only when the request was authenticated)."""
    requester = refusal.requester if is_name(refusal.requester) else ""
    # The path as sent (still percent-encoded) and quoted, so that text in it can never
    # pass for another clause of the reason.
    where = f" (path {json.dumps(printable(path, 200))})" if path else ""
    audit.record(
        ws,
        audit.DisclosureDecided(
            agreement="",
            requester=requester,
            purpose="",
            permitted=False,
            reasons=(f"{refusal.code}: {printable(refusal.detail)}{where}",),
        ),
    )
