"""Decisions made on a node: the facts a request cannot vouch for, and the log entry.

:meth:`PolicyIndex.decide <accord.agreements.policy.PolicyIndex.decide>` stays pure and
fast (``benchmarks/policy.py`` measures it). :func:`decide` is the node's entry point
around it: it reads what the requester must not supply itself (the dataset's kitemark,
from this node's own quality assessment of the snapshot it would share; this node as
the provider), decides under the current version of each agreement, and records
``disclosure.decided`` whatever the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from accord import audit
from accord.agreements.errors import AgreementError
from accord.agreements.models import Kitemark
from accord.agreements.peers import own_org
from accord.agreements.policy import Decision, PolicyIndex, Request, Usage
from accord.agreements.service import get, policy_index
from accord.quality import newest_kitemark
from accord.store import Workspace, check_name


def kitemark_of(ws: Workspace, dataset: str) -> Kitemark:
    """The kitemark of ``dataset``'s newest snapshot, from this node's latest assessment
    of it; ``not_yet_rated`` when that snapshot (or the dataset) was never assessed.

    The newest snapshot is what a disclosure reads, so an older snapshot's rating does
    not carry over to data nobody has assessed.
    """
    found = newest_kitemark(ws.engine, dataset)
    return Kitemark.NOT_YET_RATED if found is None else Kitemark(found)


def decide(
    ws: Workspace,
    *,
    requester: str,
    purpose: str,
    dataset: str,
    fields: Iterable[str],
    rows: int = 0,
    usage: Usage | None = None,
    agreement_id: str | None = None,
    version: int | None = None,
    on: date | None = None,
    index: PolicyIndex | None = None,
    tx: audit.AuditTransaction | None = None,
) -> Decision:
    """Permit or deny a request for this node's ``dataset``, and record the decision.

    Decided under the current (latest) version of each agreement here, or under
    ``version`` of ``agreement_id``. ``index`` is a :func:`policy_index` built earlier
    (the exchange keeps one); by default it is built from the store now. ``tx``: the
    decision is recorded in that (caller's) audit transaction, to commit with what it
    permits.
    """
    asked = tuple(fields)
    named = [(requester, "requester"), (purpose, "purpose"), (dataset, "dataset"),
             *((f, "field") for f in asked)]  # fmt: skip
    if agreement_id is not None:
        named.append((agreement_id, "agreement id"))
    for value, what in named:
        check_name(value, what)
    request = Request(
        requester=requester, purpose=purpose, dataset=dataset, fields=asked,
        kitemark=kitemark_of(ws, dataset), on=on or date.today(), rows=rows, usage=usage or Usage(),
        agreement_id=agreement_id, provider=own_org(ws),
    )  # fmt: skip
    decision = _index(ws, index, agreement_id, version).decide(request)
    decided = audit.DisclosureDecided(
        agreement=decision.agreement_id or agreement_id or "", version=decision.version or 0,
        requester=requester, purpose=purpose, dataset=dataset, requested_fields=request.fields,
        permitted=decision.permit, reasons=tuple(str(r) for r in decision.reasons),
    )  # fmt: skip
    if tx is not None:
        tx.record(decided)
    else:
        audit.record(ws, decided)
    return decision


def _index(
    ws: Workspace, index: PolicyIndex | None, agreement_id: str | None, version: int | None
) -> PolicyIndex:
    if version is None:
        return index if index is not None else policy_index(ws)
    if agreement_id is None:
        raise AgreementError("a version is a version of one agreement: name the agreement too")
    stored = get(ws, agreement_id, version)
    return PolicyIndex.build([(stored.agreement, stored.status)])
