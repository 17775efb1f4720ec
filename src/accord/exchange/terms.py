"""The agreements/privacy seam: a permitted decision turned into privacy's facts.

A request for data is checked here against the agreement's terms that the policy
decision does not see (a field that may leave only as an aggregate, a filter on a field
the caller would not see in the clear, lookups the agreement does not allow), then
decided (``agreements.decide``, recorded whatever the answer) and, if permitted, turned
into privacy's :class:`~accord.privacy.Disclosure` (the lawful basis, the purpose, the
output, whether the national data opt-out applies), :class:`~accord.privacy.Minimisation`
(the fields allowed, the identifiers pseudonymised, the agreement's row conditions and
the caller's filters as row filters) and :class:`~accord.privacy.Share` (how the log and
each person are told). Shares and lookups both go through :func:`permitted`, so the two
can never disagree on what may leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from accord import audit, privacy
from accord.agreements import (
    Agreement,
    Article6,
    Code,
    Dataset,
    Decision,
    ObligationKind,
    PolicyIndex,
    RowCondition,
    Section35,
    Treatment,
    current_versions,
    decide,
    legal_basis_text,
)
from accord.exchange.models import Caller, RequestContext, ShareFilter
from accord.exchange.problems import Refusal
from accord.store import Workspace

_Scalar = bool | int | float | str | date
PROBLEM_OF: dict[Code, str] = {
    Code.UNKNOWN_AGREEMENT: "unknown-agreement",
    Code.NOT_A_PARTY: "not-a-party",
    Code.WRONG_ROLE: "wrong-role",
    Code.NOT_ACTIVE: "agreement-not-active",
    Code.NOT_IN_DATE: "agreement-not-in-date",
    Code.PURPOSE_NOT_NAMED: "purpose-not-named",
    Code.DATASET_NOT_COVERED: "dataset-not-covered",
    Code.FIELD_NOT_COVERED: "field-not-covered",
    Code.KITEMARK_BELOW_MINIMUM: "kitemark-below-minimum",
    Code.LIMIT_EXCEEDED: "limit-exceeded",
}
"""The problem type of each reason a decision denies with (the first reason's names the
refusal; the detail gives every reason)."""

_BASIS: dict[Article6 | Section35, privacy.LawfulBasis] = {
    Article6.CONSENT: privacy.LawfulBasis.CONSENT,
    Article6.CONTRACT: privacy.LawfulBasis.CONTRACT,
    Article6.LEGAL_OBLIGATION: privacy.LawfulBasis.LEGAL_OBLIGATION,
    Article6.VITAL_INTERESTS: privacy.LawfulBasis.VITAL_INTERESTS,
    Article6.PUBLIC_TASK: privacy.LawfulBasis.PUBLIC_TASK,
    Article6.LEGITIMATE_INTERESTS: privacy.LawfulBasis.LEGITIMATE_INTERESTS,
    Section35.CONSENT: privacy.LawfulBasis.LAW_ENFORCEMENT_CONSENT,
    Section35.TASK: privacy.LawfulBasis.LAW_ENFORCEMENT_TASK,
}


@dataclass(frozen=True)
class Permit:
    """What may leave for one permitted request, in privacy's terms."""

    decision: Decision
    agreement: Agreement
    disclosure: privacy.Disclosure
    minimisation: privacy.Minimisation
    share: privacy.Share


@dataclass(frozen=True)
class Terms:
    """What a request is decided on, read at one revision of the agreements: the
    agreement's current version here and its terms for the dataset from this node (None
    for either when there is none: the decision then says why), and the decision index
    :func:`permitted` decides with."""

    agreement: Agreement | None
    offered: Dataset | None
    index: PolicyIndex


def terms_of(ws: Workspace, agreement_id: str, dataset: str, provider: str) -> Terms:
    """The :class:`Terms` of ``dataset`` under ``agreement_id`` here, now."""
    current = current_versions(ws)
    stored = current.get(agreement_id)
    if stored is None:
        return Terms(None, None, current.index)
    agreement = stored.agreement
    found = [d for d in agreement.datasets if d.name == dataset and d.provider == provider]
    return Terms(agreement, found[0] if found else None, current.index)


def record_fields(terms: Dataset | None) -> tuple[str, ...]:
    """The fields a record-level answer carries by default: every field the agreement
    covers, but those that may leave only as an aggregate."""
    if terms is None:
        return ()
    return tuple(f.name for f in terms.fields if f.treatment is not Treatment.AGGREGATE)


def check_terms(
    terms: Dataset | None,
    fields: tuple[str, ...],
    filters: list[ShareFilter],
    requester: str,
) -> None:
    """Refuse what the decision cannot see: an aggregate-only field asked for as records,
    a filter on a field the caller would not read in the clear."""
    if terms is None:
        return
    treatment = {f.name: f.treatment for f in terms.fields}
    aggregate = [f for f in fields if treatment.get(f) is Treatment.AGGREGATE]
    if aggregate:
        raise Refusal(
            "aggregate-only",
            f"{', '.join(aggregate)} of {terms.name} may leave only as an aggregate, "
            "not in a record-level answer",
            requester=requester,
        )
    for f in filters:
        if treatment.get(f.field) is not Treatment.IDENTIFYING:
            raise Refusal(
                "filter-not-allowed",
                f"a filter may read only a field the caller receives as it is; {f.field} "
                f"of {terms.name} is "
                + (treatment[f.field].value if f.field in treatment else "not covered"),
                requester=requester,
            )


def permitted(
    ws: Workspace,
    caller: Caller,
    context: RequestContext,
    dataset: str,
    fields: tuple[str, ...],
    *,
    rows: int,
    terms: Terms,
    tx: audit.AuditTransaction | None = None,
) -> Permit:
    """Decide under ``terms`` (recorded as ``disclosure.decided``, in the audit
    transaction ``tx`` if one is given); the permit in privacy's terms, or the
    :class:`Refusal` whose type is the first reason's (in the log, or in ``tx``)."""
    decision = decide(
        ws, requester=caller.org, purpose=context.purpose, dataset=dataset, fields=fields,
        rows=rows, agreement_id=context.agreement, on=date.today(), index=terms.index, tx=tx,
    )  # fmt: skip
    agreement = terms.agreement
    if not decision.permit or agreement is None:
        first = decision.reasons[0].code if decision.reasons else Code.UNKNOWN_AGREEMENT
        raise Refusal(
            PROBLEM_OF.get(first, "unknown-agreement"),
            "; ".join(str(r) for r in decision.reasons),
            requester=caller.org,
            recorded=True,
        )
    return Permit(
        decision,
        agreement,
        _disclosure(decision, agreement, context),
        _minimisation(decision),
        _share(agreement, caller, context),
    )


def _disclosure(
    decision: Decision, agreement: Agreement, context: RequestContext
) -> privacy.Disclosure:
    assert decision.basis is not None  # validation gives every party's purpose a basis
    pseudonymised = any(o.kind is ObligationKind.PSEUDONYMISE for o in decision.obligations)
    return privacy.Disclosure(
        agreement_id=agreement.id,
        lawful_basis=_BASIS[decision.basis.basis],
        purpose=context.purpose,
        output=privacy.Output.PSEUDONYMISED if pseudonymised else privacy.Output.IDENTIFIABLE,
        national_opt_out_applies=agreement.national_data_opt_out.applies,
    )


def _minimisation(decision: Decision) -> privacy.Minimisation:
    identifiers: dict[str, privacy.Treatment] = {}
    rows: list[privacy.RowFilter] = []
    for obligation in decision.obligations:
        if obligation.kind is ObligationKind.PSEUDONYMISE:
            identifiers |= dict.fromkeys(obligation.fields, privacy.Treatment.PSEUDONYMISE)
        elif obligation.kind is ObligationKind.RESTRICT_ROWS:
            rows += [row_filter(c) for c in obligation.conditions]
    return privacy.Minimisation(decision.fields, identifiers, tuple(rows))


def row_filter(condition: RowCondition | ShareFilter) -> privacy.RowFilter:
    """An agreement's row condition, or a caller's filter, as privacy's row filter."""
    value = condition.value
    typed = cast(
        "_Scalar | tuple[_Scalar, ...]", tuple(value) if isinstance(value, list) else value
    )
    return privacy.RowFilter(condition.field, privacy.RowOperator(condition.operator), typed)


def _share(agreement: Agreement, caller: Caller, context: RequestContext) -> privacy.Share:
    party = agreement.party(caller.org)
    assert party is not None  # a permit names a party
    gateway = agreement.gateway
    purposes: dict[str, str] = {p.code: p.description for p in agreement.purposes}
    return privacy.Share(
        recipient=caller.org,
        recipient_role=party.role.value,
        legal_basis=legal_basis_text(agreement, caller.org),
        gateway=f"{gateway.act} s{gateway.section}" if gateway is not None else "",
        purpose=purposes.get(context.purpose, context.purpose),
        source=f"{caller.node_id} case {context.case}",
        retention=f"{agreement.retention.period_days} days",
        staff=context.role,
    )
