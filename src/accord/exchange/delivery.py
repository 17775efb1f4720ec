"""The outbox of agreement messages: queued in the store, delivered to the parties' nodes,
retried until each has it.

:func:`queue` keeps one message per other party of an agreement (in the caller's
transaction, beside the act it tells of), addressed by organisation: the node is looked
up in the trust list in force when it is delivered, so a party that moved is still
reached. :func:`deliver` sends every pending message (of one agreement, or all), oldest
first, with the signed client: a message the peer took is ``delivered``; one it refused
(a problem document) is ``refused`` for good, with the peer's reason; one that did not
reach it (down, unreachable, an answer that is not its own, no usable trust list) stays
``pending`` with what failed, and later messages to the same party wait behind it, so a
party never sees an act before the proposal it is about. ``accord agreement notify``
delivers again (docs/exchange.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from accord import audit
from accord.agreements import Agreement, own_org
from accord.exchange import repository as repo
from accord.exchange import trust
from accord.exchange.client import Client
from accord.exchange.errors import ExchangeError, PeerError, RequestRefused, UnknownPeer
from accord.exchange.models import Receipt
from accord.exchange.problems import printable
from accord.store import Workspace

PROPOSAL, SIGNATURES, ACT = "proposal", "signatures", "act"
"""What a message carries: a proposed agreement, a document with new signatures, an act."""
PENDING, DELIVERED, REFUSED = "pending", "delivered", "refused"
"""An outgoing message's states."""
WAITING, COUNTERSIGNED, DECLINED, APPLIED = "pending", "countersigned", "declined", "applied"
"""An incoming message's states: a proposal in the inbox, and an act taken."""


@dataclass(frozen=True)
class Delivery:
    """What became of one message to one party."""

    org: str
    node_id: str
    kind: str
    state: str
    detail: str

    @property
    def told(self) -> bool:
        return self.state == DELIVERED


@dataclass(frozen=True)
class Sent:
    """What an act did here (the version's ``status``) and whom it told."""

    agreement: str
    version: int
    status: str
    deliveries: list[Delivery] = field(default_factory=list)
    detail: str = ""

    @property
    def not_told(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.told]


def path_of(kind: str, agreement_id: str) -> str:
    """Where a message of ``kind`` is posted on the peer."""
    if kind == PROPOSAL:
        return "/api/v1/agreements"
    return f"/api/v1/agreements/{agreement_id}/" + (
        "signatures" if kind == SIGNATURES else "status"
    )


def queue(
    tx: audit.AuditTransaction, agreement: Agreement, digest: str, kind: str, document: str
) -> list[str]:
    """Keep ``document`` for every party but this node's organisation, pending; their orgs."""
    own, now = own_org(tx.ws), datetime.now(UTC)
    nodes = _nodes(tx.ws)
    others: list[str] = [p.org for p in agreement.parties if p.org != own]
    for org in others:
        repo.add_message(
            tx.conn, direction="out", kind=kind, agreement_id=agreement.id,
            version=agreement.version, digest=digest, peer_org=org,
            peer_node=nodes.get(org, ""), document=document, state=PENDING, detail="",
            attempts=0, created_at=now, updated_at=now,
        )  # fmt: skip
    return others


def _nodes(ws: Workspace) -> dict[str, str]:
    """Organisation id to node id in the trust list in force (empty without one)."""
    try:
        found = trust.cached(ws)
    except ExchangeError:
        return {}
    return {} if found is None else {m.org: m.node_id for m in found.trust_list.members}


def pending(ws: Workspace, agreement_id: str | None = None) -> list[repo.Message]:
    with ws.engine.connect() as conn:
        return repo.messages(conn, "out", states=(PENDING,), agreement_id=agreement_id)


def deliver(ws: Workspace, agreement_id: str | None = None) -> list[Delivery]:
    """Send every pending message (of ``agreement_id``, or all); what became of each."""
    waiting = pending(ws, agreement_id)
    if not waiting:
        return []
    try:
        client = Client(ws)
    except ExchangeError as exc:  # no usable trust list, no node id: nobody is told
        return [_keep(ws, m, f"not sent: {exc}") for m in waiting]
    with client:
        return _send_all(ws, client, waiting)


def _send_all(ws: Workspace, client: Client, waiting: list[repo.Message]) -> list[Delivery]:
    done: list[Delivery] = []
    blocked: dict[str, str] = {}
    for message in waiting:
        if message.peer_org in blocked:
            done.append(_keep(ws, message, f"waiting behind an earlier message to "
                              f"{message.peer_org} ({blocked[message.peer_org]})"))  # fmt: skip
            continue
        outcome = _send(ws, client, message)
        if outcome.state == PENDING:
            blocked[message.peer_org] = "not delivered"
        done.append(outcome)
    return done


def _send(ws: Workspace, client: Client, message: repo.Message) -> Delivery:
    member = client.trust_list.member_for_org(message.peer_org)
    if member is None:
        return _keep(ws, message, f"{message.peer_org} has no node in the federation's trust "
                     f"list (serial {client.trust_list.serial})")  # fmt: skip
    path = path_of(message.kind, message.agreement_id)
    try:
        response = client.request(member.node_id, "POST", path, message.document.encode())
    except RequestRefused as exc:
        return _finish(ws, message, member.node_id, REFUSED, printable(str(exc), 1000))
    except (PeerError, UnknownPeer) as exc:
        return _keep(ws, message, printable(str(exc), 1000), member.node_id)
    try:
        receipt = Receipt.model_validate_json(response.content)
        state = f"{receipt.state}{': ' if receipt.detail else ''}{receipt.detail}"
    except ValueError:
        state = "taken (its answer is not a receipt)"
    return _finish(ws, message, member.node_id, DELIVERED, printable(state, 1000))


def _keep(ws: Workspace, message: repo.Message, detail: str, node_id: str = "") -> Delivery:
    """Leave ``message`` pending, with why it was not delivered this time."""
    return _finish(ws, message, node_id or message.peer_node, PENDING, detail)


def _finish(
    ws: Workspace, message: repo.Message, node_id: str, state: str, detail: str
) -> Delivery:
    with ws.engine.begin() as conn:
        repo.update_message(
            conn, message.id, state=state, detail=detail, peer_node=node_id,
            attempts=message.attempts + 1, updated_at=datetime.now(UTC),
        )  # fmt: skip
    return Delivery(message.peer_org, node_id, message.kind, state, detail)
